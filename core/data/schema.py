"""The chat-row schema (mlx-lm's chat format with OpenAI-style tool calls), as Pydantic models.

A row: ``{"messages": [...], "tools": [...]}``. Every message's ``content`` is a string (the Qwen
templates concatenate it, so ``null`` or a list of parts breaks rendering); tool-call
``arguments`` are an object, never a JSON string (the Qwen2.5 template applies ``tojson`` to
them, so a string trains a double-encoded call). Beyond the shape, the conversation must make
sense: the system turn first, a tool turn only after a call, every call answered by a tool turn
before the conversation goes on, the last turn the assistant's. An ``execute_code`` call's
arguments are exactly ``{"code": "<program>"}``, which is what the strict call parser accepts.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from core.data.problems import Problems

ROLES = ("system", "user", "assistant", "tool")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _reject_json_string(v: Any) -> Any:
    if isinstance(v, str):
        try:
            decoded = json.loads(v)
        except ValueError:
            decoded = None
        if isinstance(decoded, (dict, list)):
            raise ValueError("a JSON string where an object belongs (double-encoded arguments); "
                             "store the object itself")
    return v


class FunctionCall(_Model):
    name: StrictStr = Field(min_length=1)
    arguments: dict[str, Any]

    _arguments = field_validator("arguments", mode="before")(_reject_json_string)


class ToolCall(BaseModel):
    """``{"type": "function", "function": {"name", "arguments"}}`` (an ``id`` may be there too)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(_Model):
    role: Literal["system", "user", "assistant", "tool"]
    content: StrictStr
    tool_calls: list[ToolCall] | None = None
    name: StrictStr | None = None
    tool_call_id: StrictStr | None = None
    reasoning_content: StrictStr | None = None


class FunctionSpec(_Model):
    name: StrictStr = Field(min_length=1)
    description: StrictStr = ""
    parameters: dict[str, Any] = Field(default_factory=dict)

    _parameters = field_validator("parameters", mode="before")(_reject_json_string)


class ToolSpec(_Model):
    type: Literal["function"]
    function: FunctionSpec


class ChatRow(BaseModel):
    """One training row. Keys other than ``messages`` and ``tools`` are ignored by mlx-lm."""

    model_config = ConfigDict(extra="allow")
    messages: list[Message] = Field(min_length=1)
    tools: list[ToolSpec] | None = None


# -------------------------------------------------------------------------------- errors
def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(row)"


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _describe(err: dict[str, Any], data: Any) -> tuple[str, str]:
    loc = tuple(err["loc"])
    typ, msg = err["type"], err["msg"]
    got = err.get("input")
    if loc and loc[-1] == "role" and typ == "literal_error":
        return field_path(loc), f"unknown role {got!r} (expected one of: {', '.join(ROLES)})"
    if typ == "missing":
        last = loc[-1] if loc else None
        if last == "name":
            return field_path(loc), "tool call without a name"
        if last == "role":
            return field_path(loc), f"missing role (expected one of: {', '.join(ROLES)})"
        if last == "function":
            return field_path(loc), ('a tool call must look like {"type": "function", "function": '
                                     '{"name": ..., "arguments": {...}}}')
        return field_path(loc), "missing"
    if typ == "extra_forbidden":
        return field_path(loc), "unknown key (check the spelling)"
    if loc and loc[-1] == "content" and typ == "string_type":
        hint = ""
        if _lookup(data, loc[:-1] + ("role",)) == "assistant" and got is None:
            hint = " (use \"\" for an assistant turn that only calls a tool)"
        return field_path(loc), f"content must be a string; got {_kind(got)}{hint}"
    if loc and loc[-1] == "name" and typ == "string_too_short":
        return field_path(loc), "tool call without a name (empty string)"
    if typ == "value_error" or typ == "assertion_error":
        return field_path(loc), msg.removeprefix("Value error, ")
    if typ.endswith("_type") or typ in ("literal_error", "model_attributes_type"):
        return field_path(loc), f"{msg}; got {_kind(got)}"
    return field_path(loc), msg


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, str):
        return f"string {v[:40]!r}"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return f"number {v}"
    return {"list": "a list", "dict": "an object"}.get(type(v).__name__, type(v).__name__)


# -------------------------------------------------------------------------------- validation
CODE_TOOL = "execute_code"


def _code_arguments(arguments: dict[str, Any], where: str, file: Any, line: int, problems: Problems) -> None:
    """An ``execute_code`` call's arguments must be exactly ``{"code": "<program>"}``, as the strict
    parser (core.codemode.parse) requires; anything else trains a call the evaluation scores as broken."""
    code = arguments.get("code")
    if "code" not in arguments:
        problems.add(file, line, f"{where}.code", f'missing: {CODE_TOOL} takes exactly {{"code": "<program>"}}')
    elif not isinstance(code, str):
        problems.add(file, line, f"{where}.code", f"the program must be a string; got {_kind(code)}")
    elif not code.strip():
        problems.add(file, line, f"{where}.code", "an empty program")
    for key in sorted(k for k in arguments if k != "code"):
        problems.add(file, line, f"{where}.{key}", f"unknown argument: {CODE_TOOL} takes only code")


def _conversation(row: ChatRow, file: Any, line: int, problems: Problems) -> None:
    msgs = row.messages
    offered = {t.function.name for t in row.tools or []}
    pending: list[str] = []  # calls made but not yet answered by a tool turn

    def unanswered(i: int) -> None:
        for call in pending:
            problems.add(file, line, call, f"a tool call with no tool reply before messages[{i}] "
                                           f"(the {msgs[i].role} turn)")
        pending.clear()

    for i, m in enumerate(msgs):
        where = f"messages[{i}]"
        if m.role == "system" and i != 0:
            problems.add(file, line, f"{where}.role", "a system turn after the first message")
        if m.tool_calls is not None and m.role != "assistant":
            problems.add(file, line, f"{where}.tool_calls", f"only assistant turns make tool calls (role is {m.role!r})")
        if m.role == "assistant":
            if m.tool_calls == []:
                problems.add(file, line, f"{where}.tool_calls", "empty list; leave tool_calls out instead")
            if not m.content.strip() and not m.tool_calls:
                problems.add(file, line, f"{where}.content", "an empty assistant turn (no text and no tool call)")
            unanswered(i)
            for j, call in enumerate(m.tool_calls or []):
                if row.tools is not None and call.function.name not in offered:
                    problems.add(file, line, f"{where}.tool_calls[{j}].function.name",
                                 f"calls {call.function.name!r}, which the row's tools don't offer "
                                 f"({', '.join(sorted(offered)) or 'none'})")
                if call.function.name == CODE_TOOL:
                    _code_arguments(call.function.arguments, f"{where}.tool_calls[{j}].function.arguments",
                                    file, line, problems)
                pending.append(f"{where}.tool_calls[{j}]")
        elif m.role == "tool":
            if not pending:
                problems.add(file, line, f"{where}.role", "a tool turn without a preceding tool call")
            else:
                pending.pop(0)
        else:
            unanswered(i)
        if m.role == "user" and not m.content.strip():
            problems.add(file, line, f"{where}.content", "an empty user turn")
    if not any(m.role == "user" for m in msgs):
        problems.add(file, line, "messages", "no user turn")
    last = msgs[-1]
    if last.role != "assistant":
        problems.add(file, line, f"messages[{len(msgs) - 1}].role",
                     f"the conversation ends with {last.role!r}; it must end with the assistant "
                     "(the turn training learns from)")


def validate_row(data: dict[str, Any], file: Any, line: int, problems: Problems) -> ChatRow | None:
    """The row as a ChatRow, or None; every problem (shape and conversation) goes to ``problems``."""
    row = check_shape(data, file, line, problems)
    if row is not None:
        _conversation(row, file, line, problems)
    return row


def check_shape(data: Any, file: Any, line: int, problems: Problems) -> ChatRow | None:
    """The row as a ChatRow if it has the chat shape mlx-lm reads, else None with the problems."""
    if not isinstance(data, dict):
        problems.add(file, line, None, f"expected a JSON object, got {type(data).__name__}")
        return None
    try:
        row = ChatRow.model_validate(data)
    except ValidationError as exc:
        seen = set()
        for err in exc.errors():
            fld, message = _describe(dict(err), data)
            if (fld, message) in seen:
                continue
            seen.add((fld, message))
            problems.add(file, line, fld, message)
        return None
    return row
