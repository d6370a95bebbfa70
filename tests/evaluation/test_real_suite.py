"""The scorers against the real suite (data/suite/suite.json): no false alarms on correct work."""

from __future__ import annotations

import pytest
from eval_queries import WORKSPACES, tagged

from core.data.suite import SuiteQuery, load_suite
from core.evaluation.scoring import check_typed, parse_record, score_query
from core.evaluation.suite_run import run_code
from core.paths import DATA_DIR

SUITE = load_suite(DATA_DIR / "suite" / "suite.json", WORKSPACES)


def reference_program(q: SuiteQuery) -> str:
    """A correct program for a tool query, from how its facts were derived."""
    lines = ["import re"]
    last = None
    for fact in sorted(q.facts, key=lambda f: (f.source.tool, repr(f.source.args))):
        args = ", ".join(f"{k}={v!r}" for k, v in fact.source.args.items())
        if (fact.source.tool, args) != last:
            lines.append(f"r = {fact.source.tool}({args})")
            last = (fact.source.tool, args)
        lines.append(f"print({fact.name!r}, repr({fact.source.expr}))")
    return "\n".join(lines)


@pytest.mark.parametrize("q", SUITE.tool_queries, ids=lambda q: q.id)
def test_a_correct_program_passes_typed_and_its_output_supports_the_facts(q):
    code = reference_program(q)
    call = parse_record(tagged(code))
    execution, _ = run_code(code, WORKSPACES / q.workspace, 60)
    typed = check_typed(q, call, execution)
    assert typed.passed, typed.evidence
    for fact in q.facts:  # the program prints each fact's recorded value
        assert f"{fact.name} {fact.value!r}" in execution.result["stdout"]


@pytest.mark.parametrize("q", SUITE.direct_queries, ids=lambda q: q.id)
def test_each_reference_answer_passes_its_rubric_and_a_call_fails(q):
    assert q.reference, f"{q.id} has no reference answer"
    s = score_query(q, parse_record(q.reference), None, q.reference)
    assert s.strict_pass, s.quality.evidence
    called = score_query(q, parse_record(tagged("print(1)")), None, "")
    assert called.discrimination.passed is False and not called.strict_pass
