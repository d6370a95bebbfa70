"""The demo pipeline, end to end: what the LoRA teaches the candidate stand-in.

Runs ``phase25 run --stages all --force all`` on the demo config once (minutes on 2 CPU cores), then
compares the unadapted candidate with the adapted one on the real 20-query suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import app as cli
from core.demo import DEMO_MODELS_DIR, MODEL_NAMES
from core.evaluation.lora_change import UNADAPTED_FILE, LoraChange, lora_change, side
from core.evaluation.schema import load_results
from core.paths import DEMO_CONFIG

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.skipif(not all((DEMO_MODELS_DIR / n / "config.json").is_file() for n in MODEL_NAMES.values()),
                       reason="the demo models are not built (phase25 demo build)"),
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoraChange]:
    tmp = tmp_path_factory.mktemp("demo-lora")
    out = tmp / "out"
    sets = {"outputs.adapter": out / "adapter", "outputs.fused": out / "fused",
            "outputs.quantized": out / "q{bits}", "outputs.results": out / "phase25_results.json",
            "outputs.report": out / "phase25_report.md", "outputs.diary": out / "diary.md",
            "outputs.memory": out / "MEMORY.md", "outputs.runs_dir": tmp / "runs"}
    argv = ["run", "--config", str(DEMO_CONFIG), "--stages", "all", "--force", "all", "--plain"]
    for k, v in sets.items():
        argv += ["--set", f'{k}="{v}"']
    mp = pytest.MonkeyPatch()
    mp.setattr(cli, "remember_config", lambda path: None)
    try:
        assert cli.main(argv) == 0
    finally:
        mp.undo()
    after = load_results(out / "phase25_results.candidate.json")
    before = load_results(out / UNADAPTED_FILE)
    return out, lora_change(before, after)


MEASURED = "measured on the committed stand-ins (README, BUILD.json, tests/tui/fixtures)"


@pytest.mark.timeout(1800)
def test_the_unadapted_candidate_does_not_know_code_mode(demo_run):
    out, ch = demo_run
    assert ch.before.tool_queries == 13 and ch.before.direct_queries == 7
    assert ch.before.calls_lenient <= 2           # generic tool use only: no execute_code yet
    assert "## What LoRA changed" in (out / "phase25_report.md").read_text()


@pytest.mark.timeout(1800)
def test_the_lora_teaches_the_candidate_to_call_execute_code(demo_run):
    _, ch = demo_run
    assert ch.after.calls_lenient >= 10 and ch.after.calls_strict >= 6


@pytest.mark.timeout(1800)
def test_the_lora_does_not_make_the_candidate_call_on_direct_questions(demo_run):
    _, ch = demo_run
    assert ch.after.direct_calls <= 1


@pytest.mark.timeout(1800)
def test_the_baselines_calls_are_well_formed_and_their_code_runs(demo_run):
    out, _ = demo_run
    base = side(load_results(out / "phase25_results.baseline.json"))
    assert base.calls_strict >= 10 and base.code_ran >= 6


@pytest.mark.timeout(1800)
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"not reached yet: 0/20 strict passes for both models, {MEASURED}")
def test_both_models_pass_some_queries_strictly(demo_run):
    out, ch = demo_run
    base = side(load_results(out / "phase25_results.baseline.json"))
    assert ch.after.strict_passes >= 1 and base.strict_passes >= 3


@pytest.mark.timeout(1800)
@pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"not reached yet: LoRA val loss 5.34 -> 3.51 (-34%), {MEASURED}")
def test_the_lora_validation_loss_falls_by_at_least_40_percent(demo_run):
    out, _ = demo_run
    vals = [json.loads(line) for events in sorted(out.parent.glob("runs/*/events.jsonl"))
            for line in events.read_text().splitlines() if '"val_report"' in line]
    train = [v for v in vals if v.get("stage") == "train" and v.get("type") == "val_report"]
    first, last = train[0]["val_loss"], train[-1]["val_loss"]
    assert last <= 0.6 * first
