"""The demo experiment under ``phase25 run``: test both models, compare, report, on the demo's tiny
stand-ins and the real 20-query suite, with real measurements in every file it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_tiny_models import quantize_copy

from core.cli import app as cli
from core.demo import DEMO_MODELS_DIR, MODEL_NAMES
from core.evaluation.schema import load_results
from core.paths import DEMO_CONFIG

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STAGES = "test_candidate,test_baseline,compare,report"


def run_demo(models: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``phase25 run`` on the demo config, with every output under ``tmp``; returns the outputs folder."""
    out = tmp / "out"
    # The candidate stage tests the quantized model; quantizing the demo candidate stands in for
    # train + fuse + quantize, which the training tests cover.
    quantize_copy(models / MODEL_NAMES["candidate"], out / "q5", 5)
    monkeypatch.setattr(cli, "remember_config", lambda path: None)
    sets = {
        "candidate.path": models / MODEL_NAMES["candidate"],
        "baseline.path": models / MODEL_NAMES["baseline"],
        "evaluation.max_tokens": 48,
        "outputs.quantized": out / "q{bits}",
        "outputs.results": out / "phase25_results.json",
        "outputs.report": out / "phase25_report.md",
        "outputs.diary": out / "diary.md",
        "outputs.memory": out / "MEMORY.md",
        "outputs.runs_dir": tmp / "runs",
    }
    argv = ["run", "--config", str(DEMO_CONFIG), "--stages", STAGES, "--plain"]
    for k, v in sets.items():
        argv += ["--set", f'{k}="{v}"' if isinstance(v, Path) else f"{k}={v}"]
    assert cli.main(argv) == 0
    return out


@pytest.mark.skipif(not all((DEMO_MODELS_DIR / n / "config.json").is_file() for n in MODEL_NAMES.values()),
                    reason="the demo models are not built (phase25 demo build)")
def test_the_demo_run_writes_the_deliverables_with_measurements(tmp_path, monkeypatch, capsys):
    out = run_demo(DEMO_MODELS_DIR, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "compare" in printed and "report" in printed

    cand = load_results(out / "phase25_results.candidate.json")
    base = load_results(out / "phase25_results.baseline.json")
    assert cand.model.bits == 5 and base.model.family == "qwen3"
    for res in (cand, base):
        assert len(res.queries) == 20
        assert res.aggregates.generation_tps_mean and res.aggregates.generation_tps_mean > 0
        assert res.aggregates.peak_memory_bytes and res.aggregates.peak_memory_bytes > 0
        assert all(q.measurements.generated_tokens > 0 and q.rounds[0].text for q in res.queries)
        assert res.settings.system_prompt_tokens > 100  # the compact prompt with its stubs, prefilled once
        # every call a stand-in made was run in its fixture workspace and fed back for a second round
        assert all(len(q.rounds) == 2 for q in res.queries if q.execution is not None)

    combined = json.loads((out / "phase25_results.json").read_text())
    assert combined["demo"] is True
    report = (out / "phase25_report.md").read_text()
    assert "tiny stand-ins" in report and "say nothing about" in report
    assert f"**{combined['verdict']['label']}**" in report
    for q in cand.queries:
        assert f"| {q.query_id} |" in report
    assert (out / "diary.md").is_file() and (out / "MEMORY.md").is_file()
