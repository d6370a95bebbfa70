"""Snapshots of the main screens at 80x24 and 160x50, on recorded runs (fixtures/README.md).

Everything shown comes from the recorded events (durations, timestamps in UTC), so the pictures do
not change between runs. After an intended change of the UI: ``pytest tests/tui --snapshot-update``
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from tui_helpers import has_recording, recorded, settle, snapshot_app, wait_for

from tui.widgets.stage_list import StageList

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]


async def _drawn(pilot) -> None:
    """Settled, and every stage list drawn for the width it ended up with (its first draw can
    come during layout, at a narrower width)."""
    await settle(pilot, pilot.app)
    await wait_for(pilot, lambda: all(s.drawn_at_current_width for s in pilot.app.screen.query(StageList)))
    await pilot.pause()


def settled(*keys: str):
    async def run_before(pilot) -> None:
        await _drawn(pilot)
        for key in keys:
            await pilot.press(key)
            await _drawn(pilot)

    return run_before


def pick(*kinds: str) -> str:
    """The richest recording available among ``kinds``."""
    for kind in kinds:
        if has_recording(kind):
            return recorded(kind)
    raise AssertionError(f"no recording for {kinds}")


@pytest.mark.parametrize("size", SIZES)
def test_pipeline_with_a_failed_stage(snap_compare, size):
    app = snapshot_app(recorded("failed-prepare"))
    assert snap_compare(app, terminal_size=size, run_before=settled())


@pytest.mark.parametrize("size", SIZES)
def test_pipeline_after_training(snap_compare, size):
    app = snapshot_app(pick("full", "train"))
    assert snap_compare(app, terminal_size=size, run_before=settled())


@pytest.mark.parametrize("size", SIZES)
def test_results(snap_compare, size):
    app = snapshot_app(pick("full", "failed-prepare"))
    assert snap_compare(app, terminal_size=size, run_before=settled("2"))


@pytest.mark.parametrize("size", SIZES)
def test_query_diff(snap_compare, size):
    app = snapshot_app(pick("full", "failed-prepare"))
    assert snap_compare(app, terminal_size=size, run_before=settled("2", "g", "a", "enter"))


def runs_listed():
    """The Runs screen's list arrives from a thread worker as a message, and the table sizes its
    columns on a later refresh: wait for the rows, then for the screen to draw them."""
    async def run_before(pilot) -> None:
        await settled("3")(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#runs-table")
        await wait_for(pilot, lambda: screen.rows and table.row_count == len(screen.rows))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_runs(snap_compare, size):
    app = snapshot_app(recorded("failed-prepare"))
    assert snap_compare(app, terminal_size=size, run_before=runs_listed())


def frozen_doctor(monkeypatch) -> None:
    """The Config screen's doctor replaced by a process printing a frozen report (doctor_report.json,
    the demo config's): the real doctor measures this machine, which differs between machines."""
    import sys
    from pathlib import Path

    from tui.screens.config import ConfigScreen

    report = Path(__file__).parent / "doctor_report.json"
    code = f"import sys; sys.stdout.write(open({str(report)!r}).read())"
    monkeypatch.setattr(ConfigScreen, "doctor_command", staticmethod(lambda config, overrides: [sys.executable, "-c", code]))


@pytest.mark.parametrize("size", SIZES)
def test_config(snap_compare, size, monkeypatch):
    frozen_doctor(monkeypatch)
    app = snapshot_app(recorded("failed-prepare"))
    assert snap_compare(app, terminal_size=size, run_before=settled("4"))
