"""Recording Code Mode tool calls: each call's name, arguments, typed result (as JSON), outcome and
time, appended to the JSON-lines file named by ``PHASE25_CODEMODE_CALLS``. The executor sets it and
reads the records back; the scorer evaluates facts over the recorded results.

The records are written from inside the sandboxed process, next to the model's own code: they say
what the tools returned to the code, not a tamper-proof log.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

RECORD_ENV = "PHASE25_CODEMODE_CALLS"
"""Environment variable naming the JSON-lines file that tool calls are recorded to."""

F = TypeVar("F", bound=Callable[..., Any])



def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return repr(value)[:200]


MAX_RECORDED_RESULT = 200_000
"""A result whose JSON is longer than this many characters is recorded without its value."""


def _result_record(result: Any) -> dict[str, Any] | None:
    """The typed result as JSON data, so a scorer can evaluate expressions over what this run got."""
    dump = getattr(result, "model_dump", None)
    if dump is None:
        return None
    data = dump(mode="json")
    return data if len(json.dumps(data)) <= MAX_RECORDED_RESULT else None


def _append_record(target: str, record: dict[str, Any]) -> None:
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    except OSError:
        pass  # recording must never break the tool itself


def recorded(fn: F) -> F:
    """Wrap a tool so each call is appended to the file named by RECORD_ENV (when it is set)."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        target = os.environ.get(RECORD_ENV)
        if not target:
            return fn(*args, **kwargs)
        try:
            arguments = {k: _jsonable(v) for k, v in sig.bind(*args, **kwargs).arguments.items()}
        except TypeError:
            arguments = {"args": _jsonable(list(args)), **{k: _jsonable(v) for k, v in kwargs.items()}}
        started = time.perf_counter()
        record: dict[str, Any] = {"name": fn.__name__, "arguments": arguments}
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            record.update(
                result_type=None,
                ok=False,
                error=f"{type(exc).__name__}: {exc}"[:300],
                duration_s=round(time.perf_counter() - started, 4),
            )
            _append_record(target, record)
            raise
        record.update(
            result_type=type(result).__name__,
            result=_result_record(result),
            ok=True,
            error=None,
            duration_s=round(time.perf_counter() - started, 4),
        )
        _append_record(target, record)
        return result

    return wrapper  # type: ignore[return-value]
