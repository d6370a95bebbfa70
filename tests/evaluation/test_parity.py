"""Parity's decision: keep the quantized model, or re-quantize at the fallback bits and test again."""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from eval_queries import synthetic_suite
from eval_tiny_models import build_adapter, quantize_copy

from core.config import load_config
from core.evaluation.schema import (
    CheckResult,
    Measurements,
    ModelIdentity,
    ParseRecord,
    QueryRecord,
    QueryScore,
    ResultsFile,
    Settings,
)
from core.evaluation.scoring import aggregate
from core.runs import create_run
from core.stages import parity
from core.stages.base import StageContext

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def fake_results(role: str, path: str, failing: set[str]) -> ResultsFile:
    recs = []
    for q in synthetic_suite().queries:
        ok = q.id not in failing
        check = CheckResult(passed=ok, evidence=[])
        recs.append(QueryRecord(
            query_id=q.id, category=q.category, prompt=q.prompt, rounds=[], final_answer="",
            call=ParseRecord(has_call=q.category == "tool", strict_ok=ok, lenient_ok=ok),
            measurements=Measurements(prompt_tokens=1, generated_tokens=1, ttft_s=None, generation_tps=None,
                                      latency_s=0.1, peak_memory_bytes=None),
            score=QueryScore(format=check, discrimination=check, typed=check, quality=check,
                             strict_pass=ok, partial=1.0 if ok else 0.0),
        ))
    return ResultsFile(
        created="2026-01-01T00:00:00+00:00", suite_hash=synthetic_suite().sha256, suite_path="s",
        config_hash="c", data_hash="d",
        model=ModelIdentity(role=role, name="tiny", path=path, family="qwen2.5", form="quantized"),
        settings=Settings(max_tokens=8, temperature=0.0, batch_size=4, compact_prompt=True, exec_timeout_s=30,
                          system_prompt_sha256="x", system_prompt_tokens=10),
        wall_s=1.0, queries=recs, aggregates=aggregate(recs),
    )


def test_decide_against_the_tolerance():
    assert parity.decide(5, [], 0, 8) == (False, "5-bit lost 0 queries against f16, within the tolerance of 0; "
                                                 "keeping 5-bit")
    fall, why = parity.decide(5, ["a", "b"], 1, 8)
    assert fall and why == ("5-bit lost 2 queries the f16 model passed (a, b), more than the tolerance of 1; "
                            "falling back to 8-bit")


def test_a_lossy_quantization_falls_back_and_test_candidate_reads_the_decision(
        tmp_path, tiny_models, suite_file, monkeypatch):
    cfg_file = tmp_path / "exp.toml"
    cfg_file.write_text(textwrap.dedent(f"""
        [candidate]
        name = "tiny"
        path = "{tiny_models['candidate']}"
        family = "qwen2.5"
        [baseline]
        name = "b"
        path = "{tiny_models['baseline']}"
        family = "qwen3"
        [data]
        suite = "{suite_file}"
        workspaces = "{Path(__file__).resolve().parents[2] / 'data' / 'workspaces'}"
        [quantize]
        bits = 4
        group_size = 32
        fallback_bits = 8
        parity_tolerance = 1
        [outputs]
        adapter = "out/adapter"
        fused = "out/fused"
        quantized = "out/q{{bits}}"
        results = "out/phase25_results.json"
        runs_dir = "runs"
    """))
    cfg = load_config(cfg_file)
    out = tmp_path / "out"
    build_adapter(tiny_models["candidate"], out / "adapter")
    shutil.copytree(tiny_models["candidate"], out / "fused")
    quantize_copy(out / "fused", out / "q4", 4)
    # f16 fails one query; 4-bit loses two more that f16 passed; 8-bit loses none
    failing = {"adapter": {"d_moe"}, "f16": {"d_moe"}, "q4": {"d_moe", "inv_tc", "ts_lint"}, "q8": {"d_moe"}}
    tested = []

    def fake_run(ctx, name, target, suite, suite_path):
        tested.append(name)
        return fake_results(name, target.load_path, failing[name])

    monkeypatch.setattr(parity, "run_target", fake_run)
    run = create_run(cfg, ["parity"])
    ctx = StageContext("parity", cfg, run, argparse.Namespace(), force=True)
    try:
        outcome = parity.run(ctx)
    finally:
        ctx.close()
    assert tested == ["adapter", "f16", "q4", "q8"]
    assert (out / "q8" / "config.json").is_file()  # made by the quantize stage's function
    assert json.loads((out / "q8" / "config.json").read_text())["quantization"]["bits"] == 8
    decision = json.loads((out / "phase25_parity.json").read_text())
    assert decision["chosen_bits"] == 8 and decision["chosen_path"] == str(out / "q8")
    assert decision["variants"]["q4"]["lost"] == ["inv_tc", "ts_lint"]
    assert decision["variants"]["q8"]["lost"] == []
    assert "more than the tolerance of 1; falling back to 8-bit" in decision["reason"]
    assert outcome.summary.chosen_bits == 8 and outcome.headline.startswith("8-bit")

    from core.evaluation.targets import candidate_target

    target, why = candidate_target(cfg)
    assert target.load_path == str(out / "q8") and target.identity.bits == 8
    assert why.startswith("parity chose 8-bit")
