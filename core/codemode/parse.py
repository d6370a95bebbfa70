"""Parse a model's reply into an ``execute_code`` call, strictly and leniently.

Strict is what the Qwen chat format promises: exactly one ``<tool_call>`` ...
``</tool_call>`` block holding JSON ``{"name": "execute_code", "arguments":
{"code": "..."}}`` with no other top-level key and nothing else in ``arguments``,
no text after the call in the same turn (flag ``text_after_call``), and no tool
output the model wrote itself. A ``</think>`` closes only a leading think block.

A call quoted inside prose (a JSON example in a direct answer, a tagged call in a
code fence with more than a sentence around it) is not a call (flag
``call_quoted_in_prose``); a reply that is just the call, bare or fenced, with at most one
short sentence beside it, is.

Lenient is for reporting beside it: base Qwen2.5-Coder often answers with a
fenced or bare JSON call, or with double-encoded ``arguments``. Those parse
leniently, each with a flag, and never count as strict.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

TOOL_NAME = "execute_code"

Kind = Literal["tagged", "fenced_json", "bare_json", "none"]

_TAGGED = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_UNCLOSED = re.compile(r"<tool_call>(.*)\Z", re.DOTALL)
_FENCED = re.compile(r"```[ \t]*([A-Za-z_]*)[ \t]*\n(.*?)```", re.DOTALL)
_THINK_OPEN = re.compile(r"\A\s*<think>", re.DOTALL)
_FENCE_ANY = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_END_TOKENS = re.compile(r"(?:\s*(?:<\|im_end\|>|<\|endoftext\|>|</s>))+\s*\Z")
_SENTENCE_END = re.compile(r"[.!?](?=\s|\Z)")
MAX_PREAMBLE_CHARS = 240
"""An untagged or quoted call counts as a call only with this little text (one sentence) beside it."""


def strip_leading_think(text: str) -> tuple[str, bool]:
    """``text`` without a leading think block, and whether there was one.

    Only a block at the start counts: ``<think>`` ... ``</think>`` (a call written inside it is
    thinking, not a call), or text up to the first ``</think>`` when the opening tag was in the prompt
    (no ``<think>`` and no ``<tool_call>`` before it). A ``</think>`` anywhere else closes nothing and stays in the text.
    """
    close = text.find("</think>")
    if close < 0:
        return text, False
    head = text[:close]
    opened = _THINK_OPEN.match(text)
    if opened:
        if "<think>" in head[opened.end():]:
            return text, False
    elif "<think>" in head or "<tool_call>" in head:
        return text, False
    return text[close + len("</think>"):].lstrip(), True


def _quoted(start: int, body: str) -> tuple[int, int] | None:
    """The code fence or inline code span that holds position ``start``, if any."""
    for rx in (_FENCE_ANY, _INLINE_CODE):
        for m in rx.finditer(body):
            if m.start() < start < m.end():
                return m.span()
    return None


def _just_the_call(before: str, after: str) -> bool:
    """A reply that is the call, with at most one short sentence beside it (before or after), and not
    in the middle of a sentence that runs on after it."""
    pre, post = before.strip(), after.strip()
    if pre and post and not re.search(r"[.:!?]\Z", pre):
        return False  # "... would emit {call} and then ...": the call is part of a sentence
    text = f"{pre} {post}".strip()
    return len(text) <= MAX_PREAMBLE_CHARS and len(_SENTENCE_END.findall(text)) <= 1


class ParsedCall(BaseModel):
    """What was found in one reply."""

    strict_ok: bool = Field(
        description="exactly one well-formed tagged execute_code call, nothing fabricated"
    )
    lenient_ok: bool = Field(description="an execute_code call with string code was recovered in some form")
    kind: Kind = Field(description="the form the (first) call took")
    name: str | None = Field(default=None, description="the called function's name, when a call parsed")
    code: str | None = Field(default=None, description="the code argument, when one was recovered")
    arguments: dict[str, Any] | None = Field(default=None, description="the decoded arguments object")
    flags: list[str] = Field(default_factory=list, description="every irregularity noticed")
    reason: str | None = Field(default=None, description="why strict parsing failed; None when it passed")
    content: str = Field(default="", description="the reply's text outside the call(s), think block removed")
    call_count: int = Field(default=0, description="number of call blocks found in the reply's form")

    @property
    def has_call(self) -> bool:
        """Something parsed as a function call (any name). BFCL irrelevance: no call when False."""
        return self.name is not None


def _decode(body: str, flags: list[str]) -> tuple[Any, bool]:
    """JSON-decode a call body; returns (value, strict_json). Falls back to allowing raw control characters."""
    body = body.strip()
    try:
        return json.loads(body), True
    except json.JSONDecodeError:
        pass
    try:
        value = json.loads(body, strict=False)
        flags.append("control_characters_in_json")
        return value, False
    except json.JSONDecodeError:
        flags.append("invalid_json")
        return None, False


class _Call:
    def __init__(self) -> None:
        self.name: str | None = None
        self.arguments: dict[str, Any] | None = None
        self.code: str | None = None
        self.problems: list[str] = []  # reasons strict fails
        self.lenient = False


def _interpret(value: Any, flags: list[str]) -> _Call:
    call = _Call()
    if not isinstance(value, dict):
        call.problems.append("the call is not a JSON object")
        flags.append("not_an_object")
        return call
    if "function" in value and isinstance(value["function"], dict) and "name" not in value:
        value = value["function"]  # OpenAI-style wrapper
        flags.append("function_wrapper")
        call.problems.append('the call is wrapped in {"function": ...}')
    extra_keys = sorted(set(value) - {"name", "arguments", "parameters"})
    if extra_keys:
        flags.append("unexpected_keys")
        call.problems.append(f"unexpected top-level keys beside name and arguments: {', '.join(extra_keys)}")
    name = value.get("name")
    call.name = name if isinstance(name, str) else None
    if call.name is None:
        call.problems.append("the call has no name")
        flags.append("missing_name")
        return call
    if call.name != TOOL_NAME:
        call.problems.append(f"the call names {call.name!r}, not {TOOL_NAME!r}")
        flags.append("wrong_name")
    if "arguments" in value:
        arguments = value["arguments"]
    elif "parameters" in value:
        arguments = value["parameters"]
        flags.append("parameters_key")
        call.problems.append('arguments are under "parameters"')
    else:
        call.problems.append("the call has no arguments")
        flags.append("missing_code")
        return call
    if isinstance(arguments, str):
        try:
            decoded = json.loads(arguments)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict):
            flags.append("double_encoded_arguments")
            call.problems.append("arguments is a JSON string, not an object (double-encoded)")
            arguments = decoded
        else:
            flags.append("arguments_not_object")
            call.problems.append("arguments is not an object")
            return call
    if not isinstance(arguments, dict):
        flags.append("arguments_not_object")
        call.problems.append("arguments is not an object")
        return call
    call.arguments = arguments
    code = arguments.get("code")
    if code is None:
        flags.append("missing_code")
        call.problems.append('arguments has no "code"')
        return call
    if not isinstance(code, str):
        flags.append("code_not_string")
        call.problems.append('"code" is not a string')
        return call
    call.code = code
    extra = sorted(set(arguments) - {"code"})
    if extra:
        flags.append("unexpected_arguments")
        call.problems.append(f"unexpected arguments: {', '.join(extra)}")
    call.lenient = call.name == TOOL_NAME
    return call


def _looks_like_call(value: dict[str, Any]) -> bool:
    if isinstance(value.get("function"), dict):
        return True
    return "name" in value and ("arguments" in value or "parameters" in value)


def _bare_objects(text: str) -> list[tuple[int, int, Any]]:
    """JSON objects shaped like a call (a name plus arguments) anywhere in ``text``: (start, end, value)."""
    decoder = json.JSONDecoder(strict=False)
    found: list[tuple[int, int, Any]] = []
    pos = 0
    while True:
        start = text.find("{", pos)
        if start < 0:
            return found
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            pos = start + 1
            continue
        if isinstance(value, dict) and _looks_like_call(value):
            found.append((start, end, value))
            pos = end
        else:
            pos = start + 1


def parse_tool_call(text: str) -> ParsedCall:
    """Parse one model reply. Never raises."""
    flags: list[str] = []
    body = text

    body, stripped = strip_leading_think(body)
    if stripped:
        flags.append("think_block_stripped")

    fabricated_at = body.find("<tool_response>")
    if fabricated_at >= 0:
        flags.append("fabricated_tool_response")
        body = body[:fabricated_at]
    body = _END_TOKENS.sub("", body)

    kind: Kind = "none"
    spans: list[tuple[int, int]] = []
    values: list[tuple[Any, bool]] = []
    problems: list[str] = []

    tagged = list(_TAGGED.finditer(body))
    unclosed = None if tagged else _UNCLOSED.search(body)
    if tagged or unclosed:
        kind = "tagged"
        if unclosed is not None:
            tagged = [unclosed]
        for m in tagged:
            spans.append(m.span())
            values.append((m.group(1), True))
    else:
        for m in _FENCED.finditer(body):
            objects = _bare_objects(m.group(2))
            if objects:
                kind = "fenced_json"
                spans.append(m.span())
                values.append((objects[0][2], True))
        if kind == "none":
            for start, end, value in _bare_objects(body):
                kind = "bare_json"
                spans.append((start, end))
                values.append((value, True))

    if spans:
        # Where the call sits: a quoted call (in a code fence or inline code) reaches to its quotes.
        first, last = spans[0], spans[-1]
        q_first = _quoted(first[0], body) if kind == "tagged" else None
        q_last = _quoted(last[0], body) if kind == "tagged" else None
        lo = q_first[0] if q_first else first[0]
        hi = max(q_last[1] if q_last else last[1], last[1])
        before, after = body[:lo], body[hi:]
        quoted = q_first is not None or kind != "tagged"
        if quoted and not _just_the_call(before, after):
            # An example inside prose, not a call: a direct answer may show what a call looks like.
            flags.append("call_quoted_in_prose")
            kind, spans, values = "none", [], []
        else:
            if kind == "tagged":
                if unclosed is not None:
                    flags.append("unclosed_tool_call")
                    problems.append("<tool_call> is never closed")
                decoded = [_decode(v, flags) for v, _ in values]
                values = decoded
                if q_first is not None:
                    flags.append("quoted_call")
                    problems.append("the call is inside a code quote")
                if after.strip():
                    flags.append("text_after_call")
                    problems.append(f"text after the call in the same turn: {after.strip()[:60]!r}")
            else:
                flags.append("untagged_call")
                problems.append(f"the call is {kind.replace('_', ' ')}, not inside <tool_call> tags")
                if after.strip():
                    flags.append("text_after_call")
                    problems.append(f"text after the call in the same turn: {after.strip()[:60]!r}")

    if len(spans) > 1:
        flags.append("multiple_calls")
        problems.append(f"{len(spans)} calls instead of exactly one")

    content = body
    for start, end in reversed(spans):
        content = content[:start] + content[end:]
    content = content.strip()
    if kind == "none" and re.search(r"```(?:python|py)\s*\n", body):
        flags.append("python_block_without_call")

    call = _Call()
    if values:
        value, strict_json = values[0]
        if value is None:
            problems.append("the call is not valid JSON")
        else:
            if not strict_json:
                problems.append("the call JSON holds raw control characters")
            call = _interpret(value, flags)
            problems.extend(call.problems)
    if fabricated_at >= 0:
        problems.append("the reply contains a <tool_response> the model wrote itself")
    if kind == "none":
        problems.insert(0, "no tool call found")

    return ParsedCall(
        strict_ok=not problems and kind == "tagged",
        lenient_ok=call.lenient,
        kind=kind,
        name=call.name,
        code=call.code,
        arguments=call.arguments,
        flags=list(dict.fromkeys(flags)),
        reason="; ".join(problems) if problems else None,
        content=content,
        call_count=len(spans),
    )


__all__ = ["ParsedCall", "parse_tool_call", "strip_leading_think"]
