"""One line per past run, as the ``phase25 runs`` table and the dashboard's Runs screen list them:
its config, stages, status (as the run state derives it, with the writer's liveness) and duration.

Foundation: reads run folders and their events; both the CLI and the dashboard call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core import events as ev
from core.runs import Run, list_runs
from core.state import RunState


@dataclass
class RunRow:
    run: Run
    created: float | None
    config: str  # the config file's name
    demo: bool
    stages: list[str]
    status: str
    duration_s: float | None
    events: int
    bad: int
    state: RunState


@dataclass
class UnreadableRun:
    run: Run
    reason: str  # one line: 'field: message' for a bad run.json


def unreadable_reason(exc: Exception) -> str:
    """One line: a pydantic error as 'field: message', else the exception's text."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ())) or "run.json"
            return f"{where}: {first.get('msg', exc)}"
        except (IndexError, TypeError, AttributeError):
            pass
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def read_row(run: Run) -> RunRow | UnreadableRun:
    try:
        info = run.info()
    except (OSError, ValueError) as exc:
        return UnreadableRun(run, unreadable_reason(exc))
    events, bad = ev.read_events(run.events_path)
    state = RunState.from_events(events)
    status = state.derived_status(alive=run.writer_alive(state.running_pid))
    duration = state.duration_s
    if status == "running" and state.started is not None:
        duration = time.time() - state.started
    return RunRow(run, info.created, Path(info.config_path).name, info.demo, list(info.stages),
                  status, duration, len(events), len(bad), state)


def index(runs_dir: Path, limit: int | None = None) -> list[RunRow | UnreadableRun]:
    """The newest ``limit`` runs first."""
    return [read_row(run) for run in list_runs(runs_dir)[:limit]]
