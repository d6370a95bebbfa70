"""Starts stages as subprocesses, follows their events, samples their memory, cancels them.

The runner is the only thing that reads a stage's process. Both the CLI and the dashboard consume
the same stream: :meth:`Pipeline.events` yields every event of the run as it lands in
``events.jsonl`` (the stages' own and the runner's).

Nothing here imports mlx: the dashboard uses this module directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from core import events as ev
from core.config import ExperimentConfig
from core.paths import PROJECT_ROOT
from core.pipeline import BY_NAME, StageDef, get, ordered
from core.runs import ExperimentLock, Run, RunLock, create_run, new_run_id
from core.textfile import read_tail

STDERR_TAIL_LINES = 50


def tail_lines(path: Path, n: int = STDERR_TAIL_LINES) -> list[str]:
    """The last ``n`` non-blank lines of a stage's log."""
    lines, _ = read_tail(path, lines=1 << 30)  # every line of the last 256 KiB
    return [ln for ln in lines if ln.strip()][-n:]


def stage_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    root = str(PROJECT_ROOT)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


class MemorySampler(threading.Thread):
    """Samples a process tree with psutil: RSS and CPU of the tree, and system memory."""

    def __init__(self, pid: int, writer: ev.EventWriter, stage: str, interval: float = 0.5):
        super().__init__(name=f"memory-{stage}", daemon=True)
        self.pid, self.writer, self.stage, self.interval = pid, writer, stage, interval
        self.stop = threading.Event()
        self.peak_rss = 0

    def sample(self) -> ev.MemorySample | None:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        rss, cpu = 0, 0.0
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    cpu += p.cpu_percent(None)
            except psutil.Error:
                continue
        vm = psutil.virtual_memory()
        self.peak_rss = max(self.peak_rss, rss)
        return ev.MemorySample(
            stage=self.stage,
            source="process",
            rss_bytes=rss,
            cpu_percent=round(cpu, 1),
            system_used_bytes=vm.total - vm.available,
            system_total_bytes=vm.total,
        )

    def run(self) -> None:
        while True:
            s = self.sample()
            if s is not None:
                self.writer.emit(s)
            if self.stop.wait(self.interval):
                return


class StageProcess:
    """One stage running as a child process."""

    def __init__(self, run: Run, sdef: StageDef, force: bool = False, extra: list[str] | None = None):
        self.run, self.sdef, self.force = run, sdef, force
        self.cmd = [sys.executable, "-m", "core.stages", sdef.name, "--run-dir", str(run.path), *sdef.args]
        if BY_NAME.get(sdef.name) != sdef:  # a stage defined outside core.stages: pass its module
            self.cmd += ["--module", sdef.module]
        if force:
            self.cmd.append("--force")
        self.cmd += extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.writer = ev.EventWriter(run.events_path, stage=sdef.name)
        self.sampler: MemorySampler | None = None
        self.started = 0.0
        self.cancel_requested = False

    def start(self) -> None:
        out = open(self.run.stage_log(self.sdef.name, "stdout"), "ab")
        err = open(self.run.stage_log(self.sdef.name, "stderr"), "ab")
        self.started = time.time()
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=stage_env(),
            cwd=str(PROJECT_ROOT),
            start_new_session=True,  # its own process group: a cancel reaches its children too
        )
        out.close()
        err.close()
        self.writer.emit(ev.StageStarted(pid=self.proc.pid, command=self.cmd))
        self.sampler = MemorySampler(self.proc.pid, self.writer, self.sdef.name)
        self.sampler.start()

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def cancel(self, grace_s: float = 10.0) -> None:
        """SIGINT, then wait up to ``grace_s`` for the stage to save its work, then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.cancel_requested = True
        self._signal_group(signal.SIGINT)

        def reaper() -> None:
            try:
                assert self.proc is not None
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)

        threading.Thread(target=reaper, name=f"cancel-{self.sdef.name}", daemon=True).start()

    def finish(self, terminal_seen: bool) -> str:
        """After exit: stop sampling, and write the terminal event the stage could not."""
        assert self.proc is not None
        rc = self.proc.wait()
        if self.sampler is not None:
            self.sampler.stop.set()
            self.sampler.join(timeout=2)
        duration = time.time() - self.started
        if rc == 0:
            status = "done"
            if not terminal_seen:
                self.writer.emit(ev.StageFinished(duration_s=duration))
        elif self.cancel_requested or rc == 130:
            status = "cancelled"
            if not terminal_seen:
                self.writer.emit(ev.StageCancelled(duration_s=duration))
        else:
            status = "failed"
            if not terminal_seen:
                sig = -rc if rc < 0 else None
                if sig == signal.SIGKILL:
                    reason = "killed by SIGKILL (out of memory, or killed from outside)"
                elif sig:
                    reason = f"killed by signal {signal.Signals(sig).name}"
                else:
                    reason = f"exited with status {rc}"
                self.writer.emit(
                    ev.StageFailed(
                        exit_code=rc if rc >= 0 else None,
                        signal=sig,
                        reason=reason,
                        stderr_tail=tail_lines(self.run.stage_log(self.sdef.name, "stderr")),
                        duration_s=duration,
                    )
                )
        self.writer.close()
        return status


class Pipeline:
    """Runs stages one after another in a run directory, yielding events as they happen.

    ``cancel()`` is safe to call from another thread (the dashboard's UI thread, a signal handler).
    """

    def __init__(
        self,
        cfg: ExperimentConfig,
        stages: list[str],
        force: set[str] | None = None,
        run: Run | None = None,
        grace_s: float = 10.0,
        poll_interval: float = 0.1,
        defs: dict[str, StageDef] | None = None,
    ):
        self.cfg = cfg
        self.defs = defs or {}
        self.stages = [s for s in stages if s in self.defs] if defs else ordered(stages)
        self.force = set(force or ())
        self.run = run
        self.grace_s = grace_s
        self.poll_interval = poll_interval
        self.current: StageProcess | None = None
        self._cancel = threading.Event()
        self._detach = threading.Event()
        self.status = "new"

    def cancel(self) -> None:
        self._cancel.set()
        if self.current is not None:
            self.current.cancel(self.grace_s)

    def detach(self) -> None:
        """Stop following without stopping the stage in flight: it keeps writing its run directory,
        and a later reader re-attaches by tailing events.jsonl. No further stage is started."""
        self._detach.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def events(self) -> Iterator[Any]:
        """Raises LockedError (before making a run folder) while another process runs a pipeline on
        the same outputs."""
        run_id = self.run.id if self.run is not None else new_run_id()
        experiment = ExperimentLock(self.cfg, run_id).acquire()
        try:
            if self.run is None:
                self.run = create_run(self.cfg, self.stages, run_id)
            lock = RunLock(self.run.path).acquire()
        except BaseException:
            experiment.release()
            raise
        run = self.run
        writer = ev.EventWriter(run.events_path)
        tail = ev.EventTail(run.events_path, offset=run.events_path.stat().st_size)
        t0 = time.time()
        status = "done"
        try:
            writer.emit(
                ev.RunStarted(
                    run_id=run.id,
                    config_path=str(self.cfg.source or ""),
                    stages=self.stages,
                    demo=self.cfg.experiment.demo,
                )
            )
            yield from tail.poll()
            for name in self.stages:
                if self._cancel.is_set():
                    status = "cancelled"
                    break
                sp = StageProcess(run, self.defs.get(name) or get(name), force=name in self.force)
                self.current = sp
                sp.start()
                assert sp.proc is not None
                experiment.update(stage_pid=sp.proc.pid)  # it writes the outputs even if this process dies
                if self._cancel.is_set():  # cancelled while starting
                    sp.cancel(self.grace_s)
                terminal = False
                for e in tail.iter_until(lambda sp=sp: sp.poll() is not None, self.poll_interval):
                    terminal |= _is_terminal(e, name)
                    yield e
                stage_status = sp.finish(terminal)
                self.current = None
                experiment.update(stage_pid=None)
                yield from tail.poll()
                if stage_status != "done":
                    status = stage_status
                    break
            writer.emit(ev.RunFinished(status=status, duration_s=time.time() - t0))  # type: ignore[arg-type]
            yield from tail.poll()
        finally:
            if self.current is not None and not self._detach.is_set():  # the consumer went away mid-stage
                self.current.cancel(self.grace_s)
            writer.close()
            lock.release()
            left = self.current.proc if self.current is not None else None
            if left is not None and left.poll() is None:
                # A stage left running (detached), or still saving after the cancel above: it
                # writes the outputs until it exits, so the lock stays with it.
                experiment.hand_over(left.pid)
            else:
                experiment.release()
            self.status = status  # last: a reader that sees it set finds the lock let go

    def run_to_end(self) -> str:
        for _ in self.events():
            pass
        return self.status


def _is_terminal(e: Any, stage: str) -> bool:
    return getattr(e, "stage", None) == stage and isinstance(
        e, (ev.StageFinished, ev.StageFailed, ev.StageCancelled)
    )
