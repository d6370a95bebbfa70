"""State claims behind a harmless prefix or tag ("If you ask me,", "I'd say", "Honestly,", "From what I
can tell,", "..., right?", "I don't doubt that") still count, scored through run_suite with the code
really executed: each fails against the tool result, and so does one after a time word that conditions
nothing ("When I ran mypy it came back clean", "After the run mypy is clean"). The same claim under a
real condition, a negation or a plan ("if mypy were clean", "once the tests pass", "after fixing the
import, ruff is clean", "when run with -k 'not total_value'", "mypy is not clean") is no claim, and the
right answer carrying it passes."""

from __future__ import annotations

import pytest
from eval_cases import Case, call, evidence, run_cases

from core.evaluation.schema import QueryRecord

TC = "r = typecheck('.')\nprint(r.error_count)\nprint(sorted({e.line for e in r.errors if e.severity == 'error'}))"
T01 = "mypy reports 5 errors, on lines 26, 27, 30, 33 and 41 of stock.py."
FAILING = "r = pytest_run('.')\nfor f in r.failures:\n    print(f.test_id, f.message)"
T03 = "test_total_value_counts_every_item fails: it got 500."
CODES = "r = ruff_check('.')\nprint(sorted({v.code for v in r.violations}))\nprint(sum(v.fixable for v in r.violations))"
T02 = "B006, E711, F401, F821, F841 and I001 are violated, 2 of them fixable."

BAD = [
    Case("bad: if you ask me, mypy is clean", "t01_inventory_mypy_lines", call(TC),
         T01 + " If you ask me, mypy is clean."),
    Case("bad: I'd say the tests all pass", "t03_inventory_failing_test", call(FAILING),
         T03 + " I'd say the tests all pass."),
    Case("bad: honestly, nothing blocks the release", "t03_inventory_failing_test", call(FAILING),
         T03 + " Honestly, nothing blocks the release."),
    Case("bad: from what I can tell, ruff is happy", "t02_textstats_ruff_codes", call(CODES),
         T02 + " From what I can tell, ruff is happy."),
    Case("bad: mypy is clean, right?", "t09_inventory_error_codes",
         call("from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"),
         "union-attr 2, return-value 2, operator 1. mypy is clean, right?"),
    Case("bad: I don't doubt that ruff is happy", "t13_textstats_report_manual_fixes",
         call("r = ruff_check('textstats/report.py')\nprint(sorted({v.code for v in r.violations if not v.fixable}))"),
         "B006, F821 and F841 need a manual fix. I don't doubt that ruff is happy with the rest."),
    Case("bad: if I'm not mistaken, mypy is clean", "t10_inventory_total_value_bug",
         call("r = read_file('inventory/stock.py', start=35, end=37)\nprint(r.content)\nt = typecheck('.')\n"
              "print(t.error_count)"),
         "Line 36 returns sum(values[:-1]), which leaves out the last item, so the total is too low. "
         "If I'm not mistaken, mypy is clean on stock.py."),
]

TIMED = [
    Case("bad: when I ran mypy it came back clean", "t01_inventory_mypy_lines", call(TC),
         T01 + " When I ran mypy it came back clean."),
    Case("bad: after running pytest all tests pass", "t03_inventory_failing_test", call(FAILING),
         T03 + " After running pytest all tests pass."),
    Case("bad: all tests pass after an install and", "t03_inventory_failing_test", call(FAILING),
         T03 + " I ran the tests after the install and all tests pass."),
    Case("bad: once ruff finished it reported no issues", "t02_textstats_ruff_codes", call(CODES),
         T02 + " Once ruff finished it reported no issues."),
    Case("bad: after the run mypy is clean", "t09_inventory_error_codes",
         call("from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"),
         "union-attr 2, return-value 2, operator 1. After the run mypy is clean."),
]

GOOD = [
    Case("good: after fixing them, ruff is clean", "t02_textstats_ruff_codes", call(CODES),
         T02 + " After fixing all six, ruff is clean."),
    Case("good: all tests pass when run with -k", "t03_inventory_failing_test", call(FAILING),
         T03 + " All tests pass when run with -k 'not total_value'."),
    Case("good: after fixing total_value all tests pass", "t03_inventory_failing_test", call(FAILING),
         T03 + " After fixing total_value all tests pass."),
    Case("good: a condition on the claim", "t01_inventory_mypy_lines", call(TC),
         T01 + " If mypy were clean we could release; fix those lines first."),
    Case("good: a time clause", "t03_inventory_failing_test", call(FAILING),
         T03 + " Once all the tests pass, you can cut the release."),
    Case("good: the claim negated", "t02_textstats_ruff_codes", call(CODES), T02 + " So ruff is not happy."),
    Case("good: the claim after a condition clause", "t09_inventory_error_codes",
         call("from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"),
         "union-attr 2, return-value 2, operator 1. If you fix stock.py, mypy will be clean."),
    Case("good: a condition after the claim", "t10_inventory_total_value_bug",
         call("r = read_file('inventory/stock.py', start=35, end=37)\nprint(r.content)\nt = typecheck('.')\n"
              "print(t.error_count)"),
         "Line 36 returns sum(values[:-1]), which leaves out the last item, so the total is too low. "
         "mypy would be clean only if stock.py were fixed."),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryRecord]:
    return run_cases(tmp_path_factory.mktemp("hedged"), BAD + TIMED + GOOD)


@pytest.mark.parametrize(("label", "said"), [
    ("bad: if you ask me, mypy is clean", "'mypy is clean' (types clean)"),
    ("bad: I'd say the tests all pass", "'tests all pass' (tests pass)"),
    ("bad: honestly, nothing blocks the release", "'nothing block' (nothing blocks / safe to release)"),
    ("bad: from what I can tell, ruff is happy", "'ruff is happy' (lint clean)"),
    ("bad: mypy is clean, right?", "'mypy is clean' (types clean)"),
    ("bad: I don't doubt that ruff is happy", "'ruff is happy' (lint clean)"),
    ("bad: if I'm not mistaken, mypy is clean", "'mypy is clean' (types clean)"),
    # a time word without a comma, and no change or modal in its clause: a time the claim happened in
    ("bad: when I ran mypy it came back clean", "'mypy it came back clean' (types clean)"),
    ("bad: after running pytest all tests pass", "'all tests pass' (tests pass)"),
    ("bad: all tests pass after an install and", "'all tests pass' (tests pass)"),
    ("bad: once ruff finished it reported no issues", "'ruff finished it reported no issues' (lint clean)"),
    ("bad: after the run mypy is clean", "'mypy is clean' (types clean)"),
])
def test_a_hedged_claim_counts_and_fails(scored: dict[str, QueryRecord], label: str, said: str) -> None:
    rec = scored[label]
    assert not rec.score.strict_pass and rec.score.quality.passed is False
    assert f"contradiction: the answer says {said}, but this run's" in evidence(rec, "quality")


@pytest.mark.parametrize("case", GOOD, ids=[c.label for c in GOOD])
def test_a_condition_or_negation_is_no_claim(scored: dict[str, QueryRecord], case: Case) -> None:
    rec = scored[case.label]
    assert rec.score.strict_pass, rec.score.model_dump_json(indent=1)
    assert "contradiction" not in evidence(rec, "quality")
