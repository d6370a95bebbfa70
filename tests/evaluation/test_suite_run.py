"""The two rounds of a suite run with scripted replies: the call is executed in its workspace, the
real result goes back as the tool turn, the answer is scored; then rescoring the saved file."""

from __future__ import annotations

import json

import pytest
from eval_queries import synthetic_suite
from eval_scripted import ScriptedEngine, config

from core.cli import main as cli_main
from core.evaluation.rescore import rescore_file
from core.evaluation.schema import ModelIdentity, load_results
from core.evaluation.suite_run import ModelToTest, run_suite


@pytest.mark.parametrize("compact", [True, False])
def test_the_prompt_is_rendered_as_the_training_rows_were(tmp_path, scripted, suite_file, compact):
    """Compact (demo) rows carry no tools JSON block, the prompt lists the tools; full rows carry it."""
    from core.codemode.prompt import execute_code_tool_schema, system_prompt

    ident = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused")
    run_suite(config(tmp_path, compact), synthetic_suite(), ModelToTest(ident, "c"), suite_path=suite_file)
    assert ScriptedEngine.made == [(system_prompt(compact=compact), None if compact else [execute_code_tool_schema()])]


def test_the_tool_result_goes_back_and_the_final_answer_is_scored(tmp_path, scripted, suite_file):
    cfg = config(tmp_path)
    suite = synthetic_suite()
    seen = []
    ident = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused")
    res = run_suite(cfg, suite, ModelToTest(ident, "c"), suite_path=suite_file,
                    on_query=lambda rec, n: seen.append((rec.query_id, n)))
    assert [n for _, n in seen] == list(range(1, 21))
    by = res.by_id()

    tc = by["inv_tc"]
    assert len(tc.rounds) == 2 and tc.execution is not None and tc.execution.workspace == "inventory"
    assert json.loads(tc.execution.response) == {"ok": True, "stdout": "5\n"}
    assert tc.score.strict_pass and tc.final_answer == "mypy reports 5 type errors."
    # round 2 saw the call and the real tool result as the tool turn
    second = next(m for m in ScriptedEngine.asked if len(m) == 3 and m[0]["content"] == tc.prompt)
    assert second[1]["tool_calls"][0]["function"]["arguments"] == {"code": "r = typecheck('.')\nprint(r.error_count)"}
    assert second[2] == {"role": "tool", "content": tc.execution.response}

    lint = by["ts_lint"]  # double-encoded: executed from the lenient parse, format fails
    assert lint.score.checks() == {"format": False, "discrimination": True, "typed": True, "quality": True}
    assert "F401" in lint.execution.response

    tests = by["inv_tests"]  # subscripting a model: TypeError at run time, typed fails
    assert tests.score.typed.passed is False and "TypeError" in tests.execution.response

    assert by["d_attr"].score.strict_pass and len(by["d_attr"].rounds) == 1
    assert by["inv_lint"].execution is None and not by["inv_lint"].score.discrimination.passed

    a = res.aggregates
    assert (a.strict_passes, a.n) == (2, 20) and a.accuracy == pytest.approx(0.1)
    assert a.confusion.tool_called == 3 and a.confusion.direct_answered == 7
    assert a.tool_recall == pytest.approx(3 / 13) and a.direct_specificity == 1.0
    assert tc.measurements.prompt_tokens == 60 + 70 and tc.measurements.exec_s > 0
    assert tc.measurements.peak_memory_bytes == 1001


def test_rescore_reproduces_the_scores_and_follows_a_changed_suite(tmp_path, scripted, suite_file, capsys):
    cfg = config(tmp_path)
    suite = synthetic_suite()
    ident = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused")
    res = run_suite(cfg, suite, ModelToTest(ident, "c"), suite_path=suite_file)
    saved = tmp_path / "results.json"
    saved.write_text(res.model_dump_json(indent=2))

    data, parts, changes, notes = rescore_file(saved)
    assert changes == [] and notes == []
    assert [q.score for q in parts[0].queries] == [q.score for q in res.queries]

    # a stricter suite: the inv_tc fact now needs the word "mypy errors"
    doc = json.loads(suite_file.read_text())
    for q in doc["queries"]:
        if q["id"] == "inv_tc":
            q["facts"][0]["patterns"] = [r"5 mypy errors"]
    stricter = tmp_path / "stricter.json"
    stricter.write_text(json.dumps(doc))
    assert cli_main(["rescore", str(saved), "--suite", str(stricter)]) == 0
    out = capsys.readouterr().out
    assert "candidate inv_tc: pass -> fail" in out and "queries are matched by id" in out
    rescored = load_results(tmp_path / "results.rescored.json")
    assert not rescored.by_id()["inv_tc"].score.strict_pass
    assert rescored.aggregates.strict_passes == 1
    assert "missing fact error_count = 5" in " ".join(rescored.by_id()["inv_tc"].score.quality.evidence)


def test_rescore_names_a_broken_file(tmp_path, capsys):
    bad = tmp_path / "r.json"
    bad.write_text("{\n  \"schema_version\": 1,\n  nope\n}")
    assert cli_main(["rescore", str(bad)]) == 2
    assert "r.json:3: invalid JSON" in capsys.readouterr().out
