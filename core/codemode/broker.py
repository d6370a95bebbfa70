"""The parent side of the tools: run each tool call the snippet asks for, and record it here.

The snippet's tools are stubs (``core.codemode._stubs``) that write each call as one JSON line to
a pipe. ``ToolBroker`` reads those requests in a thread of the executor, checks the tool name and
binds the arguments to the real signature, has the real tool run by a confined process of its own
(``spawn``: the same harness and confinement as the snippet, in tool mode, one call per line; it
is started beside the snippet when the code names a tool, or at the first call, and started again
if it dies), and writes the reply back. The call record (arguments, result, error, duration) is written by this process from
what it ran, so the snippet cannot forge one: printing a fake result or writing a file records
nothing. A call cut short by the run's timeout or by the snippet's end is still recorded, with why.
Each record also says whether the tool saw the workspace copy as the fixture's (``workspace``:
files the snippet had changed, or changed while the tool ran; ``core.codemode.pristine``).
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

from core.codemode._capture import kill_group
from core.codemode.pristine import Baseline
from core.codemode.results import ToolCallRecord, WorkspaceCheck
from core.codemode.tools import TOOLS

MAX_CALLS = 1000
"""Requests past this many get an error reply and no tool run."""
MAX_REQUEST_BYTES = 1_000_000
MAX_REPLY_BYTES = 16_000_000
MAX_RECORDED_RESULT = 200_000
"""A result whose JSON is longer than this many characters is recorded without its value."""

Spawn = Callable[[], "subprocess.Popen[bytes]"]


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
        self.baseline: Baseline | None = None
        """The workspace copy as the snippet found it; each call records whether the tool saw it so."""
        self.notes: list[str] = []
        self._req_r, self._req_w = os.pipe()
        self._rep_r, self._rep_w = os.pipe()
        self._stop = threading.Event()
        self._stop_reason = ""
        self._server: subprocess.Popen[bytes] | None = None
        self._out = bytearray()
        self._err = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="codemode-tools", daemon=True)

    @property
    def child_fds(self) -> tuple[int, int]:
        """(request write end, reply read end): the pipe ends the snippet's process inherits."""
        return self._req_w, self._rep_r

    def start(self, warm: bool = False) -> None:
        """Call once the child has started: drops this process's copies of the child's ends; with
        ``warm``, starts the tool process now, so its start overlaps the snippet's."""
        for fd in self.child_fds:
            os.close(fd)
        if warm:
            with self._lock:
                self._ensure_server()
        self._thread.start()

    def stop(self, reason: str) -> None:
        """Stop serving; a call still running is killed and recorded as stopped, with ``reason``."""
        with self._lock:
            self._stop_reason = reason
            self._stop.set()
            server = self._server
            if server is not None:
                kill_group(server)
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if server is not None:
            server.wait()
            for pipe in (server.stdin, server.stdout, server.stderr):
                if pipe is not None:
                    pipe.close()
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
        before = self.baseline.snapshot() if self.baseline is not None else None
        started = time.perf_counter()
        reply = self._run(name, arguments)
        record.duration_s = round(time.perf_counter() - started, 4)
        if self.baseline is not None and before is not None:
            try:
                record.workspace = self.baseline.check(name, arguments, before)
            except Exception as exc:  # noqa: BLE001 - a check that failed leaves the call unverified, not unserved
                record.workspace = WorkspaceCheck(changed=[f"(the workspace check failed: {type(exc).__name__})"])
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

    def _ensure_server(self) -> subprocess.Popen[bytes]:
        if self._server is None or self._server.poll() is not None:
            if self._server is not None:  # it died (killed by a program it ran, say): start another
                for pipe in (self._server.stdin, self._server.stdout, self._server.stderr):
                    if pipe is not None:
                        pipe.close()
            self._server = self.spawn()
            self._out.clear()
            self._err.clear()
            for pipe in (self._server.stdout, self._server.stderr):
                assert pipe is not None
                os.set_blocking(pipe.fileno(), False)
        return self._server

    def _run(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Have the tool process run the real tool, waiting at most until the run's deadline."""
        with self._lock:
            if self._stop.is_set():
                return {"ok": False, "error_type": "TimeoutError", "error": self._stop_reason, "stopped": True}
            try:
                server = self._ensure_server()
                assert server.stdin is not None
                server.stdin.write((json.dumps({"name": name, "arguments": arguments}) + "\n").encode("utf-8"))
                server.stdin.flush()
            except OSError as exc:
                return {"ok": False, "error_type": "RuntimeError", "error": f"the tool could not start: {exc}"}
        line = self._read_reply(server)
        if line is None:
            kill_group(server)
            if self._stop.is_set() or time.monotonic() >= self.deadline:
                why = self._stop_reason or f"the run's {self.timeout_s:g} s timeout expired before the call returned"
                return {"ok": False, "error_type": "TimeoutError", "error": why, "stopped": True}
            tail = self._err.decode("utf-8", errors="replace").strip()[-300:]
            return {"ok": False, "error_type": "RuntimeError",
                    "error": f"the tool's process ended without a reply{': ' + tail if tail else ''}"}
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or "ok" not in reply:
            return {"ok": False, "error_type": "RuntimeError", "error": "the tool's process gave no readable reply"}
        return reply

    def _read_reply(self, server: subprocess.Popen[bytes]) -> bytes | None:
        """One reply line from the tool process; None when it ends, the run is stopped or the deadline passes."""
        assert server.stdout is not None and server.stderr is not None
        out, err = server.stdout.fileno(), server.stderr.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(out, selectors.EVENT_READ)
            sel.register(err, selectors.EVENT_READ)
            while b"\n" not in self._out:
                left = self.deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return None
                for key, _ in sel.select(timeout=min(left, 0.05)):
                    try:
                        chunk = os.read(key.fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        if key.fd == out:
                            return None
                        sel.unregister(err)
                    elif key.fd == out:
                        self._out.extend(chunk)
                        if len(self._out) > MAX_REPLY_BYTES:
                            return None
                    else:
                        self._err[:] = (self._err + chunk)[-4000:]
        line, _, rest = bytes(self._out).partition(b"\n")
        self._out[:] = rest
        return line


__all__ = ["MAX_CALLS", "ToolBroker"]
