"""The Results and Query diff screens on a recorded full demo run (fixtures/README.md)."""

from __future__ import annotations

import json

import pytest
from tui_helpers import RECORDED, has_recording, recorded, screen_text, settle, snapshot_app

from core import events as ev
from core.stage_summaries import CompareSummary
from core.state import RunState
from tui.export import results_markdown
from tui.results_data import build_rows, summarize
from tui.screens.diff import DiffScreen, changed_lines
from tui.screens.results import ResultsScreen

pytestmark = pytest.mark.skipif(not has_recording("full"), reason="no recorded full run yet (fixtures/README.md)")


def recorded_state() -> RunState:
    events, bad = ev.read_events(RECORDED / recorded("full") / "events.jsonl")
    assert bad == []
    return RunState.from_events(events)


def expected_classes(state: RunState) -> dict[str, str]:
    """The classes as the compare stage wrote them into the run (results/comparison.json)."""
    comp = json.loads((RECORDED / recorded("full") / "results" / "comparison.json").read_text())
    return comp["classes"]


def test_rows_and_summary_come_from_the_run_as_recorded():
    state = recorded_state()
    app = snapshot_app(None)
    rows, source = build_rows(state, app.cfg)
    assert len(rows) == 20 and source == f"run {state.run_id}"
    assert {r.query_id: r.klass for r in rows} == expected_classes(state)
    s = summarize(state, rows, app.cfg)
    comp = state.stages["compare"].summary
    assert isinstance(comp, CompareSummary)
    assert s.from_compare and s.ratio == comp.ratio
    assert s.accuracy["candidate"] == comp.candidate["accuracy"]
    assert s.band == comp.verdict["band"]
    for m in ("candidate", "baseline"):
        passed = sum(1 for (model, _), e in state.queries.items() if model == m and e.strict_pass)
        assert s.passes[m] == (passed, 20)


async def test_filters_show_the_matching_queries_and_counts():
    app = snapshot_app(recorded("full"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        assert len(screen.shown) == 20
        classes = expected_classes(recorded_state())
        for key, name, keep in (
            ("g", "regressions", lambda r: classes[r.query_id] == "regressed"),
            ("x", "fixed", lambda r: classes[r.query_id] == "fixed"),
            ("t", "tool", lambda r: r.category == "tool"),
            ("d", "direct", lambda r: r.category == "direct"),
            ("f", "failures", lambda r: any(m.passed is False for m in r.results.values())),
        ):
            await pilot.press(key)
            await pilot.pause()
            want = [r.query_id for r in screen.rows if keep(r)]
            assert [r.query_id for r in screen.shown] == want, name
            assert f"{key} {name} {len(want)}" in screen_text(app)
        await pilot.press("a")
        assert len(screen.shown) == 20
        text = screen_text(app)
        band = {"primary": "7B primary", "split": "split by use case", "stay": "stay on 30B",
                "inconclusive": "inconclusive"}[summarize(recorded_state(), screen.rows, app.cfg).band]
        assert band in text and "ratio" in text and "measured" in text and "predicted" in text


async def test_the_diff_steps_through_queries_with_n_p_j_k():
    app = snapshot_app(recorded("full"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        results = app.screen
        ids = [r.query_id for r in results.shown]
        await pilot.press("enter")
        await pilot.pause()
        diff = app.screen
        assert isinstance(diff, DiffScreen) and diff.row.query_id == ids[0]
        text = screen_text(app)
        row = diff.row
        assert row.query_id in text and row.prompt[:40] in text
        assert "checks" in text and "response" in text
        diff.query_one("#diff-body").scroll_end(animate=False)   # real calls make the columns tall
        await pilot.pause()
        assert "final answer" in screen_text(app) and "timings" in screen_text(app)
        for key, want in (("n", 1), ("j", 2), ("p", 1), ("k", 0), ("k", len(ids) - 1)):
            await pilot.press(key)
            await pilot.pause()
            assert diff.row.query_id == ids[want]
            assert f"{want + 1}/{len(ids)}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is results


def test_changed_lines_marks_only_the_lines_that_differ():
    a = ["r = typecheck('.')", "print(r.error_count)", "done"]
    b = ["r = typecheck('.')", "print(len(r.errors))", "done", "extra"]
    left, right = changed_lines(a, b)
    assert left == {1} and right == {1, 3}


def test_export_writes_the_table_as_markdown():
    state = recorded_state()
    text = results_markdown(state, snapshot_app(None).cfg)
    assert text.count("\n| ") == 21  # header + 20 queries
    assert "DEMO" in text and f"run {state.run_id}" in text
