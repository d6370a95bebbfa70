"""The child side of the tool broker: stubs with the tools' signatures, and a trace of field reads.

Inside ``execute_code`` the snippet's ``typecheck``, ``ruff_check`` ... are these stubs, not the
tools. A stub binds its arguments as the tool would, sends ``{"name", "arguments"}`` as one JSON
line to the executor (the parent process), waits for the reply, and turns it back into the tool's
Pydantic model, or raises the tool's error. The executor runs the real tool in a confined process
of its own and records the call itself, so nothing the snippet does can write a call record.

Each returned model (and every model nested in it) is marked with the index of its call; reading
one of its fields adds ``(call, path)`` to the trace (``errors[2].line``). The harness reports the
trace when the snippet ends; the scorer looks the values up in the executor's own records.

Standard library and Pydantic only; imported by the harness from the project root.
"""

from __future__ import annotations

import builtins
import inspect
import json
import os
import threading
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

MAX_READS = 2000
"""At most this many distinct field reads are traced."""

_lock = threading.Lock()
_channel: list[int] = []
_pending = bytearray()
_reads: dict[tuple[int, str], None] = {}
_where: dict[int, tuple[int, str]] = {}
_alive: list[BaseModel] = []  # keeps every marked model alive, so its id is never reused
_tracked: dict[type, type] = {}


def connect(request_fd: int, reply_fd: int) -> None:
    """Use these pipe ends (inherited from the executor) for every call."""
    _channel[:] = [request_fd, reply_fd]


def reads() -> list[dict[str, Any]]:
    """The field reads traced so far, in first-read order."""
    return [{"call": call, "path": path} for call, path in list(_reads)]


def _exchange(message: dict[str, Any]) -> dict[str, Any]:
    if not _channel:
        raise RuntimeError("the tools are not connected to the executor")
    data = (json.dumps(message) + "\n").encode("utf-8")
    with _lock:
        request_fd, reply_fd = _channel
        view = memoryview(data)
        while view:
            view = view[os.write(request_fd, view):]
        while b"\n" not in _pending:
            chunk = os.read(reply_fd, 65536)
            if not chunk:
                raise RuntimeError("the executor closed the tool channel")
            _pending.extend(chunk)
        line, _, rest = bytes(_pending).partition(b"\n")
        _pending[:] = rest
    reply = json.loads(line)
    if not isinstance(reply, dict):
        raise RuntimeError("the executor's reply is not an object")
    return reply


def _tracked_class(cls: type[BaseModel]) -> type[BaseModel]:
    if cls not in _tracked:
        fields = frozenset(cls.model_fields)

        def __getattribute__(self: BaseModel, name: str) -> Any:
            value = object.__getattribute__(self, name)
            if name in fields:
                where = _where.get(id(self))
                if where is not None and len(_reads) < MAX_READS:
                    _reads.setdefault((where[0], where[1] + name))
            return value

        meta: Any = type(cls)
        _tracked[cls] = meta(cls.__name__, (cls,), {
            "__getattribute__": __getattribute__, "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__})
    return _tracked[cls]


def _mark(obj: Any, call: int, prefix: str) -> None:
    if not isinstance(obj, BaseModel):
        return
    cls = type(obj)
    for name in cls.model_fields:
        value = obj.__dict__.get(name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                _mark(item, call, f"{prefix}{name}[{i}].")
        else:
            _mark(value, call, f"{prefix}{name}.")
    obj.__class__ = _tracked_class(cls)
    _where[id(obj)] = (call, prefix)
    _alive.append(obj)


def _plain(tool: str, key: str, value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{tool}(): argument {key!r} must be a string or a number, not {type(value).__name__}")


def _error(reply: dict[str, Any], tool_error: type[Exception]) -> Exception:
    kind, message = str(reply.get("error_type") or "RuntimeError"), str(reply.get("error") or "")
    if kind == "ToolError":
        return tool_error(message)
    cls = getattr(builtins, kind, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(message)
    return RuntimeError(f"{kind}: {message}")


def _stub(name: str, fn: Callable[..., Any], tool_error: type[Exception]) -> Callable[..., Any]:
    sig = inspect.signature(fn)
    model = typing.get_type_hints(fn)["return"]

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(*args, **kwargs)  # a wrong call raises TypeError here, as the tool would
        arguments = {k: _plain(name, k, v) for k, v in bound.arguments.items()}
        reply = _exchange({"name": name, "arguments": arguments})
        if not reply.get("ok"):
            raise _error(reply, tool_error)
        result = model.model_validate(reply.get("result"))
        _mark(result, int(reply.get("call", -1)), "")
        return result

    call.__name__ = call.__qualname__ = name
    call.__doc__ = fn.__doc__
    call.__signature__ = sig  # type: ignore[attr-defined]
    return call


_made: dict[str, Callable[..., Any]] = {}


def stubs() -> dict[str, Callable[..., Any]]:
    """A stub per tool, named like it. They also replace the functions of ``core.codemode.tools`` in
    this process, so ``from core.codemode.tools import *`` gets them too."""
    if not _made:
        import core.codemode.tools as tools

        _made.update({name: _stub(name, fn, tools.ToolError) for name, fn in tools.TOOLS.items()})
        for name, stub in _made.items():
            setattr(tools, name, stub)
            tools.TOOLS[name] = stub
    return dict(_made)
