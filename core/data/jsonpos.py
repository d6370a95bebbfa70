"""Line numbers of the values inside a JSON document, for error messages.

``json`` gives no positions, so after a document has parsed, this small scanner walks it again
and records the line where each value starts, keyed by its path (``("queries", 3, "prompt")``).
"""

from __future__ import annotations

import json
import re
from typing import Any

_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)

Path = tuple[Any, ...]


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.lines: dict[Path, int] = {}
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(self, pos: int) -> int:
        lo, hi = 0, len(self._newlines)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._newlines[mid] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    def ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        return m.end() if m else pos

    def value(self, pos: int, path: Path) -> int:
        pos = self.ws(pos)
        self.lines.setdefault(path, self.line_at(pos))
        ch = self.text[pos : pos + 1]
        if ch == "{":
            pos = self.ws(pos + 1)
            if self.text[pos] == "}":
                return pos + 1
            while True:
                pos = self.ws(pos)
                m = _STRING.match(self.text, pos)
                if not m:
                    raise ValueError("bad key")
                key = json.loads(m.group(0))
                key_line = self.line_at(pos)
                pos = self.ws(m.end())
                pos = self.value(pos + 1, (*path, key))  # skip ':'
                self.lines[(*path, key)] = key_line
                pos = self.ws(pos)
                if self.text[pos] == ",":
                    pos += 1
                    continue
                return pos + 1  # '}'
        if ch == "[":
            pos = self.ws(pos + 1)
            if self.text[pos] == "]":
                return pos + 1
            index = 0
            while True:
                pos = self.value(pos, (*path, index))
                pos = self.ws(pos)
                index += 1
                if self.text[pos] == ",":
                    pos += 1
                    continue
                return pos + 1  # ']'
        if ch == '"':
            m = _STRING.match(self.text, pos)
            return m.end() if m else len(self.text)
        for literal in ("true", "false", "null"):
            if self.text.startswith(literal, pos):
                return pos + len(literal)
        m = _NUMBER.match(self.text, pos)
        return m.end() if m else pos + 1


def value_lines(text: str) -> dict[Path, int]:
    """``{path: line}`` for every value of a valid JSON document (empty if it can't be scanned)."""
    scanner = _Scanner(text)
    try:
        scanner.value(0, ())
    except (ValueError, IndexError, RecursionError):
        return scanner.lines
    return scanner.lines


def line_of(lines: dict[Path, int], loc: Path) -> int | None:
    """The line of ``loc``, or of its nearest ancestor that has one."""
    for depth in range(len(loc), -1, -1):
        hit = lines.get(tuple(loc[:depth]))
        if hit is not None:
            return hit
    return None
