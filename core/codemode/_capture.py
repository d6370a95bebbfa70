"""Read a child's stdout and stderr incrementally, keeping at most a cap of each.

A child that prints gigabytes must not fill the parent's memory: bytes past the
cap are read and dropped, so the child never blocks on a full pipe either.
Used by ``run_command`` (inside the sandbox) and by the executor (outside it).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_CHUNK = 65536


@dataclass
class Captured:
    """What came out of a child, capped."""

    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    stdout_bytes_total: int = 0
    stderr_bytes_total: int = 0
    _bufs: dict[int, bytearray] = field(default_factory=dict, repr=False)


def kill_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the child's whole process group (it must lead its own session)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.send_signal(sig)
    except (ProcessLookupError, OSError):
        pass


def collect(
    proc: subprocess.Popen[bytes],
    *,
    max_bytes: int,
    timeout: float | None,
    on_tick: Callable[[], None] | None = None,
    tick_s: float = 0.05,
    linger_s: float = 0.5,
) -> Captured:
    """Drain ``proc.stdout``/``proc.stderr`` until both close and the child exits.

    Keeps the first ``max_bytes`` of each stream. On ``timeout`` (wall-clock
    seconds) the child's process group is killed and ``timed_out`` is set.
    ``on_tick`` is called about every ``tick_s`` seconds while waiting (the
    executor samples process counts there). When the child has exited but a
    descendant still holds a pipe open, reading stops after ``linger_s``.
    """
    cap = Captured()
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    sel = selectors.DefaultSelector()
    streams: dict[int, str] = {}
    names: dict[int, str] = {}
    for name in ("stdout", "stderr"):
        pipe = getattr(proc, name)
        if pipe is not None:
            fd = pipe.fileno()
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ, name)
            streams[fd] = name
            names[fd] = name
            cap._bufs[fd] = bytearray()
    exited_at: float | None = None
    last_tick = start
    try:
        while streams:
            now = time.monotonic()
            if deadline is not None and now >= deadline and not cap.timed_out:
                cap.timed_out = True
                kill_group(proc)
                exited_at = now  # give the pipes a short while to drain, then stop
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > linger_s:
                break
            wait = tick_s
            if deadline is not None and not cap.timed_out:
                wait = max(0.0, min(wait, deadline - now))
            for key, _ in sel.select(timeout=wait):
                fd = key.fd
                try:
                    chunk = os.read(fd, _CHUNK)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    sel.unregister(fd)
                    del streams[fd]
                    continue
                name = key.data
                setattr(cap, f"{name}_bytes_total", getattr(cap, f"{name}_bytes_total") + len(chunk))
                buf = cap._bufs[fd]
                room = max_bytes - len(buf)
                if room > 0:
                    buf += chunk[:room]
                if len(chunk) > room:
                    setattr(cap, f"{name}_truncated", True)
            if on_tick is not None and time.monotonic() - last_tick >= tick_s:
                last_tick = time.monotonic()
                on_tick()
    finally:
        sel.close()
    # Both pipes closed (or we gave up on them): wait for the child itself.
    while proc.poll() is None:
        now = time.monotonic()
        if deadline is not None and now >= deadline and not cap.timed_out:
            cap.timed_out = True
            kill_group(proc)
        try:
            proc.wait(timeout=tick_s)
        except subprocess.TimeoutExpired:
            pass
        if on_tick is not None:
            on_tick()
    for fd, buf in cap._bufs.items():
        setattr(cap, names[fd], bytes(buf))
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    return cap
