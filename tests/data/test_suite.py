"""The 20-query suite: its facts are what the tools really report, its rubrics tell right from
wrong, and a bad suite file gets an error with file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.data.suite import SuiteError, load_suite
from core.data.suite_build import render, suite_data
from core.data.suite_match import fact_holds, rubric_passes
from core.paths import DATA_DIR

SUITE = DATA_DIR / "suite" / "suite.json"
WORKSPACES = DATA_DIR / "workspaces"


def test_suite_shape_and_hash(tmp_path: Path) -> None:
    suite = load_suite(SUITE, WORKSPACES)
    assert len(suite.tool_queries) == 13 and len(suite.direct_queries) == 7
    assert {t for q in suite.tool_queries for t in q.expected_tools} == {
        "typecheck", "ruff_check", "pytest_run", "read_file", "run_command"}
    for q in suite.direct_queries:
        assert 3 <= len(q.rubric.groups) <= 5
    # the hash is of the content, not the formatting
    reformatted = json.dumps(json.loads(SUITE.read_text()), indent=None)
    other = tmp_path / "x.json"
    other.write_text(reformatted)
    assert load_suite(other).sha256 == suite.sha256
    changed = json.loads(reformatted)
    changed["queries"][0]["prompt"] += " Please."
    other.write_text(json.dumps(changed))
    assert load_suite(other).sha256 != suite.sha256


def test_facts_are_rederived_by_running_the_tools() -> None:
    """Every tool query's facts come from real runs: run them again on the fixtures and the suite
    file is reproduced exactly (values and the patterns made from them)."""
    fresh = suite_data(WORKSPACES)
    assert render(fresh) == SUITE.read_text(encoding="utf-8")
    values = {(q["id"], f["name"]): f["value"] for q in fresh["queries"] if q["category"] == "tool"
              for f in q["facts"]}
    assert values[("t01_inventory_mypy_lines", "error_count")] > 0
    assert values[("t08_clean_service_release_check", "mypy_clean")] is True


def test_tool_facts_accept_right_answers_and_reject_wrong_ones() -> None:
    suite = load_suite(SUITE)
    t01 = suite.by_id("t01_inventory_mypy_lines")
    count = next(f for f in t01.facts if f.name == "error_count")
    lines = next(f for f in t01.facts if f.name == "lines")
    right = f"mypy reports {count.value} errors, on lines " + ", ".join(map(str, lines.value)) + "."
    assert fact_holds(count, right) and fact_holds(lines, right)
    assert not fact_holds(count, f"mypy reports {count.value + 1} errors.")
    assert not fact_holds(lines, "on lines " + ", ".join(map(str, lines.value[:-1])))
    t13 = suite.by_id("t13_textstats_report_manual_fixes")
    codes = t13.facts[0]
    assert fact_holds(codes, "Manual: " + " ".join(codes.value))
    assert not fact_holds(codes, "Manual: " + " ".join(codes.value[1:]))


def test_direct_rubrics_pass_the_reference_and_fail_bad_answers() -> None:
    suite = load_suite(SUITE)
    call = '<tool_call>\n{"name": "execute_code", "arguments": {"code": "print(1)"}}\n</tool_call>'
    for q in suite.direct_queries:
        assert rubric_passes(q.rubric, q.reference), q.id
        assert not rubric_passes(q.rubric, q.reference + "\n" + call), q.id  # a tool call is wrong here
        assert not rubric_passes(q.rubric, "It depends on your use case."), q.id
    # each rubric is about its own question: another question's reference does not pass it
    refs = [q.reference for q in suite.direct_queries]
    for q in suite.direct_queries:
        others = [r for r in refs if r != q.reference]
        assert sum(rubric_passes(q.rubric, r) for r in others) == 0, q.id


def _bad(tmp_path: Path, edit) -> str:
    data = json.loads(SUITE.read_text())
    edit(data)
    p = tmp_path / "suite.json"
    p.write_text(json.dumps(data, indent=2))
    with pytest.raises(SuiteError) as exc:
        load_suite(p, WORKSPACES)
    return exc.value.render()


def test_bad_suite_files_name_the_file_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "suite.json"
    p.write_text('{\n  "queries": [\n    {"id": "x",}\n  ]\n}\n')
    with pytest.raises(SuiteError) as exc:
        load_suite(p)
    assert f"{p}:3: invalid JSON" in exc.value.render()

    out = _bad(tmp_path, lambda d: d["queries"][3].update(category="tools"))
    line = next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if '"tools"' in ln and "category" in ln)
    assert f"{p}:{line}: queries[3].category: Input should be 'tool' or 'direct'" in out

    out = _bad(tmp_path, lambda d: d["queries"].pop(0))
    line = next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if '"queries"' in ln)
    assert f"{p}:{line}: queries: the suite has 12 tool and 7 direct queries; it must have exactly 13 and 7" in out
    assert "(row)" not in out

    out = _bad(tmp_path, lambda d: d["queries"][15].update(promt="typo"))
    assert "queries[15].promt: unknown key" in out and f"{p}:" in out

    out = _bad(tmp_path, lambda d: d["queries"][2].update(workspace="nowhere"))
    assert "queries[2].workspace: no workspace 'nowhere'" in out

    out = _bad(tmp_path, lambda d: d["queries"][14]["rubric"].update(pass_threshold=9))
    assert "queries[14].rubric: pass_threshold 9 is more than the" in out

    out = _bad(tmp_path, lambda d: d["queries"][0]["facts"][0].update(patterns=["(unclosed"]))
    assert "queries[0].facts[0].patterns: not a valid regular expression" in out
    assert "Traceback" not in out
