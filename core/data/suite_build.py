"""Writing data/suite/suite.json: the 13 tool queries with facts from real runs, the 7 direct ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.data.suite import Suite
from core.data.suite_direct import DIRECT
from core.data.suite_polarity import apply_polarity
from core.data.suite_tools import tool_query_records
from core.runs import atomic_write_text

DESCRIPTION = (
    "The Phase 25 evaluation suite: 13 tool queries (each answered by one execute_code call against the "
    "named fixture workspace; facts derived from real tool runs, see each fact's source) and 7 direct "
    "questions (answered in plain text, scored by rubric). Regexes are case-insensitive."
)


def suite_data(workspaces: Path) -> dict[str, Any]:
    data = {"version": 1, "name": "phase25-suite", "description": DESCRIPTION,
            "queries": tool_query_records(workspaces) + DIRECT}
    data = apply_polarity(data)
    Suite.model_validate(data)  # the schema's own checks (13 + 7, every tool used, regexes compile)
    return data


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_suite(path: Path, workspaces: Path) -> Suite:
    data = suite_data(workspaces)
    atomic_write_text(path, render(data))
    return Suite.model_validate(data)
