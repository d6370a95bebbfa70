"""Getting events from a pipeline (or a run someone else is writing) to the UI thread.

A worker thread puts every event into an :class:`EventFeed`; the feed rings a "doorbell" (a Textual
message) only when the UI has drained the previous batch. The UI applies everything queued in one
go and redraws once, so a flood of TrainReport/MemorySample events costs one redraw per UI tick,
and no event is ever dropped (the curves need all of them).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import events as ev
from core.procs import is_stage_process, process_alive
from core.runs import Run, list_runs
from core.state import RunState


class EventFeed:
    """A thread-safe queue of events with a coalescing doorbell."""

    def __init__(self, ring: Callable[[], Any]):
        self._ring = ring
        self._queue: deque[ev.Event] = deque()
        self._lock = threading.Lock()
        self._pending = False
        self.put_count = 0

    def put(self, event: ev.Event) -> None:
        with self._lock:
            self._queue.append(event)
            self.put_count += 1
            ring = not self._pending
            self._pending = True
        if ring:
            self._ring()

    def drain(self) -> list[ev.Event]:
        with self._lock:
            self._pending = False
            out = list(self._queue)
            self._queue.clear()
        return out


# -- runs written by another process ------------------------------------------------------
@dataclass
class Attachable:
    run: Run
    stage: str | None
    pid: int | None
    reason: str


def _pid_alive(pid: int | None) -> bool:
    """A live process other than this one (a zombie is not alive)."""
    return bool(pid) and pid != os.getpid() and process_alive(pid)


def _is_stage_process(pid: int | None) -> bool:
    """A live pid that is really a stage process (not a recycled pid)."""
    return _pid_alive(pid) and is_stage_process(pid)


def find_attachable(runs_dir: Path, look_at: int = 5) -> Attachable | None:
    """A recent run that is still being written: its lock is held by a live process, or its stage
    process is alive and the run has no RunFinished (the dashboard left it running)."""
    for run in list_runs(runs_dir)[:look_at]:
        events, _ = ev.read_events(run.events_path)
        if any(isinstance(e, ev.RunFinished) for e in events):
            continue
        state = RunState.from_events(events)
        stage, pid = state.running_stage, state.running_pid
        holder = run.lock().holder_pid()
        if holder is not None:
            return Attachable(run, stage, pid, f"being written by pid {holder}")
        if stage is not None and _is_stage_process(pid):
            return Attachable(run, stage, pid, f"stage {stage} still running (pid {pid})")
    return None


def follow_run(
    run: Run, stop: threading.Event, interval: float = 0.1, writer_pid: int | None = None
) -> Iterator[Any]:
    """Every event of a run, then new ones as they land, until the run finishes, nobody writes
    it any more, or ``stop`` is set."""
    tail = ev.EventTail(run.events_path)
    events = tail.poll()
    yield from events
    state = RunState.from_events(events)
    finished = any(isinstance(e, ev.RunFinished) for e in events)
    quiet_since: float | None = None
    while not finished and not stop.is_set():
        time.sleep(interval)
        new = tail.poll()
        for e in new:
            if isinstance(e, ev.RunFinished):
                finished = True
            yield e
        for e in new:
            state.apply(e)
        alive = _pid_alive(state.running_pid) or run.lock().holder_pid() is not None or _pid_alive(writer_pid)
        if alive:
            quiet_since = None
        else:
            quiet_since = quiet_since or time.time()
            if time.time() - quiet_since > 3 * interval:  # let the last lines land
                yield from tail.poll()
                return


def interrupt_stage(pid: int | None) -> bool:
    """Ask a stage process we did not start to stop gracefully (SIGINT to its process group)."""
    if not _is_stage_process(pid):
        return False
    try:
        os.killpg(int(pid), signal.SIGINT)  # type: ignore[arg-type]
    except (ProcessLookupError, PermissionError):
        return False
    return True
