"""Getting events to the screen: coalescing, following a run another process writes, finding a
run to re-attach to, and downsampling long curves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from tui_helpers import RECORDED, recorded, settle, snapshot_app

from core import events as ev
from core.runs import Run
from tui.feed import EventFeed, find_attachable, follow_run
from tui.widgets.loss_plot import downsample


def test_a_flood_rings_the_doorbell_once_until_the_ui_drains_it():
    rings = []
    feed = EventFeed(lambda: rings.append(1))
    for i in range(1000):
        feed.put(i)
    assert len(rings) == 1
    assert feed.drain() == list(range(1000))  # nothing dropped, in order
    feed.put("next")
    assert len(rings) == 2 and feed.drain() == ["next"]


def test_threads_putting_while_the_ui_drains_lose_nothing():
    rings = []
    feed = EventFeed(lambda: rings.append(1))
    got: list[int] = []

    def writer(base: int) -> None:
        for i in range(5000):
            feed.put(base + i)

    threads = [threading.Thread(target=writer, args=(k * 10_000,)) for k in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        got += feed.drain()
    got += feed.drain()
    assert sorted(got) == sorted(k * 10_000 + i for k in range(3) for i in range(5000))
    assert len(rings) < len(got)


async def test_the_app_applies_every_event_but_redraws_per_batch(make_app, runs_dir):
    """2,000 training reports land at once: all are in the curve, handled in a few batches."""
    app = make_app(initial=None)
    batches = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        from tui.view import RunView

        view = RunView(origin="live")
        feed_id = app._new_feed(view)
        app.view = app.follow_view = view
        original = app.refresh_screen
        app.refresh_screen = lambda batch: (batches.append(len(batch or [])), original(batch))  # type: ignore[method-assign]
        feed = app._feeds[feed_id][0]
        feed.put(ev.StageStarted(stage="train", pid=1))
        for i in range(1, 2001):
            feed.put(ev.TrainReport(stage="train", iteration=i, total_iters=2000, train_loss=1.0, learning_rate=1e-3,
                                    iterations_per_second=1.0, tokens_per_second=1.0, trained_tokens=i))
        await pilot.pause(0.3)
        assert len(view.state.train) == 2000
        assert sum(batches) == 2001 and len(batches) <= 3


def test_following_a_finished_run_yields_it_whole_and_stops():
    run = Run(RECORDED / recorded("full"))
    events, _ = ev.read_events(run.events_path)
    stop = threading.Event()
    t0 = time.monotonic()
    got = list(follow_run(run, stop, interval=0.02))
    assert len(got) == len(events) and isinstance(got[-1], ev.RunFinished)
    assert time.monotonic() - t0 < 2


def test_a_run_written_by_a_live_process_is_found_and_followed(tmp_path):
    from core.config import load_config
    from core.runs import create_run

    cfg = load_config(snapshot_app(None).config_path, [f'outputs.runs_dir="{tmp_path}"'])
    run = create_run(cfg, ["train"])
    code = (
        "import sys, time\n"
        "from core import events as ev\n"
        "from core.runs import Run, RunLock\n"
        f"run = Run({str(run.path)!r}); lock = RunLock(run.path).acquire()\n"
        "w = ev.EventWriter(run.events_path)\n"
        "w.emit(ev.RunStarted(run_id=run.id, config_path='x', stages=['train']))\n"
        "w.emit(ev.StageStarted(stage='train', pid=1))\n"
        "print('ready', flush=True); sys.stdin.readline()\n"
        "for i in range(5): w.emit(ev.Progress(stage='train', current=i)); time.sleep(0.05)\n"
        "w.emit(ev.RunFinished(status='done', duration_s=1.0)); lock.release()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=os.getcwd())
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        found = find_attachable(tmp_path)
        assert found is not None and found.run.path == run.path and str(proc.pid) in found.reason
        stop = threading.Event()
        stream = follow_run(run, stop, interval=0.02)
        first = [next(stream), next(stream)]
        assert isinstance(first[0], ev.RunStarted)
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        rest = list(stream)
        assert [e.current for e in rest if isinstance(e, ev.Progress)] == [0, 1, 2, 3, 4]
        assert isinstance(rest[-1], ev.RunFinished)
    finally:
        proc.kill()
        proc.wait()
    assert find_attachable(tmp_path) is None  # finished: nothing to re-attach to


def test_downsampling_bounds_the_points_and_keeps_the_extremes():
    xs = list(range(100_000))
    ys = [1.0] * 100_000
    ys[31_337] = 9.0  # a spike
    ys[77_000] = -3.0  # a dip
    x, y = downsample(xs, ys, 80)
    assert len(x) <= 160
    assert 9.0 in y and -3.0 in y
    assert x == sorted(x)
    assert downsample([1, 2, 3], [3, 2, 1], 80) == ([1, 2, 3], [3, 2, 1])
