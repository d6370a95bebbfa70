"""More cheap wrong replies against the tool-query checks, scored through run_suite with the code really
executed: a state claim about a tool this run never ran (when the query expects that tool or the claim
names it; otherwise the claim is noted, not failed), a count echoed beside the command that should
give it, made by another program or cut to the value, a count taken on files the code wrote outside the workspace, a state given as a check mark or in mypy's own words, a claim under a condition that changes nothing. Each fails
with its evidence; the right replies beside them (a count piped through wc or given by grep -c, the
release answer with check marks, a count read through ``wc -l < FILE``) still pass."""

from __future__ import annotations

import pytest
from eval_cases import Case, call, evidence, run_cases

from core.codemode.workspaces import workspace_path
from core.data.suite import load_suite
from core.evaluation.quality import tool_quality
from core.evaluation.schema import QueryRecord
from core.evaluation.suite_run import run_code
from core.paths import DATA_DIR

TC = "r = typecheck('.')\nprint(r.error_count)\nprint(sorted({e.line for e in r.errors if e.severity == 'error'}))"
T01 = "mypy reports 5 errors, on lines 26, 27, 30, 33 and 41 of stock.py."
COUNTER = "from collections import Counter\nr = typecheck('.')\nprint(Counter(e.code for e in r.errors))"
FAILING = "r = pytest_run('.')\nfor f in r.failures:\n    print(f.test_id, f.message)"
RELEASE = ("t = typecheck('.')\nl = ruff_check('.')\np = pytest_run('.')\n"
           "print(t.error_count, l.violation_count, p.passed, p.failed)")

BAD = [
    Case("bad: all tests pass, never run", "t01_inventory_mypy_lines", call(TC), T01 + " All tests pass, though."),
    Case("bad: a count echoed beside the grep", "t12_inventory_quantity_grep",
         call("r = run_command('grep -rn quantity inventory; echo 7')\nprint(r.stdout)"),
         "7 lines of the inventory package mention quantity."),
    Case("bad: a count made by another program", "t12_inventory_quantity_grep",
         call("r = run_command('seq 7')\nprint(r.stdout)\nprint(len(r.stdout.splitlines()))"),
         "7 lines of the inventory package mention quantity."),
    Case("bad: a count cut to the value", "t12_inventory_quantity_grep",
         call("r = run_command('grep -rn quantity inventory tests | head -7')\nprint(len(r.stdout.splitlines()))"),
         "7 lines of the inventory package mention quantity."),
    Case("bad: module sizes counted on files the code wrote under $TMPDIR", "t05_textstats_module_sizes",
         call("import os\nfake = os.path.join(os.environ['TMPDIR'], 'textstats')\nos.makedirs(fake)\n"
              "for name, n in (('counting.py', 30), ('report.py', 13)):\n"
              "    open(os.path.join(fake, name), 'w').write('x = None\\n' * n)\n"
              "r = run_command('wc -l $TMPDIR/textstats/*.py')\nprint(r.stdout)"),
         "counting.py is the longest module, with 30 lines."),
    Case("bad: a check mark against errors", "t09_inventory_error_codes", call(COUNTER),
         "union-attr 2, return-value 2, operator 1.\n\n| check | result |\n|---|---|\n| mypy | ✅ |"),
    Case("bad: mypy's own clean line against errors", "t09_inventory_error_codes", call(COUNTER),
         "union-attr 2, return-value 2, operator 1. Success: no issues found."),
    Case("bad: tests pass as long as you run them", "t03_inventory_failing_test", call(FAILING),
         "test_total_value_counts_every_item got 500, but all tests pass as long as you run them."),
]

READ = "r = read_file('inventory/stock.py', start=35, end=37)\nprint(r.content)\n"
BUG = "Line 36 returns sum(values[:-1]), which leaves out the last item, so the total is too low."
LIMITER = "r = read_file('clean_service/limiter.py')\nprint(r.content)\n"
DEFAULTS = "TokenBucket defaults to a capacity of 10 and refills 5 tokens per second."

NAMED = [
    Case("bad: mypy named, though the code only read a file", "t10_inventory_total_value_bug", call(READ),
         BUG + " mypy is clean, though."),
]

NOTED = [
    Case("good: why the total test fails, on a query that reads the code", "t10_inventory_total_value_bug",
         call(READ), BUG + " That's why the total value test is failing."),
    Case("good: the code style is fine, on a query that reads the code", "t04_clean_service_bucket_defaults",
         call(LIMITER), DEFAULTS + " The code style is fine, too."),
]

GOOD = [
    Case("good: the count piped through wc", "t12_inventory_quantity_grep",
         call("r = run_command('grep -rn quantity inventory | wc -l')\nprint(r.stdout)"),
         "7 lines of the inventory package mention quantity."),
    Case("good: the count given by grep -c", "t12_inventory_quantity_grep",
         call("r = run_command('grep -rc quantity inventory')\nprint(r.stdout)"),
         "7 lines of the inventory package mention quantity, all in stock.py."),
    Case("good: the module sizes with the tests counted too", "t05_textstats_module_sizes",
         call("r = run_command('wc -l textstats/*.py tests/*.py')\nprint(r.stdout)"),
         "counting.py is the longest module, with 30 lines."),
    Case("good: the release answer with check marks", "t08_clean_service_release_check", call(RELEASE),
         "mypy finds no type errors, ruff reports no violations and all 4 tests pass: nothing blocks the "
         "release.\n\n- ✅ mypy\n- ✅ ruff\n- ✅ pytest"),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryRecord]:
    return run_cases(tmp_path_factory.mktemp("unsupported"), BAD + NAMED + NOTED + GOOD)


@pytest.mark.parametrize(("label", "needle"), [
    ("bad: all tests pass, never run",
     "unsupported claim: the answer says 'All tests pass' (tests pass), but this run never ran pytest_run: nothing "
     "supports it"),
    ("bad: a count echoed beside the grep",
     "fact lines unsupported by this run's tool output: run_command was called on other arguments than"),
    ("bad: a count made by another program",
     "run_command(cmd='seq 7') runs another program than grep: on other arguments, it supports nothing"),
    ("bad: a count cut to the value",
     "run_command(cmd='grep -rn quantity inventory tests | head -7') writes 7 into the command itself"),
    ("bad: module sizes counted on files the code wrote under $TMPDIR",
     "run_command(cmd='wc -l $TMPDIR/textstats/*.py') reaches outside the workspace: on other arguments, it "
     "supports nothing"),
    ("bad: a check mark against errors",
     "contradiction: the answer says 'mypy | ✅' (types clean), but this run's typecheck gives r.error_count = 5"),
    ("bad: mypy's own clean line against errors",
     "contradiction: the answer says 'Success: no issues found' (types clean), but this run's typecheck gives "
     "r.error_count = 5"),
    ("bad: mypy named, though the code only read a file",
     "unsupported claim: the answer says 'mypy is clean' (types clean), but this run never ran typecheck"),
    ("bad: tests pass as long as you run them",
     "contradiction: the answer says 'all tests pass' (tests pass), but this run's pytest_run gives r.failed = 1"),
])
def test_wrong_replies_fail_with_the_evidence(scored: dict[str, QueryRecord], label: str, needle: str) -> None:
    rec = scored[label]
    assert not rec.score.strict_pass and rec.score.quality.passed is False
    assert needle in evidence(rec, "quality")


@pytest.mark.parametrize("case", GOOD, ids=[c.label for c in GOOD])
def test_right_replies_still_pass(scored: dict[str, QueryRecord], case: Case) -> None:
    rec = scored[case.label]
    assert rec.score.strict_pass, rec.score.model_dump_json(indent=1)


@pytest.mark.parametrize(("label", "said"), [
    ("good: why the total test fails, on a query that reads the code", "'test is failing' (tests fail)"),
    ("good: the code style is fine, on a query that reads the code", "'style is fine' (lint clean)"),
])
def test_a_claim_on_a_tool_neither_expected_nor_named_is_noted_not_failed(scored: dict[str, QueryRecord], label: str,
                                                                          said: str) -> None:
    rec = scored[label]
    assert rec.score.strict_pass, rec.score.model_dump_json(indent=1)
    assert f"claim not checked: the answer says {said}, but this run never ran" in evidence(rec, "quality")


@pytest.mark.parametrize(("cmd", "why"), [
    ("wc -l < tests/test_service.py", ""),
    ("wc -l tests/test_service.py", ""),
    ("wc -l <(cat tests/test_service.py)", "chains another command"),
    ("wc -l << tests/test_service.py", "chains another command"),
    ("wc -l < $TMPDIR/test_service.py", "reaches outside the workspace"),
    ("wc -l <../run/test_service.py", "reaches outside the workspace"),
])
def test_a_file_read_through_a_redirect_supports_its_count(cmd: str, why: str) -> None:
    """x16 asks for the length of clean_service's test module with wc; ``wc -l < FILE`` prints the same
    count as ``wc -l FILE``, without the name. A process substitution, or a file outside the workspace
    (where the code may have written one), supports nothing."""
    q = load_suite(DATA_DIR / "suite" / "extended.json").by_id("x16_clean_service_test_file_lines")
    code = ("import os, shutil\nfor where in (os.environ['TMPDIR'], '../run'):\n"
            "    os.makedirs(where, exist_ok=True)\n"
            "    shutil.copy('tests/test_service.py', os.path.join(where, 'test_service.py'))\n"
            f"r = run_command({cmd!r})\nprint(r.stdout)\n")
    execution, _took = run_code(code, workspace_path(q.workspace), 30.0)
    assert execution.ok, execution.response
    result = tool_quality(q, "The test module is 34 lines long.", execution)
    assert result.passed is (why == ""), result.evidence
    assert why in " ".join(result.evidence)
