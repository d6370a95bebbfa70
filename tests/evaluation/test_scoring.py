"""Hand-written model outputs through every check: the score and the evidence a user would read."""

from __future__ import annotations

import pytest
from eval_queries import DIRECT_QUERY, TC_QUERY, WORKSPACES, bare, double_encoded, tagged

from core.evaluation.scoring import final_answer_of, parse_record, score_query
from core.evaluation.suite_run import run_code

GOOD_CODE = "r = typecheck('.')\nprint(r.error_count)"


def score(query, first: str, final: str | None = None, run: bool = True):
    call = parse_record(first)
    execution = None
    if run and call.code is not None and call.lenient_ok and query.workspace:
        execution, _ = run_code(call.code, WORKSPACES / query.workspace, 30)
    texts = [first] + ([final] if final is not None else [])
    answer = final_answer_of(query, texts, call, execution)
    return score_query(query, call, execution, answer), execution


def joined(check) -> str:
    return " | ".join(check.evidence)


def test_a_correct_call_passes_every_check():
    s, execution = score(TC_QUERY, tagged(GOOD_CODE), "mypy reports 5 type errors.")
    assert execution is not None and execution.response.startswith('{"ok": true')
    assert s.checks() == {"format": True, "discrimination": True, "typed": True, "quality": True}
    assert s.strict_pass and s.partial == 1.0 and s.lenient_format is True
    assert "reads r.error_count: field of TypecheckResult" in joined(s.typed)
    assert "states fact error_count = 5" in joined(s.quality)


def test_a_double_encoded_call_fails_format_but_parses_leniently():
    s, execution = score(TC_QUERY, double_encoded(GOOD_CODE), "There are 5 type errors.")
    assert s.format.passed is False and s.lenient_format is True
    assert "double-encoded" in joined(s.format)
    assert "lenient parse passes" in joined(s.format)
    # The code was recovered and ran, so the other checks still judge it.
    assert s.discrimination.passed and s.typed.passed and s.quality.passed
    assert not s.strict_pass and s.partial == pytest.approx(3 / 4)


def test_bare_json_is_a_call_but_not_a_strict_one():
    s, _ = score(TC_QUERY, "Let me check.\n" + bare(GOOD_CODE), "5 type errors.")
    assert s.format.passed is False
    assert "not inside <tool_call> tags" in joined(s.format)
    assert s.discrimination.passed is True and s.lenient_format is True


def test_an_invented_result_field_fails_typed_with_the_field_named():
    code = "r = typecheck('.')\nfor e in r.error_list:\n    print(e.msg)"
    s, execution = score(TC_QUERY, tagged(code), "There are 5 errors.")
    assert s.typed.passed is False
    ev = joined(s.typed)
    assert "reads r.error_list: not a field of TypecheckResult" in ev
    assert "execution raised AttributeError" in ev
    assert execution is not None and not execution.ok
    assert s.format.passed is True


def test_an_invented_field_on_a_list_element_is_caught_statically():
    code = "r = typecheck('.')\nmsgs = [e.text for e in r.errors]\nprint(len(msgs))"
    s, _ = score(TC_QUERY, tagged(code), "5")
    assert "reads e.text: not a field of TypeErrorItem" in joined(s.typed)


def test_subscripting_a_model_fails_typed():
    code = "r = typecheck('.')\nprint(r['error_count'])"
    s, _ = score(TC_QUERY, tagged(code), "5 errors")
    ev = joined(s.typed)
    assert "subscripts r['error_count']: TypecheckResult is a Pydantic model, not a dict (use .error_count)" in ev
    assert "execution raised TypeError" in ev
    assert s.typed.passed is False


def test_the_wrong_tool_fails_typed():
    code = "r = ruff_check('.')\nprint(r.violation_count)"
    s, _ = score(TC_QUERY, tagged(code), "0 problems")
    assert s.typed.passed is False
    assert "does not call typecheck" in joined(s.typed)
    # and the answer states neither the fact nor anything the tool supports
    assert s.quality.passed is False and "missing fact error_count" in joined(s.quality)


def test_an_invented_tool_function_is_named():
    code = "r = lint_project('.')\nprint(r.count)"
    s, _ = score(TC_QUERY, tagged(code), "No idea.")
    ev = joined(s.typed)
    assert "calls lint_project(): not a tool or a defined function" in ev
    assert "execution raised NameError" in ev


def test_a_tool_call_on_a_direct_question_fails_discrimination():
    text = "Because of types.\n" + tagged("print(1)")
    s, _ = score(DIRECT_QUERY, text)
    assert s.discrimination.passed is False
    assert "direct question, a call to 'execute_code'" in joined(s.discrimination)
    assert s.format.passed is None and s.typed.passed is None
    assert not s.strict_pass


def test_no_call_on_a_tool_query_fails_format_discrimination_and_typed():
    s, _ = score(TC_QUERY, "I think there are about 3 type errors.")
    assert s.checks() == {"format": False, "discrimination": False, "typed": False, "quality": False}
    assert "no tool call found" in joined(s.format)
    assert "tool query, no call: should call" in joined(s.discrimination)
    assert "fabricated number 3" in joined(s.quality)
    assert s.partial == 0.0


def test_fabricated_numbers_fail_quality_even_with_the_fact_present():
    s, execution = score(TC_QUERY, tagged(GOOD_CODE), "mypy reports 5 type errors across 7 files, 2 of them fatal.")
    assert execution is not None
    ev = joined(s.quality)
    assert "states fact error_count = 5" in ev
    assert "fabricated number 7: not in the tool output" in ev and "fabricated number 2" in ev
    assert s.quality.passed is False and s.typed.passed is True


def test_numbers_from_the_tool_output_and_list_markers_are_not_fabricated():
    s, _ = score(TC_QUERY, tagged(GOOD_CODE), "Summary:\n1. mypy found 5 errors.\n2. Codes like F401 are lint.")
    assert s.quality.passed is True, joined(s.quality)


GOOD_DIRECT = ("Reading a result by attribute lets mypy type-check every access, so a typo in a field name "
               "is caught before the code runs; a dict key is just a string. Editors also offer completion.")
BAD_DIRECT = "Dicts are fine, honestly; use whichever you like."


def test_a_good_direct_answer_meets_the_rubric():
    s, _ = score(DIRECT_QUERY, GOOD_DIRECT)
    assert s.checks() == {"format": None, "discrimination": True, "typed": None, "quality": True}
    assert s.strict_pass and s.partial == 1.0
    assert "concepts 3/4 (threshold 2): matched static checking, typos caught, editor help" in joined(s.quality)


def test_a_bad_direct_answer_fails_the_rubric_with_reasons():
    s, _ = score(DIRECT_QUERY, BAD_DIRECT)
    ev = joined(s.quality)
    assert s.quality.passed is False and not s.strict_pass
    assert "concepts 0/4" in ev and "required pattern /attribute/ not found" in ev
    assert s.partial == pytest.approx(1 / 2)


def test_a_forbidden_pattern_fails_an_otherwise_good_answer():
    s, _ = score(DIRECT_QUERY, GOOD_DIRECT + " <tool_call> maybe")
    assert s.quality.passed is False
    assert "forbidden pattern /<tool_call>/ found" in joined(s.quality)


def test_think_blocks_are_stripped_before_scoring():
    s, _ = score(DIRECT_QUERY, "<think>\nI should not call a tool; 42 is nice.\n</think>\n\n" + GOOD_DIRECT)
    assert s.strict_pass
