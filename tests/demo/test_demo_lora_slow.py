"""The demo pipeline, end to end: the LoRA must teach the candidate stand-in Code Mode.

Runs ``phase25 run --stages all --force all`` on the demo config (minutes on 2 CPU cores), then
compares the unadapted candidate with the adapted one on the real 20-query suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import cli
from core.demo import DEMO_MODELS_DIR, MODEL_NAMES
from core.evaluation.lora_change import UNADAPTED_FILE, lora_change
from core.evaluation.schema import load_results
from core.paths import DEMO_CONFIG

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.skipif(not all((DEMO_MODELS_DIR / n / "config.json").is_file() for n in MODEL_NAMES.values()),
                       reason="the demo models are not built (phase25 demo build)"),
]


@pytest.mark.timeout(1800)
def test_lora_teaches_the_candidate_code_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli, "remember_config", lambda path: None)
    out = tmp_path / "out"
    sets = {"outputs.adapter": out / "adapter", "outputs.fused": out / "fused",
            "outputs.quantized": out / "q{bits}", "outputs.results": out / "phase25_results.json",
            "outputs.report": out / "phase25_report.md", "outputs.diary": out / "diary.md",
            "outputs.memory": out / "MEMORY.md", "outputs.runs_dir": tmp_path / "runs"}
    argv = ["run", "--config", str(DEMO_CONFIG), "--stages", "all", "--force", "all", "--plain"]
    for k, v in sets.items():
        argv += ["--set", f'{k}="{v}"']
    assert cli.main(argv) == 0
    after = load_results(out / "phase25_results.candidate.json")
    before = load_results(out / UNADAPTED_FILE)
    ch = lora_change(before, after)
    assert ch.before.tool_queries == 13 and ch.before.direct_queries == 7
    assert ch.before.calls_lenient <= 2                     # the base does not know Code Mode
    assert ch.after.calls_lenient >= 10 and ch.after.calls_strict >= 6
    assert ch.after.direct_calls <= 1
    assert "## What LoRA changed" in (out / "phase25_report.md").read_text()
