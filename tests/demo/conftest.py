"""A small Code Mode corpus, shaped like the demo training set, for the build tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SYSTEM = "Write Python for execute_code. typecheck(path) -> TypecheckResult(ok, errors). Answer directly if no tool is needed."
TOOLS = [{"type": "function", "function": {
    "name": "execute_code", "description": "Run Python with the typed tools in scope.",
    "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}}}]


def code_row(project: str) -> dict:
    code = f'r = typecheck("{project}")\nfor e in r.errors:\n    print(e.file, e.line, e.message)'
    return {"messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Type-check {project} and list the errors."},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "execute_code", "arguments": {"code": code}}}]},
    ], "tools": TOOLS}


def direct_row(q: str, a: str) -> dict:
    return {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q},
                         {"role": "assistant", "content": a}], "tools": TOOLS}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    train = [code_row(p) for p in ("inventory", "textstats", "clean_service", "app", "lib", "tools")]
    train += [direct_row("What is 2 + 2?", "4."), direct_row("What is a linter?", "A tool that flags likely bugs."),
              direct_row("Name a test runner.", "pytest."), direct_row("Capital of France?", "Paris.")]
    valid = [code_row("billing"), direct_row("What is 3 + 3?", "6.")]
    for name, rows in (("train", train), ("valid", valid)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "compact")


@pytest.fixture(scope="session")
def make_corpus():
    """``make_corpus(folder) -> folder`` writes the small corpus into ``folder``."""
    return write_corpus
