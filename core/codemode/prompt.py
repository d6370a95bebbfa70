"""The Code Mode prompt: the ``execute_code`` tool schema, typed tool stubs, chat rendering.

The stubs are generated from the tool signatures and the Pydantic result models,
so adding a field to a model changes what the model is told. Rendering goes
through the real Qwen chat templates (vendored in data/templates) with the same
Jinja settings as Hugging Face's ``apply_chat_template``.
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

import core

Family = Literal["qwen2.5", "qwen3"]
TOOL_NAME = "execute_code"
TEMPLATE_FILES: dict[str, str] = {"qwen2.5": "qwen2.5-instruct.jinja", "qwen3": "qwen3.jinja"}

_PROJECT_ROOT = Path(core.__file__).resolve().parent.parent


# --------------------------------------------------------------------------- schema


def execute_code_tool_schema() -> dict[str, Any]:
    """The single tool the model sees, in Qwen/OpenAI tools format."""
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": (
                "Run Python code in a sandbox whose working directory is the project. The typed tools "
                "typecheck, ruff_check, pytest_run, read_file and run_command are already imported; each "
                "returns a Pydantic model. Only what the code prints comes back."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Python source that calls the tools and prints what the answer needs.",
                    }
                },
                "required": ["code"],
            },
        },
    }


# --------------------------------------------------------------------------- stubs


def _default_tools() -> Mapping[str, Callable[..., Any]]:
    from core.codemode.tools import TOOLS

    return TOOLS


def _format_type(tp: Any, models: list[type[BaseModel]]) -> str:
    """Render a type annotation as Python source; collect Pydantic models it mentions."""
    if tp is None or tp is type(None):
        return "None"
    if tp is Any:
        return "Any"
    if isinstance(tp, str):
        return tp
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_format_type(a, models) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_format_type(a, models) for a in args)}]" if args else name
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        _collect_model(tp, models)
        return tp.__name__
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _collect_model(model: type[BaseModel], models: list[type[BaseModel]]) -> None:
    if model in models:
        return
    for field in model.model_fields.values():
        _format_type(field.annotation, models)  # nested models first
    models.append(model)


def _resolved_signature(fn: Callable[..., Any]) -> inspect.Signature:
    try:
        return inspect.signature(fn, eval_str=True)
    except NameError:  # an annotation names something local; show it as written
        return inspect.signature(fn)


def _format_default(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _signature(name: str, fn: Callable[..., Any], models: list[type[BaseModel]]) -> str:
    sig = _resolved_signature(fn)
    params: list[str] = []
    star_done = False
    for param in sig.parameters.values():
        if param.kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            params.append("*")
            star_done = True
        text = param.name
        if param.annotation is not inspect.Parameter.empty:
            text += f": {_format_type(param.annotation, models)}"
        if param.default is not inspect.Parameter.empty:
            text += f" = {_format_default(param.default)}"
        params.append(text)
    ret = (
        ""
        if sig.return_annotation is inspect.Signature.empty
        else f" -> {_format_type(sig.return_annotation, models)}"
    )
    return f"def {name}({', '.join(params)}){ret}"


def _first_line(doc: str | None) -> str:
    return (inspect.cleandoc(doc).splitlines() or [""])[0] if doc else ""


def _compact_fields(model: type[BaseModel]) -> str:
    """Field names; the type only where it names another model (the rest is obvious from the name)."""
    parts = []
    for name, field in model.model_fields.items():
        nested: list[type[BaseModel]] = []
        text = _format_type(field.annotation, nested)
        parts.append(f"{name}: {text}" if nested else name)
    return ", ".join(parts)


def _compact_stubs(tools: Mapping[str, Callable[..., Any]]) -> str:
    lines: list[str] = []
    shown: set[type[BaseModel]] = set()
    for name, fn in tools.items():
        sig = _resolved_signature(fn)
        params = []
        star_done = False
        for param in sig.parameters.values():
            if param.kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
                params.append("*")
                star_done = True
            has_default = param.default is not inspect.Parameter.empty
            params.append(f"{param.name}={_format_default(param.default)}" if has_default else param.name)
        models: list[type[BaseModel]] = []
        ret = sig.return_annotation
        _format_type(ret, models)
        head = f"{name}({', '.join(params)})"
        if isinstance(ret, type) and issubclass(ret, BaseModel):
            lines.append(f"{head} -> {ret.__name__}({_compact_fields(ret)})")
            shown.add(ret)
        else:
            lines.append(head)
        for model in models:
            if model not in shown:
                lines.append(f"  {model.__name__}({_compact_fields(model)})")
                shown.add(model)
    return "\n".join(lines)


def tool_stubs(tools: Mapping[str, Callable[..., Any]] | None = None, *, compact: bool = False) -> str:
    """Typed Python stubs of the tools and their result models, generated from the code.

    ``tools`` defaults to the five real tools. The full form has the models as
    classes with a comment per field and each function with its docstring; the
    compact form has one line per model and per function.
    """
    tools = _default_tools() if tools is None else tools
    models: list[type[BaseModel]] = []
    signatures = [(_signature(name, fn, models), fn) for name, fn in tools.items()]
    lines: list[str] = []
    if compact:
        return _compact_stubs(tools)
    for model in models:
        lines.append(f"class {model.__name__}:")
        doc = _first_line(model.__doc__)
        if doc:
            lines.append(f'    """{doc}"""')
        for fname, field in model.model_fields.items():
            line = f"    {fname}: {_format_type(field.annotation, models)}"
            if field.description:
                line += f"  # {field.description}"
            lines.append(line)
        lines.append("")
    for sig, fn in signatures:
        lines.append(f"{sig}:")
        lines.append(f'    """{_first_line(fn.__doc__) or "..."}"""')
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- system prompt


def system_prompt(compact: bool = False, tools: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """The Code Mode system prompt, with the tool stubs.

    ``compact=True`` is for the tiny demo models, where every prompt token costs
    CPU time: same rules and the same tools and fields, said tersely.
    """
    if compact:
        return (
            "Code Mode. A question about the project: reply with exactly one execute_code call whose "
            "Python calls these tools and prints the answer. A conceptual question: answer in text, no call.\n"
            + tool_stubs(tools, compact=True)
        )
    return (
        "You are a coding assistant working inside a Python project. You have one tool, execute_code, "
        "which runs Python code in a sandbox whose working directory is the project.\n\n"
        "When a question needs facts from the project (type errors, lint violations, test results, "
        "file contents, command output), answer with exactly one execute_code call. Its code calls the "
        'typed tools below, reads their results by attribute (r.error_count, never r["error_count"]), '
        "and prints exactly what the answer needs: only printed output comes back to you. The tools and "
        "their result classes are already imported; do not define or import them.\n\n"
        "When a question is conceptual (how something works, what a term means, which approach is "
        "better), answer directly in plain text and do not call any tool.\n\n"
        "Tools available inside execute_code:\n```python\n" + tool_stubs(tools) + "```"
    )


# --------------------------------------------------------------------------- messages and rendering


def assistant_tool_call(code: str, content: str = "") -> dict[str, Any]:
    """An assistant message holding one execute_code call; ``arguments`` is a dict, never a JSON string.

    (The Qwen2.5 template applies ``tojson`` to ``arguments``: a string there
    would train a double-encoded call.)
    """
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [{"type": "function", "function": {"name": TOOL_NAME, "arguments": {"code": code}}}],
    }


def tool_message(content: str) -> dict[str, Any]:
    """The tool's answer (e.g. ``ExecutionResult.to_tool_response()``) as a chat message."""
    return {"role": "tool", "content": content}


def template_path(family: Family | str) -> Path:
    """The chat template file for a model family, from data/templates (or ../shared/templates)."""
    try:
        filename = TEMPLATE_FILES[family]
    except KeyError:
        raise ValueError(
            f"unknown template family {family!r}; expected one of {sorted(TEMPLATE_FILES)}"
        ) from None
    for folder in (_PROJECT_ROOT / "data" / "templates", _PROJECT_ROOT.parent / "shared" / "templates"):
        if (folder / filename).is_file():
            return folder / filename
    raise FileNotFoundError(f"chat template {filename} not found in data/templates or ../shared/templates")


@functools.cache
def _compiled(path: str) -> Any:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None,
               sort_keys: bool = False) -> str:  # fmt: skip
        # Hugging Face's tojson: no HTML escaping, non-ASCII kept.
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env.from_string(Path(path).read_text(encoding="utf-8"))


def render_chat(
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None,
    family: Family | str,
    *,
    add_generation_prompt: bool = False,
) -> str:
    """Render messages (and tools) through the family's real chat template.

    For "qwen3" ``enable_thinking=False`` is passed, so a generation prompt ends
    with the empty ``<think>`` block the model expects in non-thinking mode.
    """
    template = _compiled(str(template_path(family)))
    extra: dict[str, Any] = {"enable_thinking": False} if family == "qwen3" else {}
    return str(
        template.render(
            messages=[dict(m) for m in messages],
            tools=[dict(t) for t in tools] if tools else None,
            add_generation_prompt=add_generation_prompt,
            **extra,
        )
    )


__all__ = [
    "TEMPLATE_FILES",
    "TOOL_NAME",
    "assistant_tool_call",
    "execute_code_tool_schema",
    "render_chat",
    "system_prompt",
    "template_path",
    "tool_message",
    "tool_stubs",
]
