"""``phase25 rescore`` applies the current scorer to saved results and lists every query whose
verdict changed, with the reason; a run folder is re-scored from its recorded events."""

from __future__ import annotations

import json
from pathlib import Path

from eval_cases import SUITE_PATH, Case, call, run_cases

from core.cli import main as cli_main
from core.evaluation.schema import CheckResult, ModelIdentity, ResultsFile, Settings, load_results
from core.evaluation.scoring import aggregate

FIXTURES = Path(__file__).resolve().parents[1] / "tui" / "fixtures"
RELEASE = ("t = typecheck('.')\nl = ruff_check('.')\np = pytest_run('.')\n"
           "print(t.error_count, l.violation_count, p.passed, p.failed)")


def test_rescore_of_the_recorded_dashboard_run_reports_per_model(capsys) -> None:
    index = json.loads((FIXTURES / "index.json").read_text())
    run = FIXTURES / "runs" / index["full"]
    before = (run / "events.jsonl").read_bytes()
    assert cli_main(["rescore", str(run)]) == 0
    out = capsys.readouterr().out
    assert f"run {run.name}: queries from events.jsonl" in out
    for model in ("adapter", "f16", "q5", "candidate", "baseline"):
        assert f" {model} " in out
    assert "0/20" in out and "checks changed" in out
    assert "no strict pass changed" in out  # the stand-ins' replies fail under either scorer
    assert (run / "events.jsonl").read_bytes() == before and not list(run.glob("*rescored*"))


def test_rescore_lists_a_changed_verdict_with_its_reason(tmp_path: Path, capsys) -> None:
    recs = run_cases(tmp_path, [
        Case("clean claim on a failing project", "t01_inventory_mypy_lines",
             call("r = typecheck('.')\nprint(r.error_count, sorted({e.line for e in r.errors}))"),
             "Types are clean; nothing blocks. 5 errors on lines 26, 27, 30, 33, 41."),
        Case("right release answer", "t08_clean_service_release_check", call(RELEASE),
             "No type errors, no lint violations, all 4 tests pass: nothing blocks the release."),
        Case("a call that never runs", "t07_textstats_word_tests",
             call("if False:\n    print(pytest_run('.', k='word'))\nprint('3 passed, 1 skipped')"),
             "3 passed and 1 skipped."),
    ])
    wrong, right, dead = (recs["clean claim on a failing project"], recs["right release answer"],
                          recs["a call that never runs"])
    assert not wrong.score.strict_pass and right.score.strict_pass
    # The file as an earlier, laxer scorer saved it: the contradicted answer passed quality.
    lax = wrong.score.model_copy(update={
        "quality": CheckResult(passed=True, evidence=["states fact error_count = 5"]),
        "strict_pass": True, "partial": 1.0})
    passing = CheckResult(passed=True, evidence=["looked fine"])
    lax_dead = dead.score.model_copy(update={"typed": passing, "quality": passing, "strict_pass": True, "partial": 1.0})
    queries = [wrong.model_copy(update={"score": lax}), right, dead.model_copy(update={"score": lax_dead})]
    results = ResultsFile(
        created="2026-12-01T00:00:00Z", suite_hash="0" * 64, suite_path=str(SUITE_PATH), config_hash="c",
        data_hash="d", model=ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused"),
        settings=Settings(max_tokens=512, temperature=0.0, batch_size=4, compact_prompt=True, exec_timeout_s=30,
                          system_prompt_sha256="s", system_prompt_tokens=50),
        wall_s=1.0, queries=queries, aggregates=aggregate(queries))
    saved = tmp_path / "old.json"
    saved.write_text(results.model_dump_json(indent=2))

    assert cli_main(["rescore", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "2 strict passes changed:" in out
    assert "candidate t01_inventory_mypy_lines: pass -> fail (quality pass->fail: contradiction: the answer says" in out
    assert ("candidate t07_textstats_word_tests: pass -> fail (typed pass->fail: does not call pytest_run in the "
            "executor's recorded calls") in out
    assert "| quality pass->fail: fact passed unsupported by this run's tool output: pytest_run was never called" in out
    assert "t08_clean_service_release_check" not in out.split("changed:")[1].split("wrote")[0]
    rescored = load_results(tmp_path / "old.rescored.json")
    assert rescored.aggregates.strict_passes == 1
    assert rescored.by_id()["t08_clean_service_release_check"].score == right.score


def test_rescore_scores_every_sample_of_a_repeated_run(tmp_path: Path) -> None:
    from core.data.suite import load_suite
    from core.evaluation.rescore import rescore_results

    recs = run_cases(tmp_path, [
        Case("clean claim on a failing project", "t01_inventory_mypy_lines",
             call("r = typecheck('.')\nprint(r.error_count, sorted({e.line for e in r.errors}))"),
             "Types are clean; nothing blocks. 5 errors on lines 26, 27, 30, 33, 41."),
    ])
    wrong = recs["clean claim on a failing project"]
    lax = wrong.score.model_copy(update={
        "quality": CheckResult(passed=True, evidence=["states fact error_count = 5"]),
        "strict_pass": True, "partial": 1.0})
    first = wrong.model_copy(update={"score": lax})
    second = wrong.model_copy(update={"score": lax, "sample": 1})
    results = ResultsFile(
        created="2026-12-01T00:00:00Z", suite_hash="0" * 64, suite_path=str(SUITE_PATH), config_hash="c",
        data_hash="d", model=ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused"),
        settings=Settings(max_tokens=512, temperature=0.7, batch_size=4, compact_prompt=True, exec_timeout_s=30,
                          system_prompt_sha256="s", system_prompt_tokens=50, samples=2),
        wall_s=1.0, queries=[first], more_samples=[second], aggregates=aggregate([first]))
    out, changes, _notes = rescore_results(results, load_suite(SUITE_PATH))
    assert [c.query_id for c in changes] == ["t01_inventory_mypy_lines", "t01_inventory_mypy_lines (sample 2)"]
    assert not out.queries[0].score.strict_pass and not out.more_samples[0].score.strict_pass


def test_rescore_reproduces_run_time_evidence_and_reads_older_files(tmp_path: Path) -> None:
    from core.data.suite import load_suite
    from core.evaluation.scoring import rescore_record

    recs = run_cases(tmp_path, [
        Case("right", "t07_textstats_word_tests", call("r = pytest_run('.', k='word')\nprint(r.passed, r.skipped)"),
             "3 passed and 1 skipped."),
        Case("dead read", "t01_inventory_mypy_lines",
             call("r = typecheck('.')\nif False:\n    print(r.error_count)\nprint('5 errors')"), "5 errors."),
        Case("claim before the call", "t11_clean_service_bucket_tests",
             call("r = pytest_run('.', k='bucket')\nprint(r.passed, r.failed)", "One test fails.\n"),
             "1 passed, 0 failed."),
    ])
    by_id = {q.id: q for q in load_suite(SUITE_PATH).queries}
    for rec in recs.values():  # the same evidence from the saved file, check by check
        assert rescore_record(by_id[rec.query_id], rec).score == rec.score
    assert recs["right"].score.strict_pass and not recs["dead read"].score.typed.passed
    assert "in the text beside the call ('One test fails.')" in " ".join(recs["claim before the call"].score.quality.evidence)

    # A results file from the executor that recorded calls inside the sandbox and traced nothing.
    right = recs["right"]
    assert right.execution is not None
    old_result = {k: v for k, v in right.execution.result.items() if k not in ("field_reads", "lines_run")}
    old_result["tool_calls"] = [{k: v for k, v in c.items() if k not in ("recorded_by", "delivered")}
                                for c in old_result["tool_calls"]]
    old = right.model_copy(update={"execution": right.execution.model_copy(update={"result": old_result})})
    saved = tmp_path / "older.json"
    results = ResultsFile(
        created="2026-12-01T00:00:00Z", suite_hash="0" * 64, suite_path=str(SUITE_PATH), config_hash="c",
        data_hash="d", model=ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused"),
        settings=Settings(max_tokens=512, temperature=0.0, batch_size=4, compact_prompt=True, exec_timeout_s=30,
                          system_prompt_sha256="s", system_prompt_tokens=50),
        wall_s=1.0, queries=[old], aggregates=aggregate([old]))
    saved.write_text(results.model_dump_json(indent=2))
    again = rescore_record(by_id[old.query_id], load_results(saved).queries[0])
    typed = " ".join(again.score.typed.evidence)
    assert again.score.typed.passed is False
    assert "1 tool call record(s) written inside the sandbox (an older executor), not counted" in typed
    assert "no run-time trace in this results file (an older executor)" in typed
