"""The typed-use analysis: which names hold tool results, and what reading them means."""

from __future__ import annotations

from core.evaluation.typed import analyze


def test_names_bound_through_loops_comprehensions_enumerate_and_params_are_tracked():
    code = (
        "r = pytest_run('.')\n"
        "for i, f in enumerate(r.failures):\n"
        "    print(i, f.test_id, f.reason)\n"
        "names = {v.file for v in ruff_check().violations}\n"
        "def show(res: TypecheckResult) -> None:\n"
        "    print(res.errors[0].severity, res.count)\n"
        "worst = max(typecheck().errors, key=lambda e: e.line)\n"
        "print(worst.col)\n"
    )
    a = analyze(code)
    assert a.tools_called == ["pytest_run", "ruff_check", "typecheck"]
    assert a.problems == [
        "reads f.reason: not a field of TestFailure (fields: test_id, message)",
        "reads res.count: not a field of TypecheckResult (fields: error_count, errors, passed)",
        "reads worst.col: not a field of TypeErrorItem (fields: file, line, column, severity, message, code)",
    ]
    assert "reads res.errors[0].severity: field of TypeErrorItem" in a.reads


def test_reading_an_item_field_on_the_list_itself_is_an_error():
    a = analyze("r = typecheck()\nprint(r.errors.message)\nprint(len(r.errors), r.errors.count(None))")
    assert a.problems == ["reads r.errors.message: r.errors is a list of TypeErrorItem, not a TypeErrorItem"]


def test_pydantic_methods_are_allowed_and_assignment_to_a_frozen_model_is_not():
    a = analyze("r = ruff_check()\nprint(r.model_dump_json())\nr.passed = True")
    assert a.problems == ["assigns r.passed: RuffResult is frozen (read-only)"]


def test_a_name_rebound_to_something_else_is_not_guessed():
    a = analyze("r = typecheck()\nprint(r.error_count)\nr = 'text'\nprint(r.upper())")
    assert a.problems == []


def test_getattr_with_a_literal_name_is_checked():
    a = analyze("r = read_file('README.md')\nprint(getattr(r, 'text'))")
    assert a.problems == ["reads getattr(r, 'text'): not a field of FileContent "
                          "(fields: path, content, total_lines, truncated)"]


def test_a_syntax_error_is_reported_with_its_line():
    a = analyze("r = typecheck(\nprint(r)")
    assert a.syntax_error is not None and a.syntax_error.startswith("line 1")


def test_defined_helpers_and_imports_are_not_invented_tools():
    a = analyze("import json\ndef helper(x):\n    return x\nprint(json.dumps(helper(1)), sorted([2, 1]))\nnope()")
    assert a.invented_calls == ["nope"]
