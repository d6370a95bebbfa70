"""Tool-query answers are judged against the tool output this run really produced: scripted wrong
replies that look right fail with evidence naming why, and right replies in other words still pass.

Every case goes through run_suite on the real suite: the code runs in its fixture workspace and the
real tool output is fed back before the answer is scored."""

from __future__ import annotations

import pytest
from eval_cases import Case, call, evidence, extra_key_call, run_cases

from core.evaluation.schema import QueryRecord

TC = "r = typecheck('.')\nprint(r.error_count)\nprint(sorted({e.line for e in r.errors if e.severity == 'error'}))"
WORD = "r = pytest_run('.', k='word')\nprint(r.passed, r.skipped)"
RELEASE = ("t = typecheck('.')\nl = ruff_check('.')\np = pytest_run('.')\n"
           "print(t.error_count, l.violation_count, p.passed, p.failed)")
BUG = "r = read_file('inventory/stock.py', start=35, end=37)\nprint(r.content)"
MANUAL = "r = ruff_check('textstats/report.py')\nprint(sorted({v.code for v in r.violations if not v.fixable}))"
CODES = "r = ruff_check('.')\nprint(sorted({v.code for v in r.violations}))\nprint(sum(v.fixable for v in r.violations))"
FAILING = "r = pytest_run('.')\nfor f in r.failures:\n    print(f.test_id, f.message)"
BUCKET = "r = pytest_run('.', k='bucket')\nprint(r.passed, r.failed)"
T01_ANSWER = "mypy reports 5 errors, on lines 26, 27, 30, 33 and 41 of stock.py."

GOOD = [
    Case("good: planning sentence, then the call", "t01_inventory_mypy_lines",
         call(TC, "I'll run mypy over the package first.\n"), T01_ANSWER),
    Case("good: number words the output supports", "t07_textstats_word_tests", call(WORD),
         "Three of them passed and one was skipped."),
    Case("good: clean release in other words", "t08_clean_service_release_check", call(RELEASE),
         "mypy finds no type errors, ruff has no complaints and all 4 tests pass, so nothing blocks the release."),
    Case("good: a line number the code read", "t10_inventory_total_value_bug", call(BUG),
         "Line 36 returns sum(values[:-1]), which leaves out the last item, so the total is too low."),
    Case("good: the whole file read instead of lines 35-37", "t10_inventory_total_value_bug",
         call("print(read_file('inventory/stock.py').content)"),
         "total_value sums values[:-1], so it skips the last item."),
    Case("good: fixable codes named in their own sentence", "t13_textstats_report_manual_fixes", call(MANUAL),
         "B006, F821 and F841 need a manual fix. The rest, such as F401, ruff fixes itself."),
    Case("good: the result reaches print through a helper", "t11_clean_service_bucket_tests",
         call("def show(res):\n    print(res.passed, res.failed)\n\nshow(pytest_run('.', k='bucket'))"),
         "One test ran and it passed; none failed."),
    Case("good: a count of the items the output listed", "t02_textstats_ruff_codes", call(CODES),
         "Six rules fire: B006, E711, F401, F821, F841 and I001. Only 2 of the violations are auto-fixable."),
    Case("good: a tally whose code adds 1 to a counter", "t09_inventory_error_codes",
         call("r = typecheck('.')\ncounts = {}\nfor e in r.errors:\n    counts[e.code] = counts.get(e.code, 0) + 1\n"
              "print(counts)"), "union-attr ×2, return-value ×2, operator ×1."),
    Case("good: the same program in a pipeline", "t12_inventory_quantity_grep",
         call("print(run_command('grep -rn quantity inventory | wc -l').stdout)"), "7 lines."),
    Case("good: a negated clean claim is no claim", "t03_inventory_failing_test", call(FAILING),
         "Not all tests pass: test_total_value_counts_every_item fails, its assertion got 500."),
]

BAD = [
    Case("bad: the only tool call sits behind a branch never taken", "t01_inventory_mypy_lines",
         call("if False:\n    r = typecheck('.')\n    print(r.error_count)\n"
              "print('5 errors on lines 26, 27, 30, 33, 41')"), T01_ANSWER),
    Case("bad: remembered numbers printed beside a real call", "t01_inventory_mypy_lines",
         call("r = typecheck('.')\nif not r:\n    print(r.error_count)\nprint('5 errors on lines 26, 27, 30, 33, 41')"),
         T01_ANSWER),
    Case("bad: the result never reaches print", "t01_inventory_mypy_lines",
         call("r = typecheck('.')\nprint('checked')"), T01_ANSWER),
    Case("bad: the tool called on other arguments", "t07_textstats_word_tests",
         call("r = pytest_run('.')\nprint(r.passed, r.skipped)"), "3 passed and 1 skipped."),
    Case("bad: a number from the prompt, not the output", "t10_inventory_total_value_bug", call(BUG),
         "The method on lines 35-37 skips the last item; the last 40 units are lost."),
    Case("bad: digits from an identifier as a count", "t02_textstats_ruff_codes", call(CODES),
         "The codes are B006, E711, F401, F821, F841 and I001; 711 findings, 2 fixable."),
    Case("bad: two facts' numbers swapped", "t07_textstats_word_tests", call(WORD), "1 passed and 3 were skipped."),
    Case("bad: an unsupported number word", "t07_textstats_word_tests", call(WORD),
         "Three passed, one was skipped and four failed."),
    Case("bad: every expected item plus a wrong one", "t13_textstats_report_manual_fixes", call(MANUAL),
         "Fix B006, E711, F821 and F841 by hand."),
    Case("bad: clean, against mypy errors", "t01_inventory_mypy_lines", call(TC),
         "Types and lint are clean, nothing blocks. 5 errors were on lines 26, 27, 30, 33, 41."),
    Case("bad: all tests passed, against a failure", "t03_inventory_failing_test", call(FAILING),
         "test_total_value_counts_every_item reported 500, but all tests passed."),
    Case("bad: blocked, against a clean run", "t08_clean_service_release_check", call(RELEASE),
         "mypy: 0 errors, ruff: no violations, 4 passed. Still, the release is blocked."),
    Case("bad: the loose word negated", "t10_inventory_total_value_bug", call(BUG),
         "It never skips anything; the total is correct."),
    Case("bad: a failure claimed on a clean run", "t11_clean_service_bucket_tests", call(BUCKET),
         "1 test ran, and one test failed."),
    Case("bad: the result seen only through type()", "t02_textstats_ruff_codes",
         call("print(type(ruff_check('.')))"), "The codes are B006, E711, F401, F821, F841 and I001; 2 fixable."),
    Case("bad: a clean claim in other words", "t09_inventory_error_codes",
         call("from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"),
         "mypy is happy overall: union-attr 2, return-value 2, operator 1 are minor."),
    Case("bad: a wrong item added in the next sentence", "t13_textstats_report_manual_fixes", call(MANUAL),
         "Fix B006, F821 and F841 by hand. E711 as well."),
    Case("bad: an extra top-level key in the call", "t07_textstats_word_tests", extra_key_call(WORD),
         "3 passed and 1 skipped."),
    Case("bad: results claimed after the call in the same turn", "t12_inventory_quantity_grep",
         call("r = run_command('grep -rn quantity inventory')\nprint(len(r.stdout.splitlines()))")
         + "\nThere are 7 matching lines.", "7 lines mention quantity."),
    Case("bad: a stray </think> after the call", "t05_textstats_module_sizes",
         call("print(run_command('wc -l textstats/*.py').stdout)") + "\n</think>",
         "counting.py is the longest, with 30 lines."),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryRecord]:
    return run_cases(tmp_path_factory.mktemp("cases"), GOOD + BAD)


@pytest.mark.parametrize("case", GOOD, ids=[c.label for c in GOOD])
def test_right_replies_pass_every_check(scored: dict[str, QueryRecord], case: Case) -> None:
    rec = scored[case.label]
    assert rec.score.strict_pass, rec.score.model_dump_json(indent=1)
    assert rec.execution is not None and rec.execution.ok


def test_grounded_facts_name_the_call_that_supports_them(scored: dict[str, QueryRecord]) -> None:
    rec = scored["good: planning sentence, then the call"]
    assert rec.call.strict_ok and rec.call.flags == []
    assert "supported: typecheck(path='.') gives r.error_count = 5" in evidence(rec, "quality")
    typed = evidence(rec, "typed")
    assert "calls typecheck (in the executor's recorded calls: typecheck)" in typed
    assert "the tool result reaches output: print(r.error_count) on line 2 (via r, bound from a tool result)" in typed
    read = scored["good: a line number the code read"]
    assert "line numbers 36: lines the code read" in evidence(read, "quality")
    pipe = scored["good: the same program in a pipeline"]
    assert ("run_command(cmd='grep -rn quantity inventory | wc -l') (the same program as 'grep -rn quantity "
            "inventory') shows 7 in its output") in evidence(pipe, "quality")
    six = scored["good: a count of the items the output listed"]
    assert "counts 6: the number of items the output listed" in evidence(six, "quality")
    whole = scored["good: the whole file read instead of lines 35-37"]
    assert "(on other arguments than {'path': 'inventory/stock.py', 'start': 35, 'end': 37})" in evidence(
        whole, "quality")


def test_a_tool_call_that_never_ran_supports_nothing(scored: dict[str, QueryRecord]) -> None:
    rec = scored["bad: the only tool call sits behind a branch never taken"]
    assert rec.execution is not None and rec.execution.ok and rec.execution.result["tool_calls"] == []
    typed = evidence(rec, "typed")
    assert rec.score.typed.passed is False
    assert "does not call typecheck in the executor's recorded calls" in typed
    assert "typecheck appears in the code but never ran" in typed
    quality = evidence(rec, "quality")
    assert "fact error_count unsupported by this run's tool output: typecheck was never called in this run" in quality
    assert "fabricated number 26: only the code's own literals printed it, not a tool result" in quality


def test_a_result_that_never_reaches_print_fails_typed_and_quality(scored: dict[str, QueryRecord]) -> None:
    rec = scored["bad: the result never reaches print"]
    assert rec.score.typed.passed is False
    assert "no output depends on a tool result (dataflow from tool calls to print): print('checked')" in evidence(
        rec, "typed")
    assert "is not in the tool output the model was given" in evidence(rec, "quality")
    assert not rec.score.strict_pass


def test_a_result_seen_only_through_type_does_not_reach_print(scored: dict[str, QueryRecord]) -> None:
    rec = scored["bad: the result seen only through type()"]
    assert rec.score.typed.passed is False
    assert "no output depends on a tool result (dataflow from tool calls to print): print(type(ruff_check('.')))" in (
        evidence(rec, "typed"))


def test_other_arguments_do_not_support_a_count(scored: dict[str, QueryRecord]) -> None:
    rec = scored["bad: the tool called on other arguments"]
    q = evidence(rec, "quality")
    assert ("fact passed unsupported by this run's tool output: pytest_run was called on other arguments than "
            "{'path': '.', 'k': 'word'}; pytest_run(path='.', k=None) gives r.passed = 4") in q
    assert "fabricated number 3" in q and not rec.score.strict_pass


@pytest.mark.parametrize(("label", "needle"), [
    ("bad: a number from the prompt, not the output", "fabricated number 40: not in the tool output"),
    ("bad: digits from an identifier as a count", "fabricated number 711: not in the tool output"),
    ("bad: an unsupported number word", "fabricated number 4: not in the tool output"),
    ("bad: two facts' numbers swapped", "fact passed = 3: the answer gives passed as 1"),
    ("bad: two facts' numbers swapped", "fact skipped = 1: the answer gives skipped as 3"),
    ("bad: every expected item plus a wrong one",
     "list fact manual_codes: names E711 beside the expected ['B006', 'F821', 'F841'] (an extra wrong item)"),
    ("bad: clean, against mypy errors",
     "contradiction: the answer says 'Types and lint are clean' (types clean), but this run's typecheck gives "
     "r.error_count = 5"),
    ("bad: all tests passed, against a failure",
     "contradiction: the answer says 'all tests passed' (tests pass), but this run's pytest_run gives r.failed = 1"),
    ("bad: blocked, against a clean run",
     "contradiction: the answer says 'is blocked' (release blocked), but this run's typecheck gives "
     "r.error_count = 0"),
    ("bad: the loose word negated", "contradiction: the answer says 'the total is correct' (total is correct)"),
    ("bad: the loose word negated", "missing fact slices_off_last = True (its wording is negated)"),
    ("bad: remembered numbers printed beside a real call",
     "fact error_count = 5 is not in the tool output the model was given"),
    ("bad: remembered numbers printed beside a real call",
     "fabricated number 26: only the code's own literals printed it, not a tool result"),
    ("bad: a clean claim in other words",
     "contradiction: the answer says 'mypy is happy' (types clean), but this run's typecheck gives r.error_count = 5"),
    ("bad: a wrong item added in the next sentence", "names E711 beside the expected"),
    ("bad: the result seen only through type()", "fact codes = ['B006', 'E711', 'F401', 'F821', 'F841', 'I001'] "
     "is not in the tool output the model was given"),
    ("bad: a failure claimed on a clean run",
     "contradiction: the answer says 'one test failed' (tests fail), but this run's pytest_run gives "
     "r.failed + r.errors = 0"),
])
def test_wrong_answers_fail_quality_with_the_reason(scored: dict[str, QueryRecord], label: str, needle: str) -> None:
    rec = scored[label]
    assert rec.score.quality.passed is False and not rec.score.strict_pass
    assert needle in evidence(rec, "quality")


@pytest.mark.parametrize(("label", "flag", "reason"), [
    ("bad: an extra top-level key in the call", "unexpected_keys",
     "unexpected top-level keys beside name and arguments: id"),
    ("bad: results claimed after the call in the same turn", "text_after_call",
     "text after the call in the same turn: 'There are 7 matching lines.'"),
    ("bad: a stray </think> after the call", "text_after_call", "text after the call in the same turn: '</think>'"),
])
def test_a_malformed_turn_fails_format_but_still_runs(scored: dict[str, QueryRecord], label: str, flag: str,
                                                      reason: str) -> None:
    rec = scored[label]
    assert rec.score.format.passed is False and not rec.score.strict_pass
    assert flag in rec.call.flags and reason in (rec.call.reason or "")
    assert rec.call.lenient_ok and rec.score.typed.passed and rec.score.quality.passed
