"""Writing the suite files from real tool runs: data/suite/suite.json (the core: 13 tool queries, 7
direct) and data/suite/extended.json (52 tool and 28 direct queries beyond it, same 13:7 mix)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.data.suite import Suite, SuiteExtension
from core.data.suite_direct import DIRECT
from core.data.suite_ext_direct import EXT_DIRECT
from core.data.suite_ext_heldout import HELDOUT_QUERIES
from core.data.suite_ext_tools import SEEN
from core.data.suite_polarity import apply_polarity
from core.data.suite_tools import TOOL_QUERIES, tool_query_records
from core.runs import atomic_write_text

DESCRIPTION = (
    "The Phase 25 evaluation suite: 13 tool queries (each answered by one execute_code call against the "
    "named fixture workspace; facts derived from real tool runs, see each fact's source) and 7 direct "
    "questions (answered in plain text, scored by rubric). Regexes are case-insensitive."
)
EXT_DESCRIPTION = (
    "The extended tier, beyond the seed's 20: 52 tool queries (on the seen workspaces and on the held-out ones "
    "listed in data/workspaces/HELDOUT; facts derived from real tool runs) and 28 direct questions whose rubric "
    "groups may list contradicting statements. With the core it makes 100 queries in the same 13:7 mix. "
    "complexity: 'quick' (read, search, concepts) or 'complex' (refactoring, architecture)."
)
EXT_TOOL_QUERIES: list[dict[str, Any]] = SEEN + HELDOUT_QUERIES
CORE_FILE, EXTENDED_FILE = "suite.json", "extended.json"


def suite_data(workspaces: Path) -> dict[str, Any]:
    data = {"version": 1, "name": "phase25-suite", "description": DESCRIPTION,
            "queries": tool_query_records(workspaces) + DIRECT}
    data = apply_polarity(data)
    Suite.model_validate(data)  # the schema's own checks (13 + 7, every tool used, regexes compile)
    return data


def extended_data(workspaces: Path) -> dict[str, Any]:
    data = {"version": 1, "name": "phase25-suite-extended", "description": EXT_DESCRIPTION,
            "extends": CORE_FILE, "queries": tool_query_records(workspaces, EXT_TOOL_QUERIES) + EXT_DIRECT}
    SuiteExtension.model_validate(data)
    return data


def all_data(workspaces: Path) -> dict[str, dict[str, Any]]:
    """Both files' contents, from one round of tool runs per file."""
    return {CORE_FILE: suite_data(workspaces), EXTENDED_FILE: extended_data(workspaces)}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_suite(path: Path, workspaces: Path) -> Suite:
    data = suite_data(workspaces)
    atomic_write_text(path, render(data))
    return Suite.model_validate(data)


def write_extended(path: Path, workspaces: Path) -> None:
    atomic_write_text(path, render(extended_data(workspaces)))


__all__ = ["TOOL_QUERIES", "EXT_TOOL_QUERIES", "all_data", "extended_data", "render", "suite_data",
           "write_extended", "write_suite"]
