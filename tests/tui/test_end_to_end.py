"""End to end: the real demo pipeline driven from the dashboard, headless. Run all (prepare to
report) with a short training and short answers, then the Results screen, then three query diffs.

Every output goes to the test's temporary folder; the demo models must be built
(``phase25 demo build``), which the test says plainly rather than skipping in silence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import screen_text, settle, wait_for

from core.config import load_config
from core.paths import DEMO_CONFIG
from core.stages import STAGE_NAMES
from tui.app import Phase25App
from tui.screens.diff import DiffScreen
from tui.screens.pipeline import PipelineScreen
from tui.screens.results import ResultsScreen

pytestmark = pytest.mark.slow

QUICK = [
    "train.iters=20", "train.steps_per_report=5", "train.steps_per_eval=10", "train.save_every=10",
    "train.val_batches=2", "evaluation.max_tokens=40",
]


def outputs_in(tmp: Path) -> list[str]:
    return [
        f'outputs.runs_dir="{tmp / "runs"}"', f'outputs.adapter="{tmp / "adapters"}"',
        f'outputs.fused="{tmp / "fused"}"', f'outputs.quantized="{tmp / "q{bits}"}"',
        f'outputs.results="{tmp / "phase25_results.json"}"', f'outputs.report="{tmp / "report.md"}"',
        f'outputs.diary="{tmp / "diary.md"}"', f'outputs.memory="{tmp / "MEMORY.md"}"',
    ]


async def test_the_dashboard_runs_the_demo_pipeline_and_shows_results_and_diffs(tmp_path):
    cfg = load_config(DEMO_CONFIG)
    built = all((cfg.resolve(m.path) / "config.json").is_file() for m in (cfg.candidate, cfg.baseline))
    assert built, "the demo models are missing: run `phase25 demo build` first"
    app = Phase25App(DEMO_CONFIG, [*outputs_in(tmp_path), *QUICK], attach=False, remember=False, initial=None)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")  # run all
        await wait_for(pilot, lambda: app.view.state.status not in ("new", "running"), timeout=1200)
        await settle(pilot, app)
        state = app.view.state
        failed = {n: (s.reason, s.stderr_tail[-5:]) for n, s in state.stages.items() if s.status == "failed"}
        assert state.status == "done", f"the pipeline did not finish: {failed}"
        assert all(state.stages[n].status in ("done", "cached") for n in STAGE_NAMES)
        assert isinstance(app.screen, PipelineScreen)
        text = screen_text(app)
        assert "iter 20/20" in text and "report" in text
        assert len(state.train) >= 4 and state.val  # the live curves were followed

        await pilot.press("2")
        await settle(pilot, app)
        results = app.screen
        assert isinstance(results, ResultsScreen)
        assert len(results.shown) == 20
        assert all(set(r.results) == {"candidate", "baseline"} for r in results.shown)
        assert "verdict unknown" not in screen_text(app)

        await pilot.press("enter")
        await pilot.pause()
        seen = []
        for step in range(3):
            diff = app.screen
            assert isinstance(diff, DiffScreen)
            seen.append(diff.row.query_id)
            text = screen_text(app)
            assert diff.row.query_id in text and "final answer" in text and "timings" in text
            if step < 2:
                await pilot.press("n")
                await pilot.pause()
        assert seen == [r.query_id for r in results.shown[:3]]
