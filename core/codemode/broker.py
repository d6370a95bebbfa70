"""The parent side of the tools: run each tool call the snippet asks for, and record it here.

The snippet's tools are stubs (``core.codemode._stubs``) that write each call as one JSON line to
a pipe. ``ToolBroker`` reads those requests in a thread of the executor, checks the tool name and
binds the arguments to the real signature, runs the real tool in a fresh confined process of its
own (``spawn``: the same harness and confinement as the snippet, in tool mode), and writes the
reply back. The call record (arguments, result, error, duration) is written by this process from
what it ran, so the snippet cannot forge one: printing a fake result or writing a file records
nothing. A call cut short by the run's timeout or by the snippet's end is still recorded, with why.
"""

from __future__ import annotations

import inspect
import json
import os
import selectors
import subprocess
import threading
import time
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from core.codemode._capture import collect, kill_group
from core.codemode.results import ToolCallRecord
from core.codemode.tools import TOOLS

MAX_CALLS = 1000
"""Requests past this many get an error reply and no tool run."""
MAX_REQUEST_BYTES = 1_000_000
MAX_REPLY_BYTES = 16_000_000
MAX_RECORDED_RESULT = 200_000
"""A result whose JSON is longer than this many characters is recorded without its value."""

Spawn = Callable[[str, dict[str, Any]], "subprocess.Popen[bytes]"]


def _model(name: str) -> type[BaseModel]:
    ret = typing.get_type_hints(TOOLS[name])["return"]
    assert isinstance(ret, type) and issubclass(ret, BaseModel)
    return ret


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


class ToolBroker:
    """Serves one run's tool calls until ``stop``; ``records`` are the calls, in order."""

    def __init__(self, spawn: Spawn, deadline: float, timeout_s: float) -> None:
        self.spawn = spawn
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.records: list[ToolCallRecord] = []
        self.notes: list[str] = []
        self._req_r, self._req_w = os.pipe()
        self._rep_r, self._rep_w = os.pipe()
        self._stop = threading.Event()
        self._stop_reason = ""
        self._current: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="codemode-tools", daemon=True)

    @property
    def child_fds(self) -> tuple[int, int]:
        """(request write end, reply read end): the pipe ends the snippet's process inherits."""
        return self._req_w, self._rep_r

    def start(self) -> None:
        """Call once the child has started: drops this process's copies of the child's ends."""
        for fd in self.child_fds:
            os.close(fd)
        self._thread.start()

    def stop(self, reason: str) -> None:
        """Stop serving; a call still running is killed and recorded as stopped, with ``reason``."""
        with self._lock:
            self._stop_reason = reason
            self._stop.set()
            if self._current is not None:
                kill_group(self._current)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for fd in (self._req_r, self._rep_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def close_unstarted(self) -> None:
        for fd in (*self.child_fds, self._req_r, self._rep_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- serving ---------------------------------------------------------------------------
    def _serve(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._req_r, selectors.EVENT_READ)
        pending = bytearray()
        try:
            while not self._stop.is_set():
                if not sel.select(timeout=0.05):
                    continue
                chunk = os.read(self._req_r, 65536)
                if not chunk:
                    return  # every writer is gone
                pending.extend(chunk)
                while b"\n" in pending:
                    line, _, rest = bytes(pending).partition(b"\n")
                    pending[:] = rest
                    self._reply(self._handle(line))
                if len(pending) > MAX_REQUEST_BYTES:
                    self.notes.append("a tool request over 1 MB: stopped serving tool calls")
                    return
        except OSError:
            return
        finally:
            sel.close()

    def _reply(self, reply: dict[str, Any]) -> None:
        data = (json.dumps(reply) + "\n").encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._rep_w, view):]
        except OSError:  # the snippet's process is gone: its call ran, but the result never reached it
            call = reply.get("call")
            if isinstance(call, int) and 0 <= call < len(self.records):
                self.records[call].delivered = False

    def _handle(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError:
            return {"ok": False, "error_type": "ValueError", "error": "a tool request that is not JSON"}
        name = request.get("name") if isinstance(request, dict) else None
        arguments = request.get("arguments") if isinstance(request, dict) else None
        if not isinstance(name, str) or name not in TOOLS:
            return {"ok": False, "error_type": "NameError", "error": f"no tool named {name!r}"}
        if not isinstance(arguments, dict) or not all(isinstance(k, str) and _scalar(v) for k, v in arguments.items()):
            return {"ok": False, "error_type": "TypeError", "error": f"{name}(): arguments must be strings or numbers"}
        if len(self.records) >= MAX_CALLS:
            return {"ok": False, "error_type": "RuntimeError", "error": f"more than {MAX_CALLS} tool calls"}
        record = ToolCallRecord(name=name, arguments=arguments, ok=False, recorded_by="executor")
        self.records.append(record)
        index = len(self.records) - 1
        try:
            inspect.signature(TOOLS[name]).bind(**arguments)
        except TypeError as exc:
            record.error = f"TypeError: {exc}"
            record.delivered = True
            return {"ok": False, "error_type": "TypeError", "error": str(exc), "call": index}
        started = time.perf_counter()
        reply = self._run(name, arguments)
        record.duration_s = round(time.perf_counter() - started, 4)
        if reply.get("ok"):
            try:
                model = _model(name).model_validate(reply.get("result"))
            except ValidationError as exc:
                reply = {"ok": False, "error_type": "RuntimeError", "error": f"the tool's reply did not validate: {exc}"}
            else:
                data = model.model_dump(mode="json")
                record.ok, record.result_type = True, type(model).__name__
                record.result = data if len(json.dumps(data)) <= MAX_RECORDED_RESULT else None
                return {"ok": True, "result": data, "call": index}
        record.error = f"{reply.get('error_type')}: {reply.get('error')}"[:300]
        record.delivered = not reply.get("stopped", False)
        return {**reply, "call": index}

    def _run(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run the real tool in its own confined process, at most until the run's deadline."""
        with self._lock:
            if self._stop.is_set():
                return {"ok": False, "error_type": "TimeoutError", "error": self._stop_reason, "stopped": True}
            try:
                proc = self.spawn(name, arguments)
            except OSError as exc:
                return {"ok": False, "error_type": "RuntimeError", "error": f"the tool could not start: {exc}"}
            self._current = proc
        try:
            cap = collect(proc, max_bytes=MAX_REPLY_BYTES, timeout=max(0.05, self.deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                kill_group(proc)
            proc.wait()
            with self._lock:
                self._current = None
        if self._stop.is_set() or cap.timed_out:
            why = self._stop_reason or f"the run's {self.timeout_s:g} s timeout expired before the call returned"
            return {"ok": False, "error_type": "TimeoutError", "error": why, "stopped": True}
        try:
            reply = json.loads(cap.stdout or b"{}")
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or "ok" not in reply:
            tail = cap.stderr.decode("utf-8", errors="replace").strip()[-300:]
            return {"ok": False, "error_type": "RuntimeError",
                    "error": f"the tool's process gave no reply (exit {proc.returncode}){': ' + tail if tail else ''}"}
        return reply


__all__ = ["MAX_CALLS", "ToolBroker"]
