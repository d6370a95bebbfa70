"""Every corpus a model is trained or pretrained on, found in one place, and its rows as text.

A corpus is any ``*.jsonl`` file under the roots below (``data/phase24_merged`` and everything in
``data/demo``), except inside folders named in ``SKIP_DIRS`` (execution caches and built models are
not training rows). A new corpus dropped under a root is covered without any change here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.paths import DATA_DIR

CORPUS_ROOTS: tuple[Path, ...] = (DATA_DIR / "phase24_merged", DATA_DIR / "demo")
SKIP_DIRS = frozenset({"cache", "models"})


def training_corpora(roots: tuple[Path, ...] = CORPUS_ROOTS) -> list[Path]:
    """The corpus files under ``roots`` (a root may itself be a .jsonl file), sorted, no repeats."""
    files: list[Path] = []
    for root in roots:
        root = Path(root)
        if root.is_file():
            files.append(root)
            continue
        if not root.is_dir():
            continue
        for f in sorted(root.rglob("*.jsonl")):
            if not any(part in SKIP_DIRS for part in f.relative_to(root).parts[:-1]):
                files.append(f)
    return list(dict.fromkeys(f.resolve() for f in files))


@dataclass(frozen=True)
class RowText:
    """One training row's text: the user turns, the assistant turns (calls included) and the tool turns."""

    file: Path
    line: int
    user: tuple[str, ...]
    assistant: tuple[str, ...]
    tool: tuple[str, ...]

    @property
    def where(self) -> str:
        try:
            shown = self.file.relative_to(Path.cwd())
        except ValueError:
            shown = self.file
        return f"{shown}:{self.line}"

    @property
    def answer(self) -> str:
        """The row's last assistant turn: what a model learns to say."""
        return self.assistant[-1] if self.assistant else ""

    def all_text(self) -> str:
        return "\n".join(self.user + self.assistant + self.tool)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def row_text(file: Path, line: int, data: Any) -> RowText:
    """Split a row (chat, completions or text format) into its turns; unknown shapes count as user text."""
    user: list[str] = []
    assistant: list[str] = []
    tool: list[str] = []
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        for m in data["messages"]:
            if not isinstance(m, dict):
                continue
            role = m.get("role")
            text = "\n".join(_strings(m.get("content"))
                             + _strings(m.get("tool_calls")) + _strings(m.get("function_call")))
            if role == "assistant":
                assistant.append(text)
            elif role == "tool":
                tool.append(text)
            elif role != "system":
                user.append(text)
    elif isinstance(data, dict) and "prompt" in data and "completion" in data:
        user, assistant = _strings(data["prompt"]), _strings(data["completion"])
    else:
        user = _strings(data)
    return RowText(Path(file), line, tuple(user), tuple(assistant), tuple(tool))


def read_corpus(path: Path) -> Iterator[RowText]:
    """The rows of one corpus file. A line that isn't JSON, or is longer than the preflight allows,
    is skipped (the preflight reports those); bytes that aren't UTF-8 are replaced."""
    from core.data.jsonl import MAX_ROW_BYTES

    with Path(path).open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if len(raw) > MAX_ROW_BYTES or not raw.strip():
                continue
            try:
                data = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8", errors="replace"))
            except json.JSONDecodeError:
                continue
            yield row_text(path, n, data)
