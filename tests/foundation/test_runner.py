"""The runner: stages as subprocesses, crash handling, cancel with a grace period."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core import events as ev
from core.runner import Pipeline
from core.runs import Run
from core.stages import StageDef
from core.state import RunState

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def fake_stage_path(monkeypatch):
    import os

    monkeypatch.setenv("PYTHONPATH", str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def defs(*names: str) -> dict[str, StageDef]:
    return {n: StageDef(n, "fake_stages", n, uses_mlx=False) for n in names}


def run_pipeline(cfg, names, cancel_after=None, grace=5.0, cancel_at_step=None):
    """Runs the pipeline; cancels it ``cancel_after`` seconds in, or once a stage reports step
    ``cancel_at_step`` (so the stage is surely past its start, however loaded the machine)."""
    pipe = Pipeline(cfg, list(names), defs=defs(*names), grace_s=grace, poll_interval=0.05)
    if cancel_after is not None:
        threading.Timer(cancel_after, pipe.cancel).start()
    events = []
    for e in pipe.events():
        events.append(e)
        if cancel_at_step is not None and isinstance(e, ev.Progress) and e.current >= cancel_at_step:
            cancel_at_step = None
            pipe.cancel()
    return pipe, events, RunState.from_events(events)


def test_stages_run_in_order_and_the_run_is_replayable(tmp_config):
    pipe, events, state = run_pipeline(tmp_config, ["quick"])
    assert pipe.status == "done"
    assert state.stages["quick"].status == "done" and state.stages["quick"].headline == "quick ok"
    replay, bad = Run(pipe.run.path).read_events()
    assert bad == [] and RunState.from_events(replay).status == "done"
    assert not (pipe.run.path / "run.lock").exists()


def test_a_stage_log_reaches_the_events_as_it_reaches_its_stdout_file(tmp_config):
    """The dashboard follows a stage's log through the events alone: its log lines, its equivalent
    command and what its libraries print arrive there, in the order of the stdout file."""
    pipe, events, state = run_pipeline(tmp_config, ["quick"])
    assert pipe.status == "done"
    logged = [(e.text, e.level) if isinstance(e, ev.LogLine) else ("equivalent: " + e.command, "info")
              for e in state.logs if e.stage == "quick"]
    assert logged == [("equivalent: quick --all", "info"), ("quick: a warning", "warning"),
                      ("[INFO] printed by a library", "info"), ("a last line without its newline", "info")]
    stdout = pipe.run.stage_log("quick", "stdout").read_text().splitlines()
    assert stdout == [text for text, _ in logged]
    assert state.stages["quick"].equivalent == "quick --all"


def test_a_stage_killed_by_sigkill_fails_with_its_stderr_tail(tmp_config):
    pipe, events, state = run_pipeline(tmp_config, ["crasher", "quick"])
    assert pipe.status == "failed"
    st = state.stages["crasher"]
    assert st.status == "failed"
    assert "SIGKILL" in st.reason
    assert len(st.stderr_tail) == 50 and st.stderr_tail[-1] == "crasher stderr line 79"
    assert state.stage("quick").status == "pending"  # nothing runs after a failure
    # The directory stays valid and readable.
    replay, bad = Run(pipe.run.path).read_events()
    assert bad == []
    assert RunState.from_events(replay).stages["crasher"].status == "failed"
    assert any(isinstance(e, ev.MemorySample) and e.rss_bytes for e in replay)


def test_cancel_gives_the_stage_its_grace_period_to_save(tmp_config):
    pipe, events, state = run_pipeline(tmp_config, ["sleeper", "quick"], cancel_at_step=3, grace=5.0)
    assert pipe.status == "cancelled"
    st = state.stages["sleeper"]
    assert st.status == "cancelled"
    ckpt = Path(pipe.run.path) / "sleeper.ckpt"
    assert ckpt.is_file(), "the stage saved its work within the grace period"
    cancelled = [e for e in events if isinstance(e, ev.StageCancelled)]
    assert cancelled[0].checkpoint == str(ckpt)
    assert state.stage("quick").status == "pending"


def test_a_stage_that_ignores_cancel_is_killed_after_the_grace_period(tmp_config):
    t0 = time.time()
    pipe, events, state = run_pipeline(tmp_config, ["stubborn"], cancel_after=1.0, grace=1.0)
    assert pipe.status == "cancelled"
    assert state.stages["stubborn"].status == "cancelled"
    assert time.time() - t0 < 15


def test_unknown_stage_module_fails_cleanly(tmp_config):
    pipe = Pipeline(tmp_config, ["ghost"], defs={"ghost": StageDef("ghost", "no_such.module", "ghost")})
    events = list(pipe.events())
    st = RunState.from_events(events).stages["ghost"]
    assert st.status == "failed" and any("No module named" in ln for ln in st.stderr_tail)
