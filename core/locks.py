"""Lock files: one process at a time writes a run (:class:`RunLock`) or an experiment's outputs
(:class:`ExperimentLock`). A lock names its holder; one whose processes have all gone is taken over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Self

from core.config import ExperimentConfig
from core.procs import is_stage_process, process_alive


class LockedError(RuntimeError):
    def __init__(self, path: Path, holder: dict[str, Any], what: str | None = None):
        self.path = path
        self.holder = holder
        pid = holder.get("pid")
        host = holder.get("host", "?")
        run = holder.get("run")
        stage_pid = holder.get("stage_pid")
        what = what or f"{path.name} is"
        super().__init__(
            f"{what} being written by pid {pid} on {host}" + (f" (run {run})" if run else "")
            + (f", with its stage pid {stage_pid}" if stage_pid and stage_pid != pid else "")
            + f", since {time.strftime('%H:%M:%S', time.localtime(holder.get('since', 0)))}; lock file: {path}"
        )


class FileLock:
    """An exclusive lock file holding its owner's pid, host and start time (and ``info``).

    The lock is written whole to a temp file and then linked into place, so a reader never sees
    an empty or half-written lock. A second process gets :class:`LockedError` naming the holder.
    The lock may also name a stage process (``stage_pid``) that writes for its holder: it stays
    held while either lives. A lock whose processes on this host have all gone is taken over.
    """

    what: str | None = None  # how LockedError names the locked thing ("... is")

    def __init__(self, path: Path, **info: Any):
        self.path = Path(path)
        self.info = info
        self.held = False

    def _holder(self, path: Path | None = None) -> dict[str, Any]:
        try:
            data = json.loads((path or self.path).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def holder_pid(self) -> int | None:
        """The pid recorded by the live holder of this lock; None when it is free or stale."""
        holder = self._holder()
        pid = holder.get("pid")
        return pid if isinstance(pid, int) and not self._stale(holder) else None

    def _stale(self, holder: dict[str, Any]) -> bool:
        """A lock of this host whose holder and stage have both gone (a zombie has gone; a
        stage's pid counts only while it still runs a stage, not once another program got it)."""
        pid = holder.get("pid")
        if not isinstance(pid, int) or holder.get("host") != socket.gethostname():
            return False
        run = holder.get("run") if isinstance(holder.get("run"), str) else None  # a stage of that run
        holder_up = is_stage_process(pid, run) if holder.get("handed_over") else process_alive(pid)
        return not (holder_up or is_stage_process(holder.get("stage_pid"), run))

    def _write_tmp(self, content: dict[str, Any]) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(content, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        return Path(tmp)

    def _create(self, content: dict[str, Any]) -> bool:
        """Put the lock in place with its content; False when one is there already."""
        tmp = self._write_tmp(content)
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links: exclusive create, then fill
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "w") as fh:
                json.dump(content, fh)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _take_over(self, stale: dict[str, Any]) -> None:
        """Remove a dead holder's lock. Take-overs queue on an flock of the lock's folder (no
        file is left behind), and the lock is removed only if it still holds the stale content:
        one another process took in the meantime stays."""
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # a filesystem without flock: the content check alone
                pass
            if self._holder() == stale:
                self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing drops the flock

    def acquire(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), **self.info}
        for _ in range(3):
            if self._create(me):
                self.held = True
                return self
            holder = self._holder()
            if not self._stale(holder):
                raise LockedError(self.path, holder, self.what)
            self._take_over(holder)
        raise LockedError(self.path, self._holder(), self.what)

    def _rewrite(self, **fields: Any) -> None:
        """Change what the held lock says, in one atomic rewrite (a field set to None goes)."""
        current = self._holder()
        if not self.held or current.get("pid") != os.getpid():
            return  # not (or no longer) this process's lock
        content = {k: v for k, v in {**current, **fields}.items() if v is not None}
        os.replace(self._write_tmp(content), self.path)

    def update(self, **fields: Any) -> None:
        """Record more about the holder, e.g. ``stage_pid``: the stage it runs, which keeps the
        lock held while it lives even if the holder dies first."""
        self._rewrite(**fields)

    def hand_over(self, pid: int) -> None:
        """Give the lock to a stage process of this host left running: it is held while that
        process lives (and is still a stage), and taken over as stale once it has gone."""
        self._rewrite(pid=pid, stage_pid=pid, handed_over=True)
        self.held = False

    def release(self) -> None:
        if self.held:
            if self._holder().get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class RunLock(FileLock):
    """An exclusive lock on a run (``run.lock`` in its folder), held by the process that orchestrates it."""

    def __init__(self, run_dir: Path):
        super().__init__(Path(run_dir) / "run.lock")
        self.what = f"run {self.path.parent.name} is"


class ExperimentLock(FileLock):
    """Held for a whole pipeline: one process at a time writes an experiment's outputs (adapter,
    checkpoints, models, stage cache). The lock is ``experiment.lock`` in the stage cache folder
    (``<runs_dir>/../cache``) and names the run that holds it."""

    def __init__(self, cfg: ExperimentConfig, run_id: str):
        super().__init__(experiment_lock_path(cfg), run=run_id, config=str(cfg.source or ""))
        self.what = f"this experiment's outputs (stage cache {self.path.parent}) are"


def experiment_lock_path(cfg: ExperimentConfig) -> Path:
    return cfg.runs_dir.parent / "cache" / "experiment.lock"
