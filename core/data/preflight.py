"""Preflight of a training-data folder (``phase25 data check PATH`` and the ``prepare`` stage).

Reads train.jsonl and valid.jsonl (and test.jsonl if present) the way mlx-lm will, validates
every row against the chat schema, and reports: every problem with file, line and field (errors
stop the pipeline, warnings don't); the tool/direct balance and per-tool counts; duplicates and
train/valid near-duplicates; and, per model of the config, whether its tokenizer renders every
row, the token lengths against ``max_seq_length`` and how the tool markers split. Nothing is
modified.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.jsonl import Row, check_formats, read_jsonl
from core.data.problems import Problems
from core.data.schema import validate_row
from core.data.similarity import similar_pairs
from core.data.tokencheck import TokenStats, check_tokenizer

SPLITS = ("train", "valid", "test")
TOOL_NAMES = ("typecheck", "ruff_check", "pytest_run", "read_file", "run_command")


@dataclass
class PreflightReport:
    path: Path
    problems: Problems = field(default_factory=Problems)
    rows: dict[str, int] = field(default_factory=dict)          # split -> valid rows
    tool_rows: int = 0
    direct_rows: int = 0
    per_tool: dict[str, int] = field(default_factory=dict)      # typed tool -> rows whose code calls it
    calls_per_row: dict[int, int] = field(default_factory=dict)
    duplicates: int = 0
    near_duplicates: int = 0
    masked_calls: int = 0
    tokens: list[TokenStats] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def headline(self) -> str:
        if not self.ok:
            n = len(self.problems.errors)
            return f"{n} problem{'' if n == 1 else 's'} in the data"
        return f"{self.total} rows · {self.tool_rows} tool / {self.direct_rows} direct"

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "total": self.total, "tool": self.tool_rows, "direct": self.direct_rows,
            "per_tool": self.per_tool, "calls_per_row": {str(k): v for k, v in sorted(self.calls_per_row.items())},
            "duplicates": self.duplicates, "near_duplicates": self.near_duplicates,
            "masked_calls": self.masked_calls, "tokenizers": [t.summary() for t in self.tokens],
            "errors": len(self.problems.errors), "warnings": len(self.problems.warnings),
        }


def _execute_code_calls(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``(field, program)`` of every execute_code call whose program is a string (the schema
    reports the others)."""
    codes = []
    for i, m in enumerate(data.get("messages", [])):
        for j, c in enumerate(m.get("tool_calls") or []):
            fn = c.get("function", {})
            if fn.get("name") == "execute_code" and isinstance(fn.get("arguments"), dict):
                code = fn["arguments"].get("code")
                if isinstance(code, str):
                    codes.append((f"messages[{i}].tool_calls[{j}].function.arguments.code", code))
    return codes


def _tools_called(code: str) -> set[str] | None:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    return {n.func.id for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in TOOL_NAMES}


def _signature(data: dict[str, Any]) -> str:
    msgs = data["messages"]
    users = " ".join(m["content"] for m in msgs if m["role"] == "user")
    return f"{users}\n{msgs[-1]['content']}"


def load_folder(path: Path, problems: Problems) -> dict[str, list[Row]]:
    """Rows per split of a data folder (or of one .jsonl file, as 'file'); problems collected."""
    path = Path(path)
    if not path.exists():
        if path.suffix == ".jsonl":
            problems.add(path, None, None, "no such file")
        else:
            problems.add(path / "train.jsonl", None, None, f"missing: there is no folder {path}")
        return {}
    if path.is_file():
        rows = read_jsonl(path, problems)
        return {"file": check_formats(rows, problems)}
    found: dict[str, list[Row]] = {}
    for split in SPLITS:
        f = path / f"{split}.jsonl"
        if not f.exists():
            if split == "train":
                problems.add(f, None, None, "missing: the folder needs train.jsonl (mlx-lm trains on it)")
            elif split == "valid":
                problems.add(f, None, None, "missing: the folder needs valid.jsonl for validation loss")
            continue
        found[split] = check_formats(read_jsonl(f, problems), problems)
    return found


def check_rows(report: PreflightReport, splits: dict[str, list[Row]], mask_prompt: bool) -> list[Row]:
    """Schema, balance, per-tool counts, duplicates; returns the rows that passed the schema."""
    problems = report.problems
    valid_rows: list[Row] = []
    per_tool: Counter[str] = Counter()
    calls: Counter[int] = Counter()
    for split, rows in splits.items():
        kept = 0
        for row in rows:
            if validate_row(row.data, row.file, row.line, problems) is None:
                continue
            kept += 1
            valid_rows.append(row)
            codes = _execute_code_calls(row.data)
            n_calls = sum(len(m.get("tool_calls") or []) for m in row.data["messages"])
            calls[n_calls] += 1
            if n_calls:
                report.tool_rows += 1
                if mask_prompt and any(m.get("tool_calls") for m in row.data["messages"][:-1]):
                    report.masked_calls += 1
            else:
                report.direct_rows += 1
            for where, code in codes:
                used = _tools_called(code)
                if used is None:
                    problems.add(row.file, row.line, where, "the execute_code program is not valid Python")
                else:
                    per_tool.update(used)
        report.rows[split] = kept
    report.per_tool = {t: per_tool.get(t, 0) for t in TOOL_NAMES}
    report.calls_per_row = dict(calls)
    _duplicates(report, valid_rows)
    return valid_rows


def _duplicates(report: PreflightReport, rows: list[Row]) -> None:
    first: dict[str, Row] = {}
    listed = 0
    for row in rows:
        digest = hashlib.sha256(json.dumps(row.data, sort_keys=True).encode()).hexdigest()
        if digest in first:
            report.duplicates += 1
            if listed < 10:
                other = first[digest]
                report.problems.add(row.file, row.line, None, f"duplicate of {other.file.name}:{other.line}",
                                    severity="warning")
                listed += 1
        else:
            first[digest] = row
    train = [r for r in rows if r.file.name == "train.jsonl"]
    valid = [r for r in rows if r.file.name == "valid.jsonl"]
    if train and valid:
        pairs = similar_pairs([_signature(r.data) for r in valid], [_signature(r.data) for r in train])
        report.near_duplicates = len({i for i, _, _ in pairs})
        for i, j, sim in pairs[:5]:
            report.problems.add(valid[i].file, valid[i].line, None,
                                f"near-duplicate of train.jsonl:{train[j].line} (similarity {sim:.2f}): "
                                "validation loss would be optimistic", severity="warning")


def preflight(path: Path, cfg: Any = None, tokenizers: dict[str, Any] | None = None) -> PreflightReport:
    """Check a data folder (or one file). With ``cfg``, also the candidate's and baseline's
    tokenizers; ``tokenizers`` may hand in already-loaded ones by role (tests do)."""
    report = PreflightReport(Path(path))
    splits = load_folder(Path(path), report.problems)
    mask = bool(cfg.train.mask_prompt) if cfg is not None else False
    rows = check_rows(report, splits, mask)
    if cfg is not None and rows:
        for role in ("candidate", "baseline"):
            spec = getattr(cfg, role)
            report.tokens.append(check_tokenizer(role, spec, cfg, rows, report.problems,
                                                 (tokenizers or {}).get(role)))
    return report
