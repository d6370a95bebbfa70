"""test_candidate, test_baseline, parity, compare and report as pipeline stages (each its own
process), on tiny random-weight models: the files, the events and the measurements."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from eval_tiny_models import build_adapter, quantize_copy

from core import events as ev
from core.config import load_config
from core.evaluation.rescore import rescore_file
from core.evaluation.schema import load_results
from core.runner import Pipeline
from core.state import RunState

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def write_config(tmp: Path, models: dict[str, Path], suite: Path, **extra: str) -> Path:
    text = textwrap.dedent(f"""
        [experiment]
        name = "eval-e2e"
        demo = true

        [candidate]
        name = "tiny candidate"
        path = "{models['candidate']}"
        hf_id = "Qwen/Qwen2.5-Coder-7B-Instruct"
        family = "qwen2.5"

        [baseline]
        name = "tiny baseline"
        path = "{models['baseline']}"
        hf_id = "Qwen/Qwen3-30B-A3B"
        family = "qwen3"
        {extra.get('baseline', '')}

        [data]
        train = "train"
        suite = "{suite}"
        workspaces = "{Path(__file__).resolve().parents[2] / 'data' / 'workspaces'}"

        [quantize]
        bits = 5
        group_size = 32
        fallback_bits = 8

        [evaluation]
        max_tokens = 12
        batch_size = 10
        compact_prompt = true

        [outputs]
        adapter = "out/adapter"
        fused = "out/fused"
        quantized = "out/q{{bits}}"
        results = "out/phase25_results.json"
        report = "out/phase25_report.md"
        diary = "out/diary.md"
        memory = "out/MEMORY.md"
        runs_dir = "runs"
    """)
    path = tmp / "exp.toml"
    path.write_text(text)
    return path


def run_stages(cfg_path: Path, stages: list[str]) -> tuple[Pipeline, RunState, list]:
    cfg = load_config(cfg_path)
    pipe = Pipeline(cfg, stages)
    state = RunState()
    seen = []
    for e in pipe.events():
        state.apply(e)
        seen.append(e)
    return pipe, state, seen


def stderr_of(pipe: Pipeline, stage: str) -> str:
    p = pipe.run.stage_log(stage, "stderr")
    return p.read_text() if p.exists() else ""


def test_test_compare_report_write_every_deliverable(tmp_path, tiny_models, suite_file, capsys):
    cfg_path = write_config(tmp_path, tiny_models, suite_file)
    quantize_copy(tiny_models["candidate"], tmp_path / "out" / "q5", 5)
    stages = ["test_candidate", "test_baseline", "compare", "report"]
    pipe, state, seen = run_stages(cfg_path, stages)
    for s in stages:
        assert state.stages[s].status == "done", (s, stderr_of(pipe, s))

    # every query of both models reached the event stream, with its checks
    queries = [e for e in seen if isinstance(e, ev.QueryResult)]
    assert {(e.model, e.query_id) for e in queries} == {
        (m, q) for m in ("candidate", "baseline") for q in json_ids(suite_file)}
    assert all(set(e.checks) == {"format", "discrimination", "typed", "quality"} for e in queries)

    out = tmp_path / "out"
    cand = load_results(out / "phase25_results.candidate.json")
    base = load_results(out / "phase25_results.baseline.json")
    assert cand.model.form == "quantized" and cand.model.bits == 5 and cand.model.family == "qwen2.5"
    assert base.model.form == "fused" and base.model.family == "qwen3"
    for res in (cand, base):
        assert len(res.queries) == 20 and res.settings.system_prompt_tokens > 100
        for q in res.queries:
            m = q.measurements
            # a random-weight model may stop at once (<|im_end|> first): 0 tokens is a real reply
            assert m.prompt_tokens > res.settings.system_prompt_tokens and 0 <= m.generated_tokens <= 24
            assert m.latency_s > 0 and m.peak_memory_bytes and m.peak_memory_bytes > 0
        assert sum(q.measurements.generated_tokens for q in res.queries) > 0
        assert res.aggregates.generation_tps_mean and res.aggregates.generation_tps_mean > 0

    combined = json.loads((out / "phase25_results.json").read_text())
    assert combined["kind"] == "phase25.report" and combined["verdict"]["label"] in (
        "7B primary", "split by use case", "stay on 30B", "inconclusive")
    assert len(combined["config_hash"]) == 64 and len(combined["data_hash"]) == 64
    report = (out / "phase25_report.md").read_text()
    assert "tiny stand-ins" in report and "say nothing about" in report
    assert report.count("| candidate |") >= 1 and "## All 20 queries" in report
    for qid in json_ids(suite_file):
        assert f"| {qid} |" in report
    assert "Predicted against measured" in report and "7.62B" in report and "30.53B / 3.35B" in report
    assert combined["config_hash"] in report
    assert (out / "diary.md").read_text().count(f"<!-- phase25-run: {pipe.run.id} -->") == 1
    assert "Phase 25 decision" in (out / "MEMORY.md").read_text()

    # the combined file re-scores without the models: same scores, same verdict
    data, parts, changes, _ = rescore_file(out / "phase25_results.json")
    assert changes == [] and data["verdict"]["label"] == combined["verdict"]["label"]
    assert [p.model.role for p in parts] == ["candidate", "baseline"]

    # phase25 report prints the comparison headless
    from core.cli import main as cli_main

    capsys.readouterr()
    assert cli_main(["report", "--file", str(out / "phase25_results.json")]) == 0
    printed = capsys.readouterr().out
    assert combined["verdict"]["label"] in printed and "inv_tc" in printed and "tiny stand-in" in printed

    # the report stage run again for the same run keeps one diary entry
    pipe2 = Pipeline(load_config(cfg_path), ["report"], run=pipe.run, force={"report"})
    for _ in pipe2.events():
        pass
    assert (out / "diary.md").read_text().count(f"<!-- phase25-run: {pipe.run.id} -->") == 1


def json_ids(suite: Path) -> list[str]:
    return [q["id"] for q in json.loads(suite.read_text())["queries"]]


def test_parity_records_a_decision_that_test_candidate_follows(tmp_path, tiny_models, suite_file):
    cfg_path = write_config(tmp_path, tiny_models, suite_file)
    out = tmp_path / "out"
    build_adapter(tiny_models["candidate"], out / "adapter")
    import shutil

    shutil.copytree(tiny_models["candidate"], out / "fused")
    quantize_copy(out / "fused", out / "q5", 5)
    pipe, state, seen = run_stages(cfg_path, ["parity", "test_candidate"])
    assert state.stages["parity"].status == "done", stderr_of(pipe, "parity")
    assert state.stages["test_candidate"].status == "done", stderr_of(pipe, "test_candidate")
    models = {e.model for e in seen if isinstance(e, ev.QueryResult)}
    assert {"adapter", "f16", "q5", "candidate"} <= models
    decision = json.loads((out / "phase25_parity.json").read_text())
    assert decision["chosen_bits"] == 5 and "tolerance of 0" in decision["reason"]
    assert set(decision["variants"]) == {"adapter", "f16", "q5"}
    # base + a zero-initialised adapter is the fused model: the same replies
    a, f = (load_results(out / f"phase25_results.{n}.json") for n in ("adapter", "f16"))
    assert [q.rounds[0].text for q in a.queries] == [q.rounds[0].text for q in f.queries]
    logs = [e.text for e in seen if isinstance(e, ev.LogLine)]
    assert any("reusing parity's run of the same model" in t for t in logs)


def test_an_earlier_baseline_run_on_the_same_suite_is_reused(tmp_path, tiny_models, suite_file):
    cfg_path = write_config(tmp_path, tiny_models, suite_file)
    pipe, state, _ = run_stages(cfg_path, ["test_baseline"])
    assert state.stages["test_baseline"].status == "done", stderr_of(pipe, "test_baseline")
    earlier = tmp_path / "earlier.json"
    (tmp_path / "out" / "phase25_results.baseline.json").rename(earlier)
    cfg_path = write_config(tmp_path, tiny_models, suite_file, baseline=f'results = "{earlier}"')
    pipe, state, seen = run_stages(cfg_path, ["test_baseline"])
    assert state.stages["test_baseline"].status == "done"
    logs = [e.text for e in seen if isinstance(e, ev.LogLine)]
    assert any("baseline: reusing" in t and "same suite" in t for t in logs)
    assert len([e for e in seen if isinstance(e, ev.QueryResult)]) == 20
    assert load_results(tmp_path / "out" / "phase25_results.baseline.json").reused_from == str(earlier)


def test_a_missing_candidate_fails_with_a_clear_message(tmp_path, tiny_models, suite_file):
    cfg_path = write_config(tmp_path, tiny_models, suite_file)
    pipe, state, seen = run_stages(cfg_path, ["test_candidate"])
    st = state.stages["test_candidate"]
    assert st.status == "failed"
    failed = [e for e in seen if isinstance(e, ev.StageFailed)]
    assert failed and "the quantized candidate not found at" in failed[0].reason
    assert "run the quantize stage first" in failed[0].reason
    assert "Traceback" not in stderr_of(pipe, "test_candidate")


def test_a_broken_baseline_folder_fails_with_the_path_and_no_traceback(tmp_path, tiny_models, suite_file):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "qwen3_moe"}')
    cfg_path = write_config(tmp_path, {**tiny_models, "baseline": broken}, suite_file)
    pipe, state, seen = run_stages(cfg_path, ["test_baseline"])
    assert state.stages["test_baseline"].status == "failed"
    failed = [e for e in seen if isinstance(e, ev.StageFailed)]
    assert failed and f"baseline: could not load {broken}" in failed[0].reason
    assert "Traceback" not in stderr_of(pipe, "test_baseline")
