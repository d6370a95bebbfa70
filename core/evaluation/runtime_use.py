"""Typed use at run time: did the snippet really read a field of a returned model, and did that
value reach what it printed?

The executor records each tool call itself (``recorded_by = "executor"``); the sandboxed process
reports which fields of the returned models its code read (``field_reads``: call index and path,
such as ``errors[2].line``) and which of its lines ran (``lines_run``). The values are never taken
from the sandbox: each read is looked up in the executor's own record of that call. Typed use
holds when a value read at run time is in stdout (a number as a number; a text, one of its lines,
its line count or a part of it; a list's length or one of its items), or, for a value that is not
a number (a text the code turns into a decision, a true/false field), when a print that depends on
a tool result (the static dataflow) ran. A number read must itself show in stdout. Where the run recorded what each print wrote
(``prints``), only the output of the prints that depend on a tool result counts, so a value
typed into a literal ``print("5 errors")`` is no evidence.

A read in a branch that never runs, or whose value never reaches stdout, is no evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[\w.:/\[\]-]*\w[\w.:/\[\]-]*")
_STEP = re.compile(r"([A-Za-z_]\w*)((?:\[\d+\])*)")


@dataclass(frozen=True)
class RuntimeUse:
    passed: bool | None
    """None: the results file holds no run-time trace (written by an older executor)."""
    evidence: list[str]


def trusted(raw: Any) -> bool:
    """A call record the executor wrote itself (not one written inside the sandbox)."""
    return isinstance(raw, dict) and raw.get("recorded_by") == "executor"


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` ('errors[2].line') in a recorded result; raises LookupError."""
    value = data
    for part in path.split("."):
        m = _STEP.fullmatch(part)
        if m is None or not isinstance(value, dict) or m.group(1) not in value:
            raise LookupError(path)
        value = value[m.group(1)]
        for index in re.findall(r"\[(\d+)\]", m.group(2)):
            if not isinstance(value, list) or int(index) >= len(value):
                raise LookupError(path)
            value = value[int(index)]
    return value


def _number_in(number: float, text: str) -> bool:
    shown = str(int(number)) if float(number).is_integer() else str(number)
    return re.search(rf"(?<![\w.]){re.escape(shown)}(?![\w]|\.\d)", text) is not None


def _word_in(text: str, stdout: str) -> bool:
    """``text`` in ``stdout``, not as a piece of a longer word or number."""
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", stdout) is not None


def visible(value: Any, stdout: str) -> str | None:
    """How ``value`` (or its length, an item, a line) shows in ``stdout``; None when it does not."""
    if isinstance(value, bool) or value is None:
        return f"{value} is in stdout" if re.search(rf"\b{value}\b", stdout) else None
    if isinstance(value, int | float):
        return f"{value} is in stdout" if _number_in(value, stdout) else None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40 and text in stdout:
            return "its text is in stdout"
        if text and _word_in(text, stdout):  # a short text as a whole word: 'error' is not in 'errors:'
            return f"{text!r} is in stdout"
        for line in text.splitlines():
            if len(line.strip()) >= 4 and _word_in(line.strip(), stdout):
                return f"its line {line.strip()[:60]!r} is in stdout"
        if len(value.splitlines()) > 1 and _number_in(len(value.splitlines()), stdout):
            return f"its line count {len(value.splitlines())} is in stdout"
        part = next((t for t in _TOKEN.findall(stdout) if len(t) >= 4 and t in text), None)
        return f"its part {part[:60]!r} is in stdout" if part else None
    if isinstance(value, list):
        if value and _number_in(len(value), stdout):
            return f"its length {len(value)} is in stdout"
        for item in value:
            if not isinstance(item, dict | list) and item is not None and (how := visible(item, stdout)):
                return f"its item {how}"
        return None
    return None


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _describe(raw: dict[str, Any], path: str) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in (raw.get("arguments") or {}).items())
    return f"{raw.get('name')}({args}).{path}"


def runtime_use(result: dict[str, Any], output_lines: Sequence[int]) -> RuntimeUse:
    """``output_lines``: lines of print calls whose arguments depend on a tool result (static)."""
    reads = result.get("field_reads")
    if not isinstance(reads, list):
        return RuntimeUse(None, ["no run-time trace in this results file (an older executor): "
                                 "fields read and printed judged from the code alone"])
    calls = result.get("tool_calls") or []
    stdout = str(result.get("stdout") or "")
    found: list[tuple[str, Any]] = []
    for item in reads:
        call, path = (item.get("call"), item.get("path")) if isinstance(item, dict) else (None, None)
        if not isinstance(call, int) or not isinstance(path, str) or not 0 <= call < len(calls):
            continue
        raw = calls[call]
        if not trusted(raw) or not raw.get("ok") or not isinstance(raw.get("result"), dict):
            continue
        try:
            found.append((_describe(raw, path), resolve(raw["result"], path)))
        except LookupError:
            continue
    if not found:
        return RuntimeUse(False, ["no field of a returned model was read at run time (a read in code that "
                                  "never ran, or no read at all, is no typed use)"])
    prints = result.get("prints")
    if isinstance(prints, list):  # only what the prints that depend on a tool result wrote, as captured
        prints = [p for p in prints if isinstance(p, dict) and p.get("line") in output_lines
                  and (result.get("stdout_truncated") or str(p.get("text", "")).strip() in stdout)]
        stdout = "".join(str(p.get("text", "")) for p in prints)
    shown = [(what, value, how) for what, value in found if (how := visible(value, stdout))]
    if shown:
        ev = [f"read at run time and printed: {what} = {_short(value)} ({how})" for what, value, how in shown[:3]]
        if len(found) > len(shown[:3]):
            ev.append(f"{len(found)} field reads traced in all")
        return RuntimeUse(True, ev)
    ran = sorted(set(output_lines) & set(result.get("lines_run") or []))
    if isinstance(prints, list):
        ran = sorted({int(p["line"]) for p in prints})
    flags = [(what, value) for what, value in found if not isinstance(value, int | float) or isinstance(value, bool)]
    if flags and ran:
        what, value = flags[0]
        return RuntimeUse(True, [f"read at run time: {what} = {_short(value)}; the print on line {ran[0]}, "
                                 "which depends on a tool result, ran"])
    listed = "; ".join(f"{what} = {_short(value)}" for what, value in found[:3])
    return RuntimeUse(False, [f"fields read at run time: {listed}; none of their values (nor a length, an item "
                              "or a line of one) is in stdout"])


__all__ = ["RuntimeUse", "resolve", "runtime_use", "trusted", "visible"]
