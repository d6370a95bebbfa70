"""The Results screen's verdict with its uncertainty, the routing panel, the physics claims and
the switch between the core and the extended verdict, on runs DERIVED from the recorded full run
(see test_results_derived.py: strict passes edited, the compare stage dropped)."""

from __future__ import annotations

import pytest
from test_results_derived import derive, suite_order, write_derived_run
from tui_helpers import has_recording, screen_text, settle

from core import events as ev
from tui.screens.results import ResultsScreen

pytestmark = pytest.mark.skipif(not has_recording("full"), reason="no recorded full run yet (fixtures/README.md)")

# 11 passes for the 7B, 13 for the 30B: ratio 0.85, split, with an interval reaching both neighbours
SPLIT = ({0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13}, {0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14})


def with_extended(events: list[object], extended: set[int]) -> list[object]:
    """Mark the queries at ``extended`` (suite order) as the extended tier in their records."""
    order = suite_order()
    out = []
    for e in events:
        if isinstance(e, ev.QueryResult) and order.index(e.query_id) in extended:
            assert e.result is not None
            e = e.model_copy(update={"result": e.result.model_copy(update={"tier": "extended", "topic": "typecheck"})})
        out.append(e)
    return out


@pytest.mark.parametrize("size", [(160, 50), (80, 24)])
async def test_the_verdict_shows_its_interval_margin_tentative_label_and_routing(make_app, runs_dir, size):
    run_id = write_derived_run(runs_dir, derive(*SPLIT), "20991231-000001-derived")
    app = make_app(initial=run_id)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        text = " ".join(screen_text(app).split())
        assert "ratio 0.85" in text and " split by use case " in text
        assert "0.54–1.25" in text and "↑1 ↓2" in text
        assert "tentative" in text and "could be stay" in text
        assert "cascade" in text and "55%" in text
        assert "4-5x faster" in text
        if size[0] >= 140:
            assert "tool 10/13 direct 1/7" in text and "McNemar p" in text
            assert "does not hold: the 7B should decode at 0.43x the 30B at equal bits" in text
            assert "recommended: route" in text


async def test_e_switches_between_the_core_and_the_extended_verdict(make_app, runs_dir):
    events = with_extended(derive(*SPLIT), set(range(15, 20)))
    run_id = write_derived_run(runs_dir, events, "20991231-000002-derived")
    app = make_app(initial=run_id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        text = screen_text(app)
        assert "[core]" in text and "(11/15)" in text and len(screen.shown) == 15
        await pilot.press("e")
        await settle(pilot, app)
        text = screen_text(app)
        assert "[extended]" in text and "(11/20)" in text and len(screen.shown) == 20
        await pilot.press("e")
        await settle(pilot, app)
        assert "[core]" in screen_text(app) and len(screen.shown) == 15
