"""Reading a file the user gave us, with a clear one-line message for each way it can go wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class UserFileError(ValueError):
    """The message names the file (and the line where there is one); show it as is."""


def read_text(path: str | Path, what: str = "file") -> str:
    """UTF-8 text (a BOM is allowed) of ``path``; ``what`` names it in messages ('config file')."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserFileError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise UserFileError(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise UserFileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def parse_json(text: str, path: str | Path) -> Any:
    """The JSON document in ``text`` (read from ``path``); invalid JSON names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserFileError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None


def read_json(path: str | Path, what: str = "file") -> Any:
    return parse_json(read_text(path, what), path)


def read_tail(path: str | Path, lines: int, max_bytes: int = 256 * 1024) -> tuple[list[str], int]:
    """The last ``lines`` lines of a (growing) log file, read from at most its last ``max_bytes``,
    and its size (the offset to follow it from). A missing or unreadable file has none."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return [], 0
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.splitlines()[-lines:], size
