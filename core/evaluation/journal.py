"""Append entries to the diary and MEMORY.md: atomic (read, append, atomic write) and idempotent per
run id (a second write for the same run replaces its entry instead of adding one)."""

from __future__ import annotations

import re
from pathlib import Path

from core.runs import atomic_write_text


def _markers(run_id: str) -> tuple[str, str]:
    return f"<!-- phase25-run: {run_id} -->", f"<!-- /phase25-run: {run_id} -->"


def upsert_entry(path: Path, run_id: str, body: str, header: str = "") -> bool:
    """Write ``body`` as this run's entry in ``path``; returns True if it replaced an earlier one.

    ``header`` starts a new file. Everything else in the file is kept byte for byte.
    """
    path = Path(path)
    start, end = _markers(run_id)
    entry = f"{start}\n{body.rstrip()}\n{end}\n"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = header
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        new = pattern.sub(lambda _: entry, text, count=1)
        replaced = True
    else:
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        new = text + sep + entry
        replaced = False
    if new != text:
        atomic_write_text(path, new)
    return replaced


def entry_count(path: Path, run_id: str) -> int:
    try:
        return Path(path).read_text(encoding="utf-8").count(_markers(run_id)[0])
    except FileNotFoundError:
        return 0
