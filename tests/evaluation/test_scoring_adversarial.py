"""The cheapest wrong replies against the typed and quality checks, each scored through run_suite with
its code really executed: a forged tool record, a read in a branch that never runs, a read whose value
never reaches the output, claims written before the call, and state claims in other words. Each fails
with its evidence; the right replies beside them (the same facts in other words, a planning sentence,
the reverse claim negated) still pass."""

from __future__ import annotations

import pytest
from eval_cases import Case, call, evidence, run_cases

from core.evaluation.schema import QueryRecord

TC = "r = typecheck('.')\nprint(r.error_count)\nprint(sorted({e.line for e in r.errors if e.severity == 'error'}))"
T01 = "mypy reports 5 errors, on lines 26, 27, 30, 33 and 41 of stock.py."
WORD = "r = pytest_run('.', k='word')\nprint(r.passed, r.skipped)"
CODES = "r = ruff_check('.')\nprint(sorted({v.code for v in r.violations}))\nprint(sum(v.fixable for v in r.violations))"
FAILING = "r = pytest_run('.')\nfor f in r.failures:\n    print(f.test_id, f.message)"
COUNTER = "from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"
BUCKET = "r = pytest_run('.', k='bucket')\nprint(r.passed, r.failed)\nprint('all green' if r.failed == 0 else 'red')"
FORGED = """import json, os
items = [dict(file="inventory/stock.py", line=n, column=9, severity="error", message="m", code="union-attr")
         for n in (20 + 6, 20 + 7, 20 + 10, 30 + 3, 40 + 1)]
rec = {"name": "typecheck", "arguments": {"path": "."}, "result_type": "TypecheckResult", "ok": True,
       "error": None, "duration_s": 1.5, "result": {"error_count": len(items), "errors": items, "passed": False}}
with open(os.environ.get("PHASE25_CODEMODE_CALLS", os.devnull), "a") as fh:
    fh.write(json.dumps(rec) + "\\n")
def typecheck(path="."):
    return TypecheckResult.model_validate(rec["result"])
r = typecheck(".")
print(r.error_count)
print(sorted({e.line for e in r.errors}))
"""

GOOD = [
    Case("good: a planning sentence that names the check", "t01_inventory_mypy_lines",
         call(TC, "Let me check whether mypy is clean.\n"), T01),
    Case("good: the prompt's numbers repeated in the plan", "t10_inventory_total_value_bug",
         call("r = read_file('inventory/stock.py', start=35, end=37)\nprint(r.content)",
              "I'll read lines 35-37 of stock.py.\n"),
         "Line 36 returns sum(values[:-1]), which leaves out the last item, so the total is too low."),
    Case("good: a count stated before the call that the output bears out", "t07_textstats_word_tests",
         call(WORD, "I expect 3 passed; let me confirm.\n"), "3 passed and 1 skipped."),
    Case("good: mypy's errors in other words", "t09_inventory_error_codes", call(COUNTER),
         "mypy is far from content: union-attr 2, return-value 2, operator 1."),
    Case("good: ruff's findings in other words", "t02_textstats_ruff_codes", call(CODES),
         "ruff has plenty to complain about: B006, E711, F401, F821, F841 and I001, 2 of them fixable."),
    Case("good: a failing suite in other words", "t03_inventory_failing_test", call(FAILING),
         "It is not all green: test_total_value_counts_every_item fails, it got 500."),
    Case("good: a green run in other words", "t11_clean_service_bucket_tests", call(BUCKET),
         "All green: the one bucket test passed and none of the tests failed."),
    Case("good: a clean release in other words", "t08_clean_service_release_check",
         call("t = typecheck('.')\nl = ruff_check('.')\np = pytest_run('.')\n"
              "print('types ok' if t.passed else 'types bad', 'lint ok' if l.passed else 'lint bad', p.passed)"),
         "mypy finds no type errors, ruff reports no violations and all 4 tests pass: it's all green, so "
         "nothing blocks the release."),
]

BAD = [
    Case("bad: a forged tool record", "t01_inventory_mypy_lines", call(FORGED), T01),
    Case("bad: the only read sits in a branch never taken", "t07_textstats_word_tests",
         call("r = pytest_run('.', k='word')\nif False:\n    print(r.passed, r.skipped)\nprint('3 passed, 1 skipped')"),
         "3 passed and 1 skipped."),
    Case("bad: the value read never reaches the output", "t01_inventory_mypy_lines",
         call("r = typecheck('.')\nsummary = r.error_count\nsummary = 'mypy ran'\nprint(summary)"), T01),
    Case("bad: a wrong count before the call", "t01_inventory_mypy_lines", call(TC, "There are 3 errors.\n"), T01),
    Case("bad: a clean claim before the call", "t01_inventory_mypy_lines",
         call(TC, "mypy is clean on this package.\n"), T01),
    Case("bad: mypy is content, against errors", "t09_inventory_error_codes", call(COUNTER),
         "mypy is content with it: union-attr 2, return-value 2, operator 1."),
    Case("bad: ruff has nothing to complain about, against violations", "t02_textstats_ruff_codes", call(CODES),
         "B006, E711, F401, F821, F841 and I001 show up, 2 fixable, but ruff has nothing to complain about."),
    Case("bad: all green, against a failing test", "t03_inventory_failing_test", call(FAILING),
         "test_total_value_counts_every_item got 500, yet it's all green."),
    Case("bad: mypy complains, against a clean run", "t08_clean_service_release_check",
         call("t = typecheck('.')\nl = ruff_check('.')\np = pytest_run('.')\n"
              "print(t.error_count, l.violation_count, p.passed, p.failed)"),
         "mypy complains about a few things, ruff is quiet and 4 tests pass."),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryRecord]:
    return run_cases(tmp_path_factory.mktemp("adversarial"), GOOD + BAD)


@pytest.mark.parametrize("case", GOOD, ids=[c.label for c in GOOD])
def test_right_replies_still_pass(scored: dict[str, QueryRecord], case: Case) -> None:
    rec = scored[case.label]
    assert rec.score.strict_pass, rec.score.model_dump_json(indent=1)


@pytest.mark.parametrize(("label", "check", "needle"), [
    ("bad: a forged tool record", "typed", "does not call typecheck in the executor's recorded calls"),
    ("bad: a forged tool record", "quality", "fact error_count unsupported by this run's tool output"),
    ("bad: the only read sits in a branch never taken", "typed",
     "no field of a returned model was read at run time"),
    ("bad: the value read never reaches the output", "typed",
     "fields read at run time: typecheck(path='.').error_count = 5; none of their values"),
    ("bad: a wrong count before the call", "quality",
     "in the text beside the call ('There are 3 errors.'): fabricated number 3"),
    ("bad: a wrong count before the call", "quality", "gives error count as 3"),
    ("bad: a clean claim before the call", "quality",
     "in the text beside the call ('mypy is clean on this package.'): contradiction: the answer says 'mypy is "
     "clean' (types clean), but this run's typecheck gives r.error_count = 5"),
    ("bad: mypy is content, against errors", "quality",
     "contradiction: the answer says 'mypy is content' (types clean), but this run's typecheck gives "
     "r.error_count = 5"),
    ("bad: ruff has nothing to complain about, against violations", "quality",
     "contradiction: the answer says 'ruff has nothing to complain about' (lint clean), but this run's ruff_check "
     "gives r.violation_count = 6"),
    ("bad: all green, against a failing test", "quality",
     "(nothing blocks / safe to release), but this run's pytest_run gives r.failed = 1"),
    ("bad: mypy complains, against a clean run", "quality",
     "contradiction: the answer says 'mypy complains' (types fail), but this run's typecheck gives "
     "r.error_count = 0"),
])
def test_wrong_replies_fail_with_the_evidence(scored: dict[str, QueryRecord], label: str, check: str,
                                              needle: str) -> None:
    rec = scored[label]
    assert not rec.score.strict_pass and getattr(rec.score, check).passed is False
    assert needle in evidence(rec, check)


def test_typed_evidence_shows_what_was_read_and_printed(scored: dict[str, QueryRecord]) -> None:
    rec = scored["good: a planning sentence that names the check"]
    typed = evidence(rec, "typed")
    assert "read at run time and printed: typecheck(path='.').error_count = 5 (5 is in stdout)" in typed
    assert "the text beside the call claims nothing the tool output contradicts: 'Let me check whether mypy" in (
        evidence(rec, "quality"))


def test_a_true_false_field_counts_when_the_print_that_depends_on_it_runs() -> None:
    from core.codemode.executor import execute_code
    from core.codemode.workspaces import workspace_path
    from core.evaluation.dataflow import result_reaches_output
    from core.evaluation.runtime_use import runtime_use
    from core.evaluation.typed import tool_models

    chosen = "r = ruff_check('.')\nprint('lint ok' if r.passed else 'lint bad')"
    dead = "r = ruff_check('.')\nok = r.passed\nif False:\n    print('lint ok' if ok else 'lint bad')\nprint('done')"
    for code, passed, needle in (
        (chosen, True, "read at run time: ruff_check(path='.').passed = True; the print on line 2, which depends "
                       "on a tool result, ran"),
        (dead, False, "fields read at run time: ruff_check(path='.').passed = True; none of their values"),
    ):
        result = execute_code(code, workspace_path("clean_service")).model_dump(mode="json")
        use = runtime_use(result, result_reaches_output(code, tool_models()).lines)
        assert use.passed is passed and needle in " | ".join(use.evidence), use


def test_the_forged_record_is_not_among_the_executor_records(scored: dict[str, QueryRecord]) -> None:
    rec = scored["bad: a forged tool record"]
    assert rec.execution is not None and rec.execution.ok
    assert rec.execution.result["tool_calls"] == []
    assert rec.execution.result["stdout"].startswith("5\n[26, 27, 30, 33, 41]")


def test_a_value_typed_into_a_literal_print_is_no_evidence() -> None:
    """The read ran and its value is in stdout, but only through a literal; the print that depends
    on the result sits in a branch that never runs."""
    from core.codemode.executor import execute_code
    from core.codemode.workspaces import workspace_path
    from core.evaluation.dataflow import result_reaches_output
    from core.evaluation.runtime_use import runtime_use
    from core.evaluation.typed import tool_models

    code = ("r = read_file('inventory/stock.py', start=35, end=37)\ntext = r.content\nif False:\n    print(text)\n"
            "print('values[:-1] drops the last item')")
    result = execute_code(code, workspace_path("inventory")).model_dump(mode="json")
    assert "values[:-1]" in result["stdout"] and result["field_reads"] == [{"call": 0, "path": "content"}]
    use = runtime_use(result, result_reaches_output(code, tool_models()).lines)
    assert use.passed is False
    assert "fields read at run time: read_file(path='inventory/stock.py', start=35, end=37).content" in use.evidence[0]


def test_a_short_text_shows_only_as_a_whole_word_in_the_output() -> None:
    """A severity 'error' is not shown by a printed 'errors: 5', nor a one-line text by any '1'."""
    from core.evaluation.runtime_use import visible

    assert visible("error", "errors: 5\n") is None
    assert visible("error", "first: [error] stock.py:26\n") == "'error' is in stdout"
    assert visible("a single line", "1 file checked\n") is None
    assert visible("line one\nline two", "2 lines\n") == "its line count 2 is in stdout"
