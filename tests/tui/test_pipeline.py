"""The Pipeline screen: a recorded run replayed, real stages started from the keyboard, failures,
cancel with its confirmation, and the live training panel."""

from __future__ import annotations

from tui_helpers import recorded, screen_text, settle, wait_for

from core.stages import StageDef
from tui.screens.pipeline import PipelineScreen
from tui.widgets.log_tail import LogTail
from tui.widgets.loss_plot import LossPlot
from tui.widgets.stage_list import StageList

STAND_IN = {"train": StageDef("train", "tests.tui.stagekit", "train", uses_mlx=False)}


async def test_opens_on_the_latest_run(make_app, runs_dir):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        latest = max(p.name for p in runs_dir.iterdir())
        assert app.view.run_id == latest and app.view.origin == "replay"
        assert latest in screen_text(app).splitlines()[0]


async def test_a_failed_stage_shows_with_its_stderr(make_app):
    app = make_app(initial=recorded("failed-prepare"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert app.view.run_id == recorded("failed-prepare")
        text = screen_text(app)
        assert "✗ failed" in text and "preflight found problems" in text
        assert "DEMO" in text.splitlines()[0]
        log = app.screen.query_one(LogTail)
        assert log.stage == "prepare" and log.shown_stream == "stderr"
        assert "missing" in "\n".join(str(line.text) for line in log.lines)


async def test_running_a_failing_stage_notifies_and_the_dashboard_stays_up(make_app):
    app = make_app("data.suite=no-such-suite.json", initial=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("r")  # the cursor starts on prepare
        await wait_for(pilot, lambda: app.view.state.status == "failed")  # the run, not just the stage
        await settle(pilot, app)
        st = app.view.state.stages["prepare"]
        assert "no-such-suite.json" in st.reason
        assert any("prepare failed" in (n.title or "") for n in app._notifications)
        assert isinstance(app.screen, PipelineScreen)
        assert "✗ failed" in screen_text(app)
        # Fix the problem and run it again from the same screen: a new run.
        first = app.view.run_id
        app.overrides = [o for o in app.overrides if not o.startswith("data.suite")]
        app.reload_config()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.view.run_id not in (None, first)
                       and app.view.state.stages["prepare"].status != "running"
                       and app.view.state.status != "running", timeout=90)
        assert app.view.state.stages["prepare"].reason == "" or "no-such-suite" not in \
            app.view.state.stages["prepare"].reason


async def test_cancel_asks_first_then_the_stage_saves_and_stops(make_app, monkeypatch):
    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    app = make_app("train.iters=100000", defs=STAND_IN, initial=None, grace_s=5.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.view.state.train) >= 2)
        await pilot.press("c")
        await pilot.pause()
        assert "Cancel train?" in screen_text(app)
        await pilot.press("n")  # keep running
        await pilot.pause(0.3)
        assert app.view.state.stages["train"].status == "running"
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: app.view.state.stages["train"].status == "cancelled")
        await settle(pilot, app)
        assert app.view.state.status == "cancelled"
        assert any("cancelled" in (n.title or "") for n in app._notifications)
        assert "■ cancelled" in screen_text(app)


async def test_the_log_tail_follows_a_stage_that_starts_quiet(make_app, monkeypatch, tmp_path):
    speak = tmp_path / "speak"   # the stage stays quiet until this file exists
    monkeypatch.setenv("PHASE25_TEST_QUIET_UNTIL", str(speak))
    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    app = make_app("train.iters=100000", defs=STAND_IN, initial=None, grace_s=5.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")
        log = app.screen.query_one(LogTail)

        def log_text() -> str:
            return "\n".join(str(line.text) for line in log.lines)

        await wait_for(pilot, lambda: app.view.state.stages["train"].status == "running")
        await pilot.pause(0.2)
        assert "(nothing on stdout yet)" in log_text()  # quiet so far
        assert "Training is starting" in screen_text(app) and "No training in this run" not in screen_text(app)
        speak.touch()
        await wait_for(pilot, lambda: "training 100000 iterations" in log_text())
        assert "(nothing on stdout yet)" not in log_text()  # the placeholder went with the first line
        app.cancel_now()
        await wait_for(pilot, lambda: app.view.state.stages["train"].status == "cancelled")


async def test_the_training_panel_follows_a_live_run(make_app):
    app = make_app("train.iters=200", "train.steps_per_report=10", "train.steps_per_eval=50",
                   defs=STAND_IN, initial=None)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.view.state.stages["train"].status == "done", timeout=30)
        await pilot.pause(0.6)  # the plot redraws at most every 0.25 s
        text = screen_text(app)
        assert "iter 200/200" in text
        assert "it/s" in text and "tok/s" in text and "best val" in text
        plot = app.screen.query_one(LossPlot)
        assert plot.points_drawn >= 20 + 4  # 20 train reports and 4 validations
        assert "200/200" in text  # the progress line


async def test_quit_can_leave_a_stage_running_and_the_next_dashboard_reattaches(make_app, monkeypatch):
    import os
    import signal

    from tui.feed import _pid_alive

    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    app = make_app("train.iters=100000", defs=STAND_IN, initial=None, grace_s=5.0)
    pid = None
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, app)
            app.screen.query_one(StageList).select("train")
            await pilot.press("r")
            await wait_for(pilot, lambda: len(app.view.state.train) >= 2)
            run_id = app.view.run_id
            pid = app.view.state.stages["train"].pid
            await pilot.press("q")
            await pilot.pause()
            assert "train is still running" in screen_text(app)
            assert "will not start" not in screen_text(app)  # train is all this run does
            await pilot.press("l")  # leave it running
        assert _pid_alive(pid), "the stage should keep running after the dashboard quits"

        again = make_app(defs=STAND_IN, attach=True)
        async with again.run_test(size=(120, 40)) as pilot:
            await settle(pilot, again)
            assert again.view.origin == "attached" and again.view.run_id == run_id
            seen = len(again.view.state.train)
            await wait_for(pilot, lambda: len(again.view.state.train) > seen)  # still following it
            assert f"attached {run_id} ▶ running" in screen_text(again).splitlines()[0]
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("y")
            await wait_for(pilot, lambda: again.view.state.stages["train"].status == "cancelled")
            await wait_for(pilot, lambda: not _pid_alive(pid), timeout=10)
    finally:
        if pid and _pid_alive(pid):
            os.killpg(pid, signal.SIGKILL)


async def test_quit_can_stop_the_running_stage_first(make_app, monkeypatch):
    from tui.feed import _pid_alive

    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    app = make_app("train.iters=100000", defs=STAND_IN, initial=None, grace_s=5.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")
        await wait_for(pilot, lambda: len(app.view.state.train) >= 1)
        pid = app.view.state.stages["train"].pid
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("s")  # stop it, then quit
        await wait_for(pilot, lambda: not app.is_running or app._exit, timeout=15)
    assert app.view.state.stages["train"].status == "cancelled"
    assert not _pid_alive(pid)


async def test_leaving_a_run_all_says_which_stages_will_not_start_and_none_does(make_app, monkeypatch):
    import os
    import re
    import signal
    import time

    from core import events as ev
    from core.runs import ExperimentLock
    from tui.feed import _pid_alive

    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    defs = {n: StageDef(n, "tests.tui.stagekit", n, uses_mlx=False) for n in ("train", "fuse", "quantize")}
    app = make_app("train.iters=40", "train.steps_per_report=5", defs=defs, initial=None, grace_s=5.0)
    pid = None
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, app)
            await pilot.press("a")  # run all: train, fuse, quantize
            await wait_for(pilot, lambda: len(app.view.state.train) >= 1)
            run = app.view.run
            pid = app.view.state.stages["train"].pid
            await pilot.press("q")
            await pilot.pause()
            text = " ".join(re.sub("[█▀▄▁]", " ", screen_text(app)).split())  # the dialog's words, unwrapped
            assert "train is still running" in text
            assert "If you leave it, fuse, quantize will not start: run them later with a" in text
            await pilot.press("l")  # leave it running
        # train ends on its own (40 iterations); nothing starts fuse or quantize after it.
        end = time.monotonic() + 30
        while time.monotonic() < end and _pid_alive(pid):
            time.sleep(0.1)
        assert not _pid_alive(pid)
        events, _ = ev.read_events(run.events_path)
        assert any(isinstance(e, ev.StageFinished) and e.stage == "train" for e in events)
        # The dashboard's follower lets go of the pipeline at its next event (here, after train's
        # last one); only then is the lock released or handed over. This process stays up, unlike
        # a dashboard that quit, so wait for that rather than racing it.
        pipeline = app.pipeline
        assert pipeline is not None
        while time.monotonic() < end and pipeline.status == "new":
            time.sleep(0.05)
        assert pipeline.status != "new", "the dashboard's follower never let go of the pipeline"
        # Nothing holds the experiment any more: no runner is left that could start fuse next.
        ExperimentLock(app.cfg, "after-leave").acquire().release()
        events, _ = ev.read_events(run.events_path)
        assert [e.stage for e in events if isinstance(e, ev.StageStarted)] == ["train"]
    finally:
        if pid and _pid_alive(pid):
            os.killpg(pid, signal.SIGKILL)


async def test_a_run_refused_by_the_experiment_lock_says_who_holds_it(make_app):
    from core.runs import ExperimentLock

    app = make_app(initial=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        lock = ExperimentLock(app.cfg, "20990101-000000-beef").acquire()
        try:
            await pilot.press("r")
            await wait_for(pilot, lambda: any(n.title == "Another run is writing these outputs"
                                              for n in app._notifications))
            note = next(n for n in app._notifications if n.title == "Another run is writing these outputs")
            assert "20990101-000000-beef" in note.message and str(lock.path) in note.message
            await settle(pilot, app)
            assert isinstance(app.screen, PipelineScreen)  # the dashboard stays up
        finally:
            lock.release()


def test_the_runs_screen_lists_a_run_whose_stage_was_left_running_as_running(tmp_config, monkeypatch):
    import signal

    from core import events as ev
    from core.runner import Pipeline
    from core.runs import ExperimentLock, LockedError
    from tui.screens.runs import read_row

    monkeypatch.setenv("PHASE25_TEST_STEP_S", "0.05")
    cfg = tmp_config.model_copy(update={"train": tmp_config.train.model_copy(update={"iters": 100000})})
    pipe = Pipeline(cfg, ["train"], defs=STAND_IN, poll_interval=0.05)
    gen = pipe.events()
    for e in gen:
        if isinstance(e, ev.TrainReport):
            break
    pipe.detach()  # what "leave it running" does
    gen.close()
    proc = pipe.current.proc
    try:
        assert proc.poll() is None and not (pipe.run.path / "run.lock").exists()
        assert read_row(pipe.run).status == "running"
        try:
            ExperimentLock(cfg, "next").acquire().release()
            raise AssertionError("the stage left running should keep the experiment locked")
        except LockedError as exc:
            assert f"pid {proc.pid}" in str(exc)
    finally:
        proc.send_signal(signal.SIGINT)  # it saves a checkpoint and ends as cancelled
        proc.wait(timeout=20)
    assert read_row(pipe.run).status == "cancelled"
