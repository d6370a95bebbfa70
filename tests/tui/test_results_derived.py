"""The Results screen's classes, filters and verdict bands on data DERIVED from the recorded full run.

In the recording (fixtures/README.md) both demo models score 0/20, so it shows no fixed or regressed
query and only the "inconclusive" band. Here the recording's own QueryResult events are kept as
they are except for ``strict_pass`` and ``checks``, which each test EDITS to make the classes and
bands it needs; the compare stage's events are dropped so the verdict comes from the edited
results (through core's rule). Every derived run is marked as such by its id (``-derived``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.style import Style
from tui_helpers import RECORDED, has_recording, recorded, screen_text, settle, snapshot_app

from core import events as ev
from core.state import RunState
from tui.results_data import BAND_STYLE, BAND_WORDS, build_rows, summarize
from tui.screens.results import ResultsScreen, summary_text

pytestmark = pytest.mark.skipif(not has_recording("full"), reason="no recorded full run yet (fixtures/README.md)")

PASS_ALL = {"format": True, "discrimination": True, "typed": True, "quality": True}


def recorded_events() -> list[object]:
    events, bad = ev.read_events(RECORDED / recorded("full") / "events.jsonl")
    assert bad == []
    return events


def suite_order() -> list[str]:
    """The query ids in the order the recorded candidate test scored them."""
    return [e.query_id for e in recorded_events()
            if isinstance(e, ev.QueryResult) and e.model == "candidate"]


def derive(candidate_passes: set[int], baseline_passes: set[int]) -> list[object]:
    """The recording's events with strict_pass/checks EDITED: query i (suite order) passes for the
    candidate when i is in ``candidate_passes``, for the baseline when in ``baseline_passes``.
    A passing query gets all four checks; a failing one keeps its recorded checks (all failed).
    The compare stage's events are left out (its summary describes the unedited results)."""
    order = suite_order()
    out: list[object] = []
    for e in recorded_events():
        if getattr(e, "stage", None) == "compare":
            continue
        if isinstance(e, ev.QueryResult) and e.model in ("candidate", "baseline"):
            i = order.index(e.query_id)
            passed = i in (candidate_passes if e.model == "candidate" else baseline_passes)
            checks = dict(PASS_ALL) if passed else dict(e.checks)
            assert e.result is not None
            result = e.result.model_copy(deep=True)
            result.score.strict_pass = passed
            for name, ok in checks.items():
                getattr(result.score, name).passed = ok
            e = e.model_copy(update={"strict_pass": passed, "checks": checks, "result": result})
        out.append(e)
    return out


# Both pass 0-3, fixed 4-5 (7B only), regressed 6-8 (30B only), both fail 9-19.
MIXED = ({0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 6, 7, 8})
WANT_CLASS = {**dict.fromkeys(range(0, 4), "both pass"), **dict.fromkeys(range(4, 6), "fixed"),
              **dict.fromkeys(range(6, 9), "regressed"), **dict.fromkeys(range(9, 20), "both fail")}


def test_each_query_gets_its_class_and_each_filter_keeps_its_rows():
    state = RunState.from_events(derive(*MIXED))
    rows, source = build_rows(state, snapshot_app(None).cfg)
    order = suite_order()
    assert source == f"run {state.run_id}"
    assert {r.query_id: r.klass for r in rows} == {q: WANT_CLASS[i] for i, q in enumerate(order)}
    by_filter = {flt: [order.index(r.query_id) for r in rows if r.matches(flt)]
                 for flt in ("regressions", "fixed", "failures")}
    assert sorted(by_filter["regressions"]) == [6, 7, 8]
    assert sorted(by_filter["fixed"]) == [4, 5]
    assert sorted(by_filter["failures"]) == list(range(4, 20))  # either model fails
    passing = next(r for r in rows if r.klass == "both pass")
    assert passing.results["candidate"].checks == PASS_ALL and passing.results["candidate"].passed


@pytest.mark.parametrize(
    ("cand", "base", "band", "ratio"),
    [
        pytest.param(set(range(10)), set(range(10)), "primary", 1.0, id="7B-primary"),  # 10/10
        pytest.param(set(range(9)), set(range(10)), "primary", 0.9, id="7B-primary-at-the-boundary"),
        pytest.param(set(range(8)), set(range(10)), "split", 0.8, id="split"),
        pytest.param(set(range(7)), set(range(10)), "split", 0.7, id="split-at-the-boundary"),
        pytest.param(set(range(5)), set(range(10)), "stay", 0.5, id="stay-on-30B"),
        pytest.param(set(range(5)), set(), "inconclusive", None, id="inconclusive"),
    ],
)
def test_the_verdict_band_follows_core_s_rule_in_words_and_colour(cand, base, band, ratio):
    state = RunState.from_events(derive(cand, base))
    cfg = snapshot_app(None).cfg
    rows, source = build_rows(state, cfg)
    s = summarize(state, rows, cfg)
    assert s.passes == {"candidate": (len(cand), 20), "baseline": (len(base), 20)}
    assert s.band == band
    assert s.ratio == (pytest.approx(ratio) if ratio is not None else None)
    assert "no compare stage" in s.origin
    text = summary_text(s, source)
    words = f" {BAND_WORDS[band]} "
    start = text.plain.index(words)
    styles = [sp.style for sp in text.spans if sp.start <= start and sp.end >= start + len(words)]
    assert BAND_STYLE[band] in styles
    assert "verdict unknown" not in text.plain
    if band == "inconclusive":
        assert "the baseline passed no query" in text.plain


def write_derived_run(runs_dir: Path, events: list[object], run_id: str) -> str:
    """A copy of the recorded run folder under a new id, with the derived events."""
    dst = runs_dir / run_id
    shutil.copytree(runs_dir / recorded("full"), dst)
    (dst / "events.jsonl").write_text("".join(ev.encode(e) + "\n" for e in events))
    return run_id


def band_background(app, words: str) -> tuple[int, int, int] | None:
    """The background colour the screen paints behind ``words``."""
    for strip in app.screen._compositor.render_strips():
        for seg in strip:
            if words in seg.text and seg.style is not None and seg.style.bgcolor is not None:
                return seg.style.bgcolor.get_truecolor()
    return None


async def test_the_results_screen_shows_classes_filters_and_the_band_of_a_derived_run(make_app, runs_dir):
    run_id = write_derived_run(runs_dir, derive(*MIXED), "20991231-000000-derived")
    app = make_app(initial=run_id)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        text = screen_text(app)
        assert "7B 30% (6/20)" in text and "30B 35% (7/20)" in text and "ratio 0.86" in text
        assert " split by use case " in text
        yellow = Style.parse(BAND_STYLE["split"]).bgcolor.get_truecolor(app.ansi_theme)  # as the theme paints it
        assert band_background(app, "split by use case") == yellow
        assert " a all 20 " in text and " g regressions 3 " in text and " x fixed 2 " in text
        order = suite_order()
        for key, want in (("g", [6, 7, 8]), ("x", [4, 5]), ("f", list(range(4, 20)))):
            await pilot.press(key)
            await pilot.pause()
            assert [order.index(r.query_id) for r in screen.shown] == want, key
        await pilot.press("x")
        await pilot.pause()
        text = screen_text(app)
        assert text.count("fixed") >= 3  # the filter label and both rows' class
        assert "regressed" not in text.split("x fixed 2")[1]  # the table shows only the fixed rows


async def test_a_run_without_a_comparison_shows_the_one_in_outputs_results_and_says_so(make_app, tmp_path):
    """A run with no compare stage and no results of its own (the recorded failed prepare): the
    verdict and the ratios come from the combined results file named by outputs.results, which is
    written here from the recorded full run's comparison.json."""
    comparison = json.loads((RECORDED / recorded("full") / "results" / "comparison.json").read_text())
    combined = tmp_path / "out" / "phase25_results.json"
    combined.parent.mkdir()
    combined.write_text(json.dumps({"kind": "phase25.report", "run_id": recorded("full"),
                                    "comparison": comparison}))
    app = make_app(f'outputs.results="{combined}"', initial=recorded("failed-prepare"))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        text = " ".join(screen_text(app).split())  # the summary may wrap
        assert " inconclusive " in text and "verdict unknown" not in text
        assert "the baseline passed no query" in text
        assert f"comparison from {combined} (run {recorded('full')})" in text
        speed = comparison["measured"][0]["ratio"]
        assert f"{speed:.2f}×" in text  # the measured speed ratio, from that file
