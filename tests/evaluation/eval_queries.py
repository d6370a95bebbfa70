"""Hand-made suite queries and helpers for the evaluation tests (independent of data/suite)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.data.suite import ConceptGroup, ExpectedFact, FactSource, Rubric, Suite, SuiteQuery
from core.paths import DATA_DIR

WORKSPACES = DATA_DIR / "workspaces"

TC_QUERY = SuiteQuery(
    id="tc_count",
    category="tool",
    topic="typecheck",
    prompt="How many type errors does mypy report in this project?",
    expected_tools=["typecheck"],
    workspace="inventory",
    facts=[ExpectedFact(name="error_count", value=5, patterns=[r"\b5\b", r"\bfive\b"],
                        source=FactSource(tool="typecheck", expr="r.error_count"))],
)

DIRECT_QUERY = SuiteQuery(
    id="why_typed",
    category="direct",
    topic="concepts",
    prompt="Why is reading tool results by attribute safer than subscripting a dict?",
    rubric=Rubric(
        groups=[
            ConceptGroup(name="static checking", any_of=[r"type[- ]?check", r"mypy", r"static"]),
            ConceptGroup(name="typos caught", any_of=[r"typo", r"misspel", r"wrong (field|key|name)"]),
            ConceptGroup(name="editor help", any_of=[r"autocomplet", r"completion", r"\bIDE\b"]),
            ConceptGroup(name="schema", any_of=[r"schema", r"pydantic", r"model"]),
        ],
        pass_threshold=2,
        required=[r"attribute"],
        forbidden=[r"<tool_call>"],
    ),
)


def tagged(code: str) -> str:
    return "<tool_call>\n" + json.dumps({"name": "execute_code", "arguments": {"code": code}}) + "\n</tool_call>"


def double_encoded(code: str) -> str:
    args = json.dumps({"code": code})
    return "<tool_call>\n" + json.dumps({"name": "execute_code", "arguments": args}) + "\n</tool_call>"


def bare(code: str) -> str:
    return json.dumps({"name": "execute_code", "arguments": {"code": code}})


def _fact(tool: str, expr: str, value: Any, *patterns: str) -> ExpectedFact:
    return ExpectedFact(name=expr.replace("r.", ""), value=value, patterns=list(patterns),
                        source=FactSource(tool=tool, expr=expr))  # type: ignore[arg-type]


def synthetic_suite() -> Suite:
    """A valid 13 + 7 suite over the fixture workspaces (facts checked against the real tools)."""
    tool = [
        ("inv_tc", "How many type errors does mypy find in this project?", ["typecheck"], "inventory",
         [_fact("typecheck", "r.error_count", 5, r"\b5\b")]),
        ("inv_lint", "Does ruff report any lint violations here?", ["ruff_check"], "inventory",
         [_fact("ruff_check", "r.violation_count", 0, r"\b(0|no|zero|none)\b")]),
        ("inv_tests", "How many tests fail in this project?", ["pytest_run"], "inventory",
         [_fact("pytest_run", "r.failed", 1, r"\b1\b|\bone\b")]),
        ("ts_tc", "How many mypy errors are in textstats?", ["typecheck"], "textstats",
         [_fact("typecheck", "r.error_count", 1, r"\b1\b|\bone\b")]),
        ("ts_lint", "How many ruff violations are in textstats?", ["ruff_check"], "textstats",
         [_fact("ruff_check", "r.violation_count", 6, r"\b6\b|\bsix\b")]),
        ("ts_tests", "How many tests pass in textstats?", ["pytest_run"], "textstats",
         [_fact("pytest_run", "r.passed", 4, r"\b4\b|\bfour\b")]),
        ("cs_tc", "Is clean_service free of type errors?", ["typecheck"], "clean_service",
         [_fact("typecheck", "r.passed", True, r"\b(yes|no type errors|0|clean|passes)\b")]),
        ("cs_lint", "Is clean_service lint-clean?", ["ruff_check"], "clean_service",
         [_fact("ruff_check", "r.passed", True, r"\b(yes|clean|0|no)\b")]),
        ("cs_tests", "How many tests pass in clean_service?", ["pytest_run"], "clean_service",
         [_fact("pytest_run", "r.passed", 4, r"\b4\b|\bfour\b")]),
        ("inv_read", "How many lines does inventory/stock.py have?", ["read_file"], "inventory",
         [_fact("read_file", "r.total_lines", 0, r"\d+")]),
        ("ts_read", "What does textstats/counting.py contain?", ["read_file"], "textstats",
         [_fact("read_file", "r.truncated", False, r"def ")]),
        ("cs_cmd", "Run `ls` in clean_service: what is there?", ["run_command"], "clean_service",
         [_fact("run_command", "r.exit_code", 0, r"README")]),
        ("inv_both", "Type errors and lint violations in inventory?", ["typecheck", "ruff_check"], "inventory",
         [_fact("typecheck", "r.error_count", 5, r"\b5\b")]),
    ]
    direct = [
        ("d_attr", "Why read tool results by attribute rather than by key?"),
        ("d_mypy", "What is the difference between mypy and ruff?"),
        ("d_fixture", "What is a pytest fixture for?"),
        ("d_lora", "What does LoRA change in a model during fine-tuning?"),
        ("d_quant", "What does 5-bit quantization trade away for memory?"),
        ("d_moe", "Why is a mixture-of-experts model cheap per token?"),
        ("d_batch", "Why does batching queries speed up generation?"),
    ]
    queries = [SuiteQuery(id=i, category="tool", topic=t[0], prompt=p, expected_tools=t, workspace=w,  # type: ignore[arg-type]
                          facts=f) for i, p, t, w, f in tool]
    rubric = DIRECT_QUERY.rubric
    queries += [SuiteQuery(id=i, category="direct", topic="concepts", prompt=p, rubric=rubric) for i, p in direct]
    return Suite(queries=queries)


def write_suite(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(synthetic_suite().model_dump(mode="json"), indent=2))
    return path
