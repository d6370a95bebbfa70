"""What this run's tool calls actually returned, and whether a fact is grounded in it.

The executor records every tool call the snippet made (name, arguments, and the returned model as
JSON). A suite fact names the call it comes from (``source.tool``, ``source.args``) and an
expression over the result ``r`` (``source.expr``). A fact is *supported* when a recorded call of
that tool, on the same arguments, gives the fact's value when the expression is evaluated on the
result this run got. A call of the same tool on other arguments supports it only when its own
result gives the same value (reading the whole file instead of lines 35-37 is fine; running other
tests is not, because the counts differ), or, for a shell command, when its output shows the value as
a count (``grep ... | wc -l`` printing 7). Another shell command counts only when it runs the same
program as one pipeline on the workspace, without the value written into it: not ``seq 7``, ``grep
...; echo 7``, ``grep ... | head -7``, nor ``wc -l $TMPDIR/...`` (the code may have written the files
there). Never called: unsupported.

Results saved before results were recorded carry no value; then a call on the same arguments is
taken as support, and the evidence says so.

A call whose tool saw files the code had changed (the executor's ``workspace`` check: a source
rewritten, a test file added, a path outside the workspace) supports nothing: its result is about
files the code made, not the fixture's. It is set aside (``set_aside``) and named in the evidence.
Results files from before this was recorded carry no such check; their calls count, and
``unchecked_workspace`` says so.
"""

from __future__ import annotations

import builtins
import inspect
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from core.data.suite import ExpectedFact
from core.evaluation.runtime_use import trusted
from core.evaluation.schema import ToolExecution
from core.evaluation.typed import tool_models

_SAFE_BUILTINS = {name: getattr(builtins, name) for name in ("abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int",
                               "len", "list", "map", "max", "min", "next", "round", "set", "sorted", "str",
                               "sum", "tuple", "zip", "isinstance", "range", "reversed")}


@dataclass(frozen=True)
class RecordedCall:
    """One tool call of this run: its arguments with the tool's defaults filled in, and its result."""

    name: str
    arguments: dict[str, Any]
    result: BaseModel | None
    has_record: bool
    """False when the results file predates recorded result values (nothing to evaluate)."""

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        return f"{self.name}({args})"


def normalized_args(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with the tool's defaults applied and paths normalised (``./x/`` is ``x``)."""
    from core.codemode.tools import TOOLS

    fn = TOOLS.get(tool)
    out = dict(args)
    if fn is not None:
        try:
            bound = inspect.signature(fn).bind(**args)
            bound.apply_defaults()
            out = dict(bound.arguments)
        except TypeError:
            pass
    if isinstance(out.get("path"), str):
        out["path"] = os.path.normpath(out["path"])
    if isinstance(out.get("cmd"), str):
        out["cmd"] = " ".join(out["cmd"].split())
    out.pop("timeout", None)  # how long a command may take says nothing about what it returns
    return out


def _describe_raw(raw: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in (raw.get("arguments") or {}).items())
    return f"{raw.get('name')}({args})"


def tampered(raw: dict[str, Any]) -> str | None:
    """Why this call's result supports nothing (the tool saw files the code changed, or a path outside
    the workspace); None when it saw the fixture's files, or the check was not recorded."""
    check = raw.get("workspace")
    if not isinstance(check, dict):
        return None
    what = _describe_raw(raw)
    outside = check.get("outside")
    if isinstance(outside, str):
        return f"{what} ran on {outside!r}, outside the workspace: its result supports nothing"
    changed = [str(p) for p in check.get("changed") or []]
    if not changed:
        return None
    more = check.get("more") or 0
    files = ", ".join(changed) + (f" and {more} more" if more else "")
    when = "while the code changed" if check.get("during") else "after the code changed"
    return f"{what} ran {when} {files}: its result supports nothing"


def _counted(raw: Any, models: dict[str, type[BaseModel]]) -> bool:
    """A call the executor ran itself, that succeeded, and whose result reached the code."""
    return (trusted(raw) and bool(raw.get("ok")) and raw.get("delivered") is not False
            and raw.get("name") in models)


def set_aside(execution: ToolExecution | None) -> list[tuple[str, str]]:
    """(tool, why) for each successful call whose tool saw changed files: its result supports nothing."""
    if execution is None:
        return []
    models = tool_models()
    return [(raw["name"], why) for raw in execution.result.get("tool_calls") or []
            if _counted(raw, models) and (why := tampered(raw)) is not None]


def unchecked_workspace(execution: ToolExecution | None) -> int:
    """How many counted calls carry no workspace check (results files from before it was recorded)."""
    if execution is None:
        return 0
    models = tool_models()
    return sum(1 for raw in execution.result.get("tool_calls") or []
               if _counted(raw, models) and not isinstance(raw.get("workspace"), dict))


def recorded_calls(execution: ToolExecution | None) -> list[RecordedCall]:
    """The successful tool calls this run's code made, as the executor recorded them, less those
    whose tool saw files the code had changed (``set_aside``)."""
    if execution is None:
        return []
    models = tool_models()
    out: list[RecordedCall] = []
    for raw in execution.result.get("tool_calls") or []:
        if not _counted(raw, models) or tampered(raw) is not None:
            continue
        name = raw["name"]
        data = raw.get("result")
        result: BaseModel | None = None
        if isinstance(data, dict):
            try:
                result = models[name].model_validate(data)
            except ValidationError:
                result = None
        out.append(RecordedCall(name, normalized_args(name, raw.get("arguments") or {}), result,
                                has_record="result" in raw))
    return out


def evaluate(expr: str, result: BaseModel) -> Any:
    """The fact expression over one result ``r`` (the suite's own expressions; raises on failure)."""
    return eval(expr, {"__builtins__": _SAFE_BUILTINS, "re": re}, {"r": result})  # noqa: S307


def same_value(a: Any, b: Any) -> bool:
    return bool(json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
                or (isinstance(a, int | float) and isinstance(b, int | float) and float(a) == float(b)))


@dataclass(frozen=True)
class Support:
    ok: bool
    why: str
    value: Any = None


def fact_support(fact: ExpectedFact, calls: list[RecordedCall],
                 aside: list[tuple[str, str]] | None = None) -> Support:
    """Whether this run's recorded calls give ``fact.value`` (and which call did); ``aside``: the calls
    set aside (``set_aside``), named in the evidence when no other call supports the fact."""
    src = fact.source
    want = normalized_args(src.tool, src.args)
    same_tool = [c for c in calls if c.name == src.tool]
    spoilt = [why for tool, why in aside or [] if tool == src.tool]
    if not same_tool:
        return Support(False, "; ".join(spoilt) or f"{src.tool} was never called in this run")
    exact = [c for c in same_tool if c.arguments == want]
    others = [c for c in same_tool if c.arguments != want]
    seen: list[str] = []
    if src.tool == "run_command":  # another command counts only as the same program, on the workspace
        for call in list(others):
            why = _other_command(call, want, fact.value)
            if why:
                others.remove(call)
                seen.append(f"{call.describe()} {why}: on other arguments, it supports nothing")
    for call in exact + others:
        if call.result is None:
            if call in exact and not call.has_record:
                return Support(True, f"{call.describe()} was called (no recorded result to evaluate)")
            seen.append(f"{call.describe()} has no recorded result")
            continue
        try:
            got = evaluate(src.expr, call.result)
        except Exception as exc:  # noqa: BLE001 - any failure means the result does not give the fact
            seen.append(f"{src.expr} fails on {call.describe()}'s result ({type(exc).__name__})")
            continue
        if same_value(got, fact.value):
            where = "" if call in exact else f" (on other arguments than {src.args or 'the defaults'})"
            return Support(True, f"{call.describe()} gives {src.expr} = {got!r}{where}", got)
        seen.append(f"{call.describe()} gives {src.expr} = {got!r}")
    for call in others:
        if src.tool == "run_command" and _shows(call, fact.value):
            return Support(True, f"{call.describe()} (the same program as {src.args['cmd']!r}) shows "
                                 f"{fact.value!r} in its output", fact.value)
    if not exact:
        seen.insert(0, f"{src.tool} was called on other arguments than {src.args or 'the defaults'}")
    return Support(False, "; ".join(seen + spoilt))


_ELSEWHERE = re.compile(r"(?:^|[\s=:'\"<>])(?:/(?!dev/null\b)|~|\$)|(?:^|[\s/'\"<>])\.\.(?:/|\s|$)")
"""A shell command that names a path outside the workspace (absolute, home, a variable such as $TMPDIR, ..):
it may read files the code wrote there."""
_CHAINED = re.compile(r";|&&|\|\||\$\(|`|\n|>|<\(|<<|&\s*$")
"""Another command beside the fact's, its output written to a file, a process substitution or a here-document;
a plain ``<`` redirect (``wc -l < tests/test_service.py``) is the same program on a file, one ``_ELSEWHERE``
flags when it names one outside the workspace."""


def _other_command(call: RecordedCall, want: dict[str, Any], value: Any) -> str:
    """Why a shell command other than the fact's cannot support it ("" when it can): it must run the same
    program (``grep ... | wc -l`` for ``grep ...``, not ``seq 7``) as one pipeline (not ``grep ...; echo
    7``), on the workspace (not ``wc -l $TMPDIR/...``, where the code may have written the files), and
    not write the value into itself (``grep ... | head -7``)."""
    cmd = str(call.arguments.get("cmd", ""))
    a, b = cmd.split(), str(want.get("cmd", "")).split()
    if not (a and b) or a[0] != b[0]:
        return f"runs another program than {b[0] if b else 'the fact'}"
    if _CHAINED.search(re.sub(r"2>(?:&1|/dev/null)", "", cmd)):
        return "chains another command"
    if _ELSEWHERE.search(cmd):
        return "reaches outside the workspace"
    if isinstance(value, int | float) and not isinstance(value, bool) and _number_in(value, cmd):
        return f"writes {value!r} into the command itself"
    return ""


def _number_in(value: float, text: str) -> bool:
    number = re.escape(str(int(value)) if float(value).is_integer() else str(value))
    return re.search(rf"(?<![\w.]){number}(?![\w]|\.\d)", text) is not None


def _shows(call: RecordedCall, value: Any) -> bool:
    """Whether a command's output shows ``value`` as a count (a number alone on a line, first on a line as
    ``wc`` prints it, or last after a colon as ``grep -c`` does); a text value anywhere in the output."""
    out = str(getattr(call.result, "stdout", "") or "")
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return False
    if isinstance(value, int | float):
        number = re.escape(str(int(value)) if float(value).is_integer() else str(value))
        return any(re.fullmatch(rf"{number}(?:\s+\S.*)?|.*:{number}", line.strip())
                   for line in out.splitlines())
    return str(value) in out


__all__ = ["RecordedCall", "Support", "evaluate", "fact_support", "normalized_args", "recorded_calls", "set_aside",
           "tampered", "unchecked_workspace"]
