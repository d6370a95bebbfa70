"""Processes of this host: whether one is alive, and whether it really is a phase25 stage.

A zombie (exited, not yet reaped) is not alive, and a pid that now belongs to another program
(pids are reused) is not a stage. When the system will not say (no permission), a process counts
as alive: a lock or a run is never taken from a writer that may still be there.
"""

from __future__ import annotations

from pathlib import Path

import psutil

STAGE_MODULES = ("core.stages", "core.stages.train_worker")  # what a phase25 stage process runs


def process_alive(pid: object) -> bool:
    """A process that exists and has not exited."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.AccessDenied:
        return True
    except psutil.Error:
        return False


def is_stage_process(pid: object, run_dir: Path | str | None = None) -> bool:
    """A live process running a phase25 stage (``python -m core.stages`` or a training worker),
    and, with ``run_dir``, one writing that run."""
    if not process_alive(pid):
        return False
    try:
        cmd = psutil.Process(pid).cmdline()  # type: ignore[arg-type]
    except psutil.AccessDenied:
        return True
    except psutil.Error:
        return False
    if not any(arg in STAGE_MODULES for arg in cmd):
        return False
    if run_dir is None:
        return True
    dirs = [cmd[i + 1] for i, arg in enumerate(cmd[:-1]) if arg == "--run-dir"]
    return any(Path(d).name == Path(run_dir).name for d in dirs)
