"""The experiment lock covers the stage process, not only the runner: a stage that outlives its
runner (crash, a consumer gone, a dashboard that left it running) keeps the outputs locked until it
exits, and only real, live phase25 processes keep a lock."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from core import events as ev
from core.procs import process_alive
from core.runner import Pipeline
from core.runs import ExperimentLock, FileLock, LockedError, experiment_lock_path
from core.stages import StageDef

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def fake_stage_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def defs(*names: str) -> dict[str, StageDef]:
    return {n: StageDef(n, "fake_stages", n, uses_mlx=False) for n in names}


def wait_until(cond, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def started_pipeline(cfg, name: str, grace: float = 5.0):
    """A pipeline running ``name``, consumed until the stage has reported once."""
    pipe = Pipeline(cfg, [name], defs=defs(name), grace_s=grace, poll_interval=0.05)
    gen = pipe.events()
    for e in gen:
        if isinstance(e, ev.StageStarted):
            break
    return pipe, gen


def holder(cfg) -> dict:
    return json.loads(experiment_lock_path(cfg).read_text())


def ignores_sigint(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def phase25(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env)


def test_a_stage_that_outlives_its_killed_runner_keeps_the_experiment_locked(tmp_config):
    script = textwrap.dedent(f"""
        from core.config import load_config
        from core.runner import Pipeline
        from core.stages import StageDef
        from core import events as ev
        p = Pipeline(load_config({str(tmp_config.source)!r}), ['sleeper'],
                     defs={{'sleeper': StageDef('sleeper', 'fake_stages', 'sleeper', uses_mlx=False)}})
        for e in p.events():
            if isinstance(e, ev.Progress):
                print(p.current.proc.pid, flush=True)
    """)
    runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    stage = int(runner.stdout.readline())
    try:
        runner.kill()  # the runner dies without running its cleanup (kill -9, out of memory)
        runner.wait()
        assert holder(tmp_config)["pid"] == runner.pid and holder(tmp_config)["stage_pid"] == stage
        assert process_alive(stage), "the stage runs on in its own session"
        with pytest.raises(LockedError) as info:
            ExperimentLock(tmp_config, "second").acquire()
        assert f"pid {stage}" in str(info.value)
    finally:
        kill_group(stage)
    wait_until(lambda: not process_alive(stage))
    lock = ExperimentLock(tmp_config, "second").acquire()  # both writers gone: taken over
    assert holder(tmp_config)["run"] == "second"
    lock.release()


def test_a_consumer_that_goes_away_leaves_the_lock_with_the_stage_still_saving(tmp_config):
    pipe, gen = started_pipeline(tmp_config, "stubborn", grace=60)  # it ignores SIGINT
    wait_until(lambda: ignores_sigint(pipe.current.proc.pid))
    gen.close()  # no detach: the stage is asked to stop, but has not stopped yet
    proc = pipe.current.proc
    try:
        assert proc.poll() is None
        assert holder(tmp_config)["pid"] == proc.pid
        with pytest.raises(LockedError):
            ExperimentLock(tmp_config, "second").acquire()
    finally:
        kill_group(proc.pid)
    proc.wait()
    lock = ExperimentLock(tmp_config, "second").acquire()
    lock.release()
    assert not experiment_lock_path(tmp_config).exists()


def test_a_detached_stage_holds_the_lock_until_it_exits_even_unreaped(tmp_config):
    pipe, gen = started_pipeline(tmp_config, "sleeper")
    pipe.detach()
    gen.close()
    proc = pipe.current.proc
    try:
        time.sleep(0.3)
        assert proc.poll() is None, "a detached stage is not stopped"
        assert not (pipe.run.path / "run.lock").exists()
        with pytest.raises(LockedError):
            ExperimentLock(tmp_config, "second").acquire()
    finally:
        kill_group(proc.pid)
    # Nobody waits for it: it stays a zombie, which holds nothing.
    wait_until(lambda: psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE)
    lock = ExperimentLock(tmp_config, "second").acquire()
    lock.release()
    proc.wait()


def test_a_finished_holder_left_as_a_zombie_does_not_keep_its_lock(tmp_path):
    path = tmp_path / "experiment.lock"
    child = subprocess.Popen([sys.executable, "-c",
                              f"from core.runs import FileLock; FileLock({str(path)!r}).acquire()"])
    wait_until(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE)
    assert json.loads(path.read_text())["pid"] == child.pid
    assert FileLock(path).acquire().held
    child.wait()


def test_a_lock_handed_to_a_pid_that_is_not_a_stage_is_taken_over(tmp_path):
    other = subprocess.Popen(["sleep", "30"])  # e.g. the stage's pid, recycled by another program
    try:
        lock = FileLock(tmp_path / "experiment.lock").acquire()
        lock.hand_over(other.pid)
        assert json.loads(lock.path.read_text())["pid"] == other.pid
        assert FileLock(tmp_path / "experiment.lock").acquire().held
    finally:
        other.kill()
        other.wait()


def test_a_process_the_system_will_not_describe_counts_as_alive(tmp_path, monkeypatch):
    path = tmp_path / "experiment.lock"
    path.write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "since": 0,
                                "stage_pid": 12345, "handed_over": True}))

    def denied(pid=None):
        raise psutil.AccessDenied(pid)

    monkeypatch.setattr(psutil, "Process", denied)
    with pytest.raises(LockedError):
        FileLock(path).acquire()


def test_racing_take_overs_never_drop_a_live_lock(tmp_path):
    """A and B both found the same dead holder's lock. A took it over first; B's late take-over
    must leave A's lock alone, even when a third process C tries to lock at that moment."""
    path = tmp_path / "experiment.lock"
    stale = {"pid": dead_pid(), "host": socket.gethostname(), "since": 0}
    path.write_text(json.dumps(stale))
    a = FileLock(path, who="A").acquire()
    assert a.held and json.loads(path.read_text())["who"] == "A"

    c = FileLock(path, who="C")
    c_outcome: list[str] = []

    class B(FileLock):
        taking_over = False

        def _holder(self, p: Path | None = None) -> dict:
            if self.taking_over and not c_outcome:  # C tries while B is in the middle of its take-over
                try:
                    c.acquire()
                    c_outcome.append("acquired")
                except LockedError:
                    c_outcome.append("refused")
            return super()._holder(p)

        def _take_over(self, st: dict) -> None:
            self.taking_over = True
            try:
                super()._take_over(st)
            finally:
                self.taking_over = False

    B(path, who="B")._take_over(stale)
    assert c_outcome == ["refused"] and not c.held
    assert json.loads(path.read_text())["who"] == "A"
    a.release()
    assert not path.exists()


def test_runs_lists_a_run_whose_detached_stage_still_runs_as_running(tmp_config):
    pipe, gen = started_pipeline(tmp_config, "sleeper")
    pipe.detach()
    gen.close()
    proc = pipe.current.proc
    try:
        listing = phase25("runs", "--config", str(tmp_config.source))
        row = next(ln for ln in listing.stdout.splitlines() if pipe.run.id in ln)
        assert "running" in row and "interrupted" not in row, listing.stdout
    finally:
        proc.send_signal(signal.SIGINT)  # the stage saves and ends as cancelled
        proc.wait(timeout=20)
    listing = phase25("runs", "--config", str(tmp_config.source))
    row = next(ln for ln in listing.stdout.splitlines() if pipe.run.id in ln)
    assert "cancelled" in row, listing.stdout


def test_a_take_over_that_read_the_stale_lock_never_removes_the_one_that_replaced_it(tmp_path):
    """B has read the dead holder's lock and is about to remove it when A takes that lock over
    and locks: B's removal must not hit A's new lock."""
    import threading

    path = tmp_path / "experiment.lock"
    stale = {"pid": dead_pid(), "host": socket.gethostname(), "since": 0}
    path.write_text(json.dumps(stale))
    a = FileLock(path, who="A")
    a_thread = threading.Thread(target=a.acquire)

    class B(FileLock):
        taking_over = False

        def _holder(self, p: Path | None = None) -> dict:
            seen = super()._holder(p)
            if self.taking_over and not a_thread.is_alive() and a_thread.ident is None:
                a_thread.start()  # A comes along right after B read the stale lock
                a_thread.join(timeout=1.0)
            return seen

        def _take_over(self, st: dict) -> None:
            self.taking_over = True
            try:
                super()._take_over(st)
            finally:
                self.taking_over = False

    B(path, who="B")._take_over(stale)
    a_thread.join(timeout=10)
    assert a.held and json.loads(path.read_text())["who"] == "A"
    with pytest.raises(LockedError):
        FileLock(path, who="C").acquire()
    a.release()
