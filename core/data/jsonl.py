"""Reading JSON-lines training files the way mlx-lm will, reporting every unreadable line.

mlx-lm runs ``json.loads`` on every line and detects the format (chat, completions, text) from
the first row only, so a blank line, a byte-order mark or a row of another format breaks
training. Here each of those becomes a problem naming the file and the line; nothing is changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.data.problems import Problems
from core.fmt import nbytes

MAX_ROW_BYTES = 1_000_000
"""A row longer than this (about 250k tokens) cannot be a sensible training example."""

BOM = b"\xef\xbb\xbf"
Format = Literal["chat", "completions", "text", "unknown"]


@dataclass
class Row:
    file: Path
    line: int
    data: dict[str, Any]


def row_format(data: dict[str, Any]) -> Format:
    """The format mlx-lm would pick for this row (same order of checks as its create_dataset)."""
    if "prompt" in data and "completion" in data:
        return "completions"
    if "messages" in data:
        return "chat"
    if "text" in data:
        return "text"
    return "unknown"


FORMAT_SHAPES = {
    "chat": '{"messages": [...]}',
    "completions": '{"prompt": ..., "completion": ...}',
    "text": '{"text": ...}',
    "unknown": "a row with none of 'messages', 'prompt'/'completion', 'text'",
}


def read_jsonl(path: Path, problems: Problems, max_row_bytes: int = MAX_ROW_BYTES) -> list[Row]:
    """Every readable row of ``path``; every problem goes to ``problems`` (nothing is raised)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add(path, None, None, "no such file")
        return []
    except IsADirectoryError:
        problems.add(path, None, None, "is a folder, expected a .jsonl file")
        return []
    except OSError as exc:
        problems.add(path, None, None, f"cannot read: {exc.strerror}")
        return []
    if not raw.strip():
        problems.add(path, None, None, "is empty: mlx-lm needs at least one row (and fails on an empty file)")
        return []
    if raw.startswith(BOM):
        problems.add(path, 1, None, "starts with a UTF-8 byte-order mark (BOM), which mlx-lm's json.loads "
                     "rejects; save the file as UTF-8 without BOM")
        raw = raw[len(BOM):]
    rows: list[Row] = []
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last row
    for number, chunk in enumerate(lines, start=1):
        if len(chunk) > max_row_bytes:
            problems.add(path, number, None, f"row is {nbytes(len(chunk))}, over the {nbytes(max_row_bytes)} limit "
                         "for one training row; it was not parsed")
            continue
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(path, number, None, f"not UTF-8: byte 0x{chunk[exc.start]:02x} at column {exc.start + 1}")
            continue
        if not text.strip():
            problems.add(path, number, None, "blank line; mlx-lm parses every line as JSON (remove it)")
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.add(path, number, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            problems.add(path, number, None, "invalid JSON: nested too deeply")
            continue
        if not isinstance(data, dict):
            problems.add(path, number, None, f"a row must be a JSON object; got {type(data).__name__}")
            continue
        rows.append(Row(path, number, data))
    return rows


def check_formats(rows: list[Row], problems: Problems, expected: Format = "chat") -> list[Row]:
    """Rows in the expected format. The file's format is its first row's (as mlx-lm decides);
    rows in another format are reported as mixed, and a file not in ``expected`` is an error."""
    if not rows:
        return []
    first = rows[0]
    file_format = row_format(first.data)
    if file_format != expected:
        problems.add(first.file, first.line, None,
                     f"the first row is {FORMAT_SHAPES[file_format]}, so mlx-lm reads the whole file as "
                     f"'{file_format}'; the Code Mode data must be {expected} rows {FORMAT_SHAPES[expected]}")
    kept = []
    for row in rows:
        fmt = row_format(row.data)
        if fmt == file_format == expected:
            kept.append(row)
        elif fmt != file_format:
            problems.add(row.file, row.line, None,
                         f"mixed formats: {FORMAT_SHAPES[fmt]} in a file whose first row (line {first.line}) "
                         f"is '{file_format}'; mlx-lm detects the format from the first row only")
    return kept
