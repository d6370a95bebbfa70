"""Every key of the Pipeline, Runs and Config screens, L (back to the live run), and the palette's
"Force re-run", pressed on the recorded runs (fixtures/README.md). Starting a run is replaced by a
recorder where the test checks only what would be started, so no stage runs there."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rich.text import Text
from tui_helpers import recorded, screen_text, settle, wait_for

from core.paths import DEMO_CONFIG
from core.stages import STAGE_NAMES, StageDef, with_prerequisites
from tui.app import Phase25App
from tui.screens.config import ConfigScreen
from tui.screens.pipeline import PipelineScreen
from tui.screens.runs import RunsScreen
from tui.widgets.log_tail import LogTail
from tui.widgets.stage_list import StageList


def record_starts(app: Phase25App, monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], set[str]]]:
    """Replace starting a pipeline by a list of (stages, force) it would have started."""
    started: list[tuple[list[str], set[str]]] = []

    def start_run(stages: list[str], force: set[str] | None = None) -> bool:
        started.append((list(stages), set(force or ())))
        return True

    monkeypatch.setattr(app, "start_run", start_run)
    return started


@pytest.mark.parametrize(
    ("key", "stage", "want_force"),
    [
        pytest.param("r", "quantize", set(), id="r-runs-the-stage"),
        pytest.param("f", "quantize", {"quantize"}, id="f-forces-the-stage"),
        pytest.param("f", "prepare", {"prepare"}, id="f-on-the-first-stage"),
    ],
)
async def test_run_and_force_start_the_selected_stage_after_its_prerequisites(make_app, monkeypatch, key, stage,
                                                                              want_force):
    app = make_app(initial=recorded("full"))
    started = record_starts(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select(stage)
        await pilot.press(key)
        await pilot.pause()
    assert started == [(with_prerequisites([stage]), want_force)]


async def test_a_runs_every_stage_without_forcing(make_app, monkeypatch):
    app = make_app(initial=recorded("full"))
    started = record_starts(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await pilot.pause()
    assert started == [(list(STAGE_NAMES), set())]


async def test_the_palette_s_force_re_run_forces_that_stage(make_app, monkeypatch):
    app = make_app(initial=recorded("full"))
    started = record_starts(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"force re-run: fuse")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
    assert started == [(with_prerequisites(["fuse"]), {"fuse"})]


@pytest.mark.parametrize(("key", "panel"), [("m", "memory"), ("l", "log"), ("t", "train")])
async def test_t_m_l_show_one_panel_on_a_narrow_screen(make_app, key, panel):
    app = make_app(initial=recorded("full"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, PipelineScreen)
        first = "log" if panel == "train" else "train"  # start from another panel
        screen.set_panel(first)
        await pilot.press(key)
        await pilot.pause()
        assert screen.panel == panel
        shown = [p.id for p in screen.query(".panel") if p.display]
        assert shown == [f"{panel}-panel"]
        assert screen.query_one(f"#{panel}-panel").region.height > 0  # on screen, not just flagged


async def test_s_switches_the_log_between_stdout_and_stderr(make_app, runs_dir):
    app = make_app(initial=recorded("full"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select("train")
        await pilot.pause()
        log = app.screen.query_one(LogTail)
        assert log.stage == "train" and log.shown_stream == "stdout"
        await pilot.press("s")
        await pilot.pause()
        assert log.shown_stream == "stderr" and "train · stderr" in str(log.border_title)
        stages = runs_dir / recorded("full") / "stages"
        assert (stages / "train.stderr.log").read_text() == ""  # the recorded training wrote nothing there
        assert [str(line.text) for line in log.lines] == ["(nothing on stderr)"]
        await pilot.press("s")
        await pilot.pause()
        assert log.shown_stream == "stdout" and "train · stdout" in str(log.border_title)
        last = Text.from_ansi((stages / "train.stdout.log").read_text().splitlines()[-1]).plain
        assert "600/600" in last and str(log.lines[-1].text).strip() == last.strip()


async def test_j_and_k_move_through_the_stages_and_the_log_follows(make_app):
    app = make_app(initial=recorded("full"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        stages = app.screen.query_one(StageList)
        log = app.screen.query_one(LogTail)
        stages.select("prepare")
        await pilot.pause()
        for key, want in (("j", "train"), ("j", "fuse"), ("k", "train"), ("k", "prepare"), ("k", "prepare")):
            await pilot.press(key)
            await pilot.pause()
            assert stages.selected == want, key
            assert log.stage == want


async def test_runs_screen_keys_move_reload_and_open(make_app, runs_dir):
    app = make_app(initial=None)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        ids = [r.run.id for r in screen.rows]
        assert ids == sorted(ids, reverse=True) and len(ids) == 2  # newest first
        await pilot.press("j")
        await pilot.pause()
        assert screen.selected().run.id == ids[1] and f"run {ids[1]}" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        assert screen.selected().run.id == ids[0] and f"run {ids[0]}" in screen_text(app)
        # A run that appears in the folder is listed after r.
        new = "20991231-000000-copy"
        shutil.copytree(runs_dir / recorded("full"), runs_dir / new)
        assert new not in screen_text(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: new in [r.run.id for r in screen.rows])
        await settle(pilot, app)
        assert new in screen_text(app) and screen.selected().run.id == ids[0]  # the cursor stays
        # o opens the selected run on the Pipeline screen.
        await pilot.press("j")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.view.run_id == ids[1])
        await settle(pilot, app)
        assert isinstance(app.screen, PipelineScreen) and app.view.origin == "replay"


async def test_config_r_reads_the_file_again(tmp_path: Path):
    cfg = tmp_path / "mine.toml"
    text = DEMO_CONFIG.read_text().replace('"models/', f'"{DEMO_CONFIG.parent}/models/') \
        .replace('= "compact"', f'= "{DEMO_CONFIG.parent}/compact"')
    cfg.write_text(text)
    app = Phase25App(cfg, [f'outputs.runs_dir="{tmp_path / "runs"}"'], attach=False, remember=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen)
        before = app.cfg.train.iters
        assert f"iters = {before}" in screen_text(app)
        cfg.write_text(text.replace(f"iters = {before}\n", "iters = 7\n", 1))
        await pilot.press("r")
        await pilot.pause()
        assert app.cfg.train.iters == 7 and "iters = 7" in screen_text(app)
        assert any("loaded" in n.message for n in app._notifications)


STAND_IN = {"train": StageDef("train", "tests.tui.stagekit", "train", uses_mlx=False)}


async def test_L_goes_back_to_the_live_run_after_opening_another(make_app, monkeypatch):
    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    app = make_app("train.iters=100000", defs=STAND_IN, initial=None, grace_s=5.0)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("L")
        await pilot.pause()
        assert any("No run is being followed" in n.message for n in app._notifications)
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.view.state.train) >= 1)
        live = app.follow_view
        assert app.view is live
        await pilot.press("3")
        await settle(pilot, app)
        screen = app.screen
        screen.query_one("#runs-table").move_cursor(row=[r.run.id for r in screen.rows].index(recorded("full")))
        await pilot.press("o")
        await wait_for(pilot, lambda: app.view.run_id == recorded("full"))
        assert app.view is not live and app.follow_view is live
        await pilot.press("2")
        await pilot.press("L")
        await pilot.pause()
        assert app.view is live and isinstance(app.screen, PipelineScreen)
        assert live.run_id in screen_text(app).splitlines()[0]  # the top bar names the live run again
        app.cancel_now()
        await wait_for(pilot, lambda: live.state.stages["train"].status == "cancelled")


@pytest.mark.parametrize(("size", "keys"), [((160, 50), ()), ((80, 24), ("m",))], ids=["160x50", "80x24-m"])
async def test_the_memory_panel_shows_every_stage_s_peak(make_app, size, keys):
    from tui.widgets.memory_panel import MemoryPanel, peak_rows

    app = make_app(initial=recorded("full"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, app)
        panel = app.screen.query_one(MemoryPanel)
        region = panel.content_region
        lines = screen_text(app).splitlines()[region.y:region.bottom]
        shown = "\n".join(line[region.x:region.right] for line in lines)
        peaks = peak_rows(app.view)
        assert len(peaks) == 9  # every stage of the recorded run sampled memory
        for title, rss, mlx in peaks:  # each stage's row, whole
            assert re.search(rf"{re.escape(title)} +{re.escape(rss)} +{re.escape(mlx)}", shown), title
