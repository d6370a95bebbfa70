"""Fault injection: kill -9 at random (seeded) points, torn writes, a full disk and a long pause, each
followed by the checks a user relies on.

After every fault:
  * no cache record, and no run manifest entry that is the newest word on its path, names bytes
    other than those on disk (:func:`core.integrity.problems`);
  * the experiment lock is free, or held by a live process;
  * the runner reported the failure with its reason and stderr tail (what the dashboard shows);
  * the next run of the same stages completes;
  * the outputs equal an uninterrupted run's (byte for byte where the stage is deterministic; the
    adapter and validation loss within the resume tests' tolerance).

The figures (faults, inconsistent records, runs that failed to complete, ...) are tallied in
:class:`Tally` and printed by the tests.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import events as ev
from core.atomic import tree_digest
from core.config import ExperimentConfig
from core.integrity import problems
from core.locks import experiment_lock_path
from core.procs import process_alive
from core.runner import Pipeline
from core.runs import Run
from core.stages import StageDef
from core.state import RunState

HERE = Path(__file__).parent
INJECT = HERE / "inject"
PAUSE_S = 1.5  # longer than the runner's psutil sampling period (0.5 s)


def use_fault_env(monkeypatch: Any) -> None:
    """Stage processes find the fake stages and the torn-write injector (inactive until asked)."""
    path = os.pathsep.join([str(INJECT), str(HERE), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.delenv("PHASE25_FAULT_TORN", raising=False)


@dataclass
class Outcome:
    status: str
    events: list[Any]
    run: Run

    @property
    def state(self) -> RunState:
        return RunState.from_events(self.events)

    def stderr(self, stage: str) -> str:
        p = self.run.stage_log(stage, "stderr")
        return p.read_text(errors="replace") if p.exists() else ""


@dataclass
class Experiment:
    """An experiment folder, its stages, and how to compare its outputs with a reference."""

    cfg: ExperimentConfig
    stages: list[str]
    defs: dict[str, StageDef] | None = None
    # name -> path of the outputs compared with the reference (byte for byte)
    outputs: Callable[[Experiment], dict[str, Path]] = lambda exp: {}
    # extra comparison (e.g. the adapter within a tolerance): returns the mismatches
    compare_extra: Callable[[Experiment, Experiment], list[str]] = lambda a, b: []

    def run(self, stages: list[str] | None = None, force: set[str] | None = None,
            hook: Callable[[Pipeline, Any], None] | None = None) -> Outcome:
        pipe = Pipeline(self.cfg, stages or self.stages, force=force, defs=self.defs, poll_interval=0.05)
        events: list[Any] = []
        for e in pipe.events():
            events.append(e)
            if hook is not None:
                hook(pipe, e)
        assert pipe.run is not None
        return Outcome(pipe.status, events, pipe.run)

    def digests(self) -> dict[str, str]:
        return {name: (tree_digest(p)[1] if p.exists() else "missing") for name, p in self.outputs(self).items()}


@dataclass
class Tally:
    faults: dict[str, int] = field(default_factory=dict)  # kind -> faults that landed
    by_stage: dict[str, int] = field(default_factory=dict)
    inconsistent: list[str] = field(default_factory=list)
    not_completed: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    lock: list[str] = field(default_factory=list)
    reporting: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)
    missed: int = 0  # kills that came after the stage had already finished (not counted as faults)

    def count(self, kind: str, stage: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1
        self.by_stage[stage] = self.by_stage.get(stage, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.faults.values())

    def failures(self) -> list[str]:
        return (self.inconsistent + self.not_completed + self.mismatched + self.lock + self.reporting
                + self.tracebacks + self.unclear)

    def figures(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        stages = ", ".join(f"{k} {v}" for k, v in self.by_stage.items())
        return (f"faults: {self.total} ({kinds}; by stage: {stages}; {self.missed} kills came after the stage "
                f"had finished and are not counted) | inconsistent records: {len(self.inconsistent)} | runs that "
                f"failed to complete afterwards: {len(self.not_completed)} | outputs unlike an uninterrupted "
                f"run's: {len(self.mismatched)} | lock problems: {len(self.lock)} | failures not reported "
                f"with reason and stderr tail: {len(self.reporting)} | tracebacks: {len(self.tracebacks)} | "
                f"unclear errors: {len(self.unclear)}")


def lock_problem(cfg: ExperimentConfig) -> str | None:
    """None when the experiment lock is free or held by a live process."""
    import json

    path = experiment_lock_path(cfg)
    if not path.exists():
        return None
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return f"{path}: unreadable lock ({exc})"
    pids = [p for p in (holder.get("pid"), holder.get("stage_pid")) if isinstance(p, int)]
    if any(process_alive(p) for p in pids):
        return None
    return f"{path}: held by {pids}, none of them alive"


def _kill_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def timed_hook(stage: str, delay: float, action: Callable[[int], None]) -> Callable[[Pipeline, Any], None]:
    """A pipeline hook that calls ``action(pid)`` ``delay`` seconds after ``stage`` starts."""

    def hook(pipe: Pipeline, e: Any) -> None:
        if isinstance(e, ev.StageStarted) and e.stage == stage:
            t = threading.Timer(delay, action, args=(e.pid,))
            t.daemon = True
            t.start()

    return hook


def pause(pid: int) -> None:
    _kill_group(pid, signal.SIGSTOP)
    time.sleep(PAUSE_S)
    _kill_group(pid, signal.SIGCONT)


class Checker:
    """Runs the checks after each fault and tallies them."""

    def __init__(self, exp: Experiment, reference: Experiment, tally: Tally, log: Callable[[str], None] = print):
        self.exp, self.ref, self.tally, self.log = exp, reference, tally, log
        self.ref_digests = reference.digests()

    def records(self, when: str) -> None:
        found = problems(self.exp.cfg)
        self.tally.inconsistent += [f"{when}: {p}" for p in found]
        lock = lock_problem(self.exp.cfg)
        if lock:
            self.tally.lock.append(f"{when}: {lock}")

    def reported(self, out: Outcome, stage: str, what: str) -> None:
        """The failure reached the runner's events (what the dashboard draws): status, reason, stderr."""
        st = out.state.stages.get(stage)
        failed = [e for e in out.events if isinstance(e, ev.StageFailed) and e.stage == stage]
        if st is None or st.status != "failed" or not failed or not failed[-1].reason:
            self.tally.reporting.append(f"{what}: {stage} not shown as failed with a reason")
        elif "SIGKILL" in failed[-1].reason and failed[-1].stderr_tail is None:
            self.tally.reporting.append(f"{what}: {stage} failed without its stderr tail")
        if "Traceback" in out.stderr(stage) and "SIGKILL" not in (failed[-1].reason if failed else ""):
            self.tally.tracebacks.append(f"{what}: {stage} stderr has a traceback")

    def recover(self, stages: list[str], what: str) -> None:
        again = self.exp.run(stages)
        if again.status != "done":
            bad = next((s for s, st in again.state.stages.items() if st.status != "done"), "?")
            self.tally.not_completed.append(f"{what}: the next run ended {again.status} at {bad}: "
                                            f"{again.state.stages[bad].reason if bad in again.state.stages else ''}"
                                            f"\n{again.stderr(bad)[-1500:]}")
            return
        self.records(f"{what}, after the next run")
        self.same_outputs(what)

    def same_outputs(self, what: str) -> None:
        now = self.exp.digests()
        for name, digest in self.ref_digests.items():
            if now.get(name) != digest:
                self.tally.mismatched.append(f"{what}: {name} differs from an uninterrupted run's")
        self.tally.mismatched += [f"{what}: {m}" for m in self.exp.compare_extra(self.exp, self.ref)]


def random_kills(checker: Checker, n: int, seed: int, durations: dict[str, float],
                 stages: list[str] | None = None, max_tries: int | None = None) -> None:
    """``n`` kill -9 faults of a stage process at a seeded random time within its running time; the
    stage is forced so that it really runs. The next run (unforced) must complete."""
    rng = random.Random(seed)
    names = stages or checker.exp.stages
    tries = 0
    while checker.tally.faults.get("kill -9", 0) < n and tries < (max_tries or 4 * n):
        tries += 1
        stage = rng.choice(names)
        delay = rng.uniform(0.0, durations[stage])
        what = f"kill -9 of {stage} at {delay:.2f}s (seed {seed}, try {tries})"
        out = checker.exp.run([stage], force={stage},
                              hook=timed_hook(stage, delay, lambda pid: _kill_group(pid, signal.SIGKILL)))
        st = out.state.stages.get(stage)
        if out.status == "done" or (st is not None and st.status == "done"):  # it had finished: no fault
            checker.tally.missed += 1
            continue
        checker.tally.count("kill -9", stage)
        checker.log(what)
        checker.records(what)
        checker.reported(out, stage, what)
        checker.recover([stage], what)


def stage_durations(out: Outcome, startup_s: float = 0.0) -> dict[str, float]:
    """Each stage's running time in an uninterrupted run (the window a random kill is drawn from)."""
    started: dict[str, float] = {}
    found: dict[str, float] = {}
    for e in out.events:
        if isinstance(e, ev.StageStarted):
            started[e.stage] = e.ts
        elif isinstance(e, (ev.StageFinished, ev.StageFailed)) and e.stage in started:
            found[e.stage] = max(0.05, e.ts - started[e.stage] + startup_s)
    return found


def torn_writes(checker: Checker, stage: str, monkeypatch_env: Callable[[str, str | None], None],
                limit: int | None = None, seed: int = 0) -> int:
    """Tear each file write of ``stage`` in turn (a forced run); every one must leave the records
    true and the next run complete with the same outputs. Returns the number of writes found."""
    log = checker.exp.cfg.runs_dir.parent / f"writes-{stage}.log"
    log.unlink(missing_ok=True)
    monkeypatch_env("PHASE25_FAULT_TORN", "0")
    monkeypatch_env("PHASE25_FAULT_LOG", str(log))
    try:
        counted = checker.exp.run([stage], force={stage})
    finally:
        monkeypatch_env("PHASE25_FAULT_LOG", None)
    if counted.status != "done":
        checker.tally.not_completed.append(f"counting the writes of {stage}: {counted.status}")
        monkeypatch_env("PHASE25_FAULT_TORN", None)
        return 0
    writes = len(log.read_text().splitlines()) if log.exists() else 0
    picks = list(range(1, writes + 1))
    if limit is not None and len(picks) > limit:
        picks = sorted(random.Random(seed).sample(picks, limit))
    try:
        for i in picks:
            monkeypatch_env("PHASE25_FAULT_TORN", str(i))
            what = f"torn write {i}/{writes} of {stage}"
            out = checker.exp.run([stage], force={stage})
            monkeypatch_env("PHASE25_FAULT_TORN", None)
            if out.status == "done":
                checker.tally.missed += 1
                continue
            checker.tally.count("torn write", stage)
            checker.records(what)
            checker.reported(out, stage, what)
            checker.recover([stage], what)
    finally:
        monkeypatch_env("PHASE25_FAULT_TORN", None)
    return writes


def long_pause(checker: Checker, stage: str, delay: float) -> None:
    """SIGSTOP for longer than the sampling period, then SIGCONT: the stage must simply finish."""
    what = f"SIGSTOP/SIGCONT of {stage} for {PAUSE_S}s at {delay:.2f}s"
    out = checker.exp.run([stage], force={stage}, hook=timed_hook(stage, delay, pause))
    checker.tally.count("pause", stage)
    if out.status != "done":
        checker.tally.not_completed.append(f"{what}: ended {out.status}\n{out.stderr(stage)[-1500:]}")
        return
    checker.records(what)
    checker.same_outputs(what)


# -- a full disk ----------------------------------------------------------------------------------
def can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


def mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> Path:
    """Fill the filesystem of ``path`` (a filler file until the write fails)."""
    filler = path / ".filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * (1 << 16))
                fh.flush()
        except OSError:
            pass
    return filler


def disk_full(checker: Checker, stage: str, out_dir: Path) -> None:
    """With the output folder's disk full, a forced ``stage`` must fail with a clear error and no
    traceback, leave the earlier outputs intact, and complete once space is freed."""
    what = f"disk full during {stage}"
    before = checker.exp.digests()
    filler = fill(out_dir)
    try:
        out = checker.exp.run([stage], force={stage})
    finally:
        filler.unlink()
    checker.tally.count("disk full", stage)
    if out.status == "done":
        checker.tally.unclear.append(f"{what}: the stage did not fail")
        return
    reason = out.state.stages[stage].reason or ""
    if "disk is full" not in reason:
        checker.tally.unclear.append(f"{what}: the error does not say the disk is full: {reason[:300]}")
    if "Traceback" in out.stderr(stage):
        checker.tally.tracebacks.append(f"{what}: traceback in the stage's stderr\n{out.stderr(stage)[-1500:]}")
    if checker.exp.digests() != before:
        checker.tally.mismatched.append(f"{what}: the earlier outputs changed")
    checker.records(what)
    checker.reported(out, stage, what)
    checker.recover([stage], what)
