"""The dashboard's speed: launch, event-to-screen latency, CPU and memory while streaming, a big
loss plot, and opening a long replay.

Run with ``pytest -s tests/bench/test_bench_tui.py``. Each figure is printed beside its target
(measured / target as a ratio: below 1 is within it); nothing here asserts a timing.

- launch: the real ``phase25-tui`` in a pseudo-terminal, from spawn to the first full frame.
- latency, CPU, RSS: the real ``phase25-tui`` (for CPU and RSS) re-attached to a run that this
  test writes events into, as a stage would; the latency is measured in-process (an app whose
  batch handler records when each event reached the screen).
- plot: 100,000 training reports drawn with and without downsampling.
- replay: a 10,000-event run opened from the Runs screen until the screen shows it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from core import events as ev
from core.config import load_config
from core.paths import DEMO_CONFIG, PROJECT_ROOT
from core.runs import RunLock, create_run

pytestmark = [pytest.mark.bench]

RESULTS: list[tuple[str, float, float, str]] = []


def report(name: str, measured: float, target: float, unit: str) -> None:
    RESULTS.append((name, measured, target, unit))
    print(f"  {name:<44} {measured:>9.3f} {unit:<4} target {target:>7.3f} {unit:<4} "
          f"ratio {measured / target:5.2f}", flush=True)


@pytest.fixture(scope="module", autouse=True)
def _table():
    print("\n  dashboard benchmarks (measured vs target)")
    yield
    print("\n  summary")
    for name, m, t, unit in RESULTS:
        print(f"  {name:<44} {m:>9.3f} {unit:<4} / {t:.3f} {unit:<4} = {m / t:5.2f}")


# -- helpers ---------------------------------------------------------------------------------
def demo_cfg(runs: Path):
    return load_config(DEMO_CONFIG, [f'outputs.runs_dir="{runs}"'])


class Terminal:
    """``phase25-tui`` in a pseudo-terminal of a fixed size; output is drained in a thread."""

    def __init__(self, args: list[str], cols: int = 160, rows: int = 50):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "phase25-tui"), *args], stdin=slave, stdout=slave, stderr=slave,
            cwd=PROJECT_ROOT, env=env, start_new_session=True,
        )
        os.close(slave)
        self.buf = bytearray()
        self.first: dict[bytes, float] = {}
        self._stop = False
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while not self._stop:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.buf += chunk

    def wait_for(self, marker: bytes, timeout: float = 20.0) -> float:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if marker in self.buf:
                return time.perf_counter() - self.t0
            time.sleep(0.002)
        raise AssertionError(f"{marker!r} never appeared")

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send(b"\x11")  # ctrl+q
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._stop = True
        os.close(self.master)


def train_event(i: int, total: int) -> ev.TrainReport:
    return ev.TrainReport(stage="train", iteration=i, total_iters=total, train_loss=3.0 / (1 + i / 50),
                          learning_rate=1e-3, iterations_per_second=3.0, tokens_per_second=550.0,
                          trained_tokens=i * 180, eta_s=(total - i) / 3.0)


def memory_event(i: int) -> ev.MemorySample:
    if i % 2:
        return ev.MemorySample(stage="train", source="mlx", mlx_active_bytes=50_000_000 + i,
                               mlx_peak_bytes=80_000_000, mlx_cache_bytes=1_000_000)
    return ev.MemorySample(stage="train", source="process", rss_bytes=300_000_000 + i * 1000, cpu_percent=99.0,
                           system_used_bytes=4_000_000_000, system_total_bytes=16_000_000_000)


def stream(w: ev.EventWriter, rate: float, seconds: float, start: int = 1, total: int = 100_000) -> int:
    """Write a training run's mix of events at ``rate`` events/s: train reports, process and MLX
    memory samples, and now and then a log line."""
    n = int(rate * seconds)
    t0 = time.perf_counter()
    for k in range(n):
        i = start + k
        if k % 5 == 4:
            w.emit(memory_event(i))
        elif k % 25 == 24:
            w.emit(ev.LogLine(stage="train", text=f"iter {i}: checkpoint saved"))
        else:
            w.emit(train_event(i, total))
        delay = t0 + (k + 1) / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    return start + n


def new_run(runs: Path) -> Any:
    return create_run(demo_cfg(runs), ["train"])


def writer_main(run_dir: str, phases: str, hold: float = 0.0) -> None:
    """The stand-in for a training stage, in its own process: holds the run's lock and writes a
    training run's events at the rates given ("5:10,50:10" = 5 ev/s for 10 s, then 50 ev/s for
    10 s), printing "phase RATE" as each phase starts and "done" at the end."""
    from core.runs import Run

    run = Run(Path(run_dir))
    lock = RunLock(run.path).acquire()
    w = ev.EventWriter(run.events_path)
    w.emit(ev.RunStarted(run_id=run.id, config_path=str(DEMO_CONFIG), stages=["train"], demo=True))
    w.emit(ev.StageStarted(stage="train", pid=os.getpid()))
    print("ready", flush=True)
    sys.stdin.readline()
    i = 1
    for phase in phases.split(","):
        rate, seconds = (float(x) for x in phase.split(":"))
        print(f"phase {rate:g}", flush=True)
        i = stream(w, rate, seconds, start=i)
    print("done", flush=True)
    time.sleep(hold)
    w.close()
    lock.release()


class Writer:
    def __init__(self, run_dir: Path, phases: str, hold: float = 0.0):
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"from test_bench_tui import writer_main; writer_main({str(run_dir)!r}, {phases!r}, {hold!r})")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=PROJECT_ROOT)
        assert self.line() == "ready"

    def line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


# -- launch ------------------------------------------------------------------------------
def test_bench_launch_to_first_frame(tmp_path):
    times = []
    for _ in range(3):
        term = Terminal(["--set", f'outputs.runs_dir="{tmp_path / "runs"}"', "--no-attach"])
        try:
            times.append(term.wait_for(b"Pipeline"))
        finally:
            term.close()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app"], check=True, cwd=PROJECT_ROOT)
    bare = time.perf_counter() - t0
    report("launch to first frame (median of 3)", statistics.median(times), 1.0, "s")
    print(f"    (python + import textual alone: {bare:.3f} s)")


# -- latency -----------------------------------------------------------------------------
def test_bench_event_to_screen_latency_at_50_events_per_second(tmp_path):
    from tui.app import Phase25App

    lat: list[float] = []

    class Timed(Phase25App):
        def on_events_arrived(self, msg):  # type: ignore[override]
            entry = self._feeds.get(msg.feed_id)
            pending = list(entry[0]._queue) if entry else []
            super().on_events_arrived(msg)
            stamps = [e.ts for e in pending if isinstance(e, (ev.TrainReport, ev.MemorySample, ev.LogLine))]

            def shown() -> None:
                now = time.time()
                lat.extend(now - ts for ts in stamps)

            self.call_after_refresh(shown)

    run = new_run(tmp_path / "runs")
    writer = Writer(run.path, "50:8", hold=1.0)

    async def main() -> None:
        app = Timed(DEMO_CONFIG, [f'outputs.runs_dir="{tmp_path / "runs"}"'], attach=True, remember=False)
        async with app.run_test(size=(160, 50)) as pilot:
            while app.view.origin != "attached":
                await pilot.pause(0.05)
            writer.go()
            while writer.proc.poll() is None:
                await pilot.pause(0.05)
            await pilot.pause(0.3)
            app._stop.set()

    try:
        asyncio.run(main())
    finally:
        writer.close()
    lat.sort()
    p95 = lat[int(0.95 * (len(lat) - 1))]
    report("event-to-screen latency p95 @ 50 ev/s", p95 * 1000, 100.0, "ms")
    print(f"    ({len(lat)} events; median {statistics.median(lat) * 1000:.1f} ms, "
          f"max {lat[-1] * 1000:.1f} ms; includes the 50 ms file poll)")


# -- CPU and RSS while streaming --------------------------------------------------------------
def test_bench_cpu_and_rss_while_streaming_a_training_run(tmp_path):
    runs = tmp_path / "runs"
    run = new_run(runs)
    writer = Writer(run.path, "5:10,50:10", hold=1.0)
    term = Terminal(["--set", f'outputs.runs_dir="{runs}"'])
    try:
        term.wait_for(b"attached")
        proc = psutil.Process(term.proc.pid)
        time.sleep(1.0)
        writer.go()
        marks: list[tuple[str, float, float]] = []
        while (line := writer.line()) and line != "done":
            marks.append((line, time.perf_counter(), sum(proc.cpu_times()[:2])))
        marks.append(("done", time.perf_counter(), sum(proc.cpu_times()[:2])))
        labels = {"phase 5": "a training run's rate (5 ev/s)", "phase 50": "a flood (50 ev/s)"}
        for (label, t0, c0), (_, t1, c1) in zip(marks, marks[1:], strict=False):
            report(f"TUI CPU, {labels.get(label, label)}", (c1 - c0) / (t1 - t0) * 100, 10.0, "%")
        rss = proc.memory_info().rss
        report("TUI RSS after streaming", rss / 2**20, 200.0, "MB")
        maps = Path(f"/proc/{term.proc.pid}/maps").read_text()
        assert "libmlx" not in maps, "the dashboard process must not load mlx"
    finally:
        term.close()
        writer.close()


# -- plot -----------------------------------------------------------------------------------
def test_bench_loss_plot_of_100k_points(tmp_path):
    from tui.app import Phase25App
    from tui.view import RunView
    from tui.widgets.loss_plot import LossPlot
    from tui.widgets.train_panel import TrainPanel

    view = RunView(origin="replay")
    view.apply([train_event(i, 100_000) for i in range(1, 100_001)])
    view.apply([ev.ValReport(stage="train", iteration=i, val_loss=2.0 / (1 + i / 500), val_time_s=0.1)
                for i in range(1000, 100_001, 1000)])
    timings: dict[str, list[float]] = {"down": [], "full": []}

    async def main() -> None:
        app = Phase25App(DEMO_CONFIG, [f'outputs.runs_dir="{tmp_path}"'], attach=False, remember=False,
                         initial=None)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause(0.2)
            panel = app.screen.query_one(TrainPanel)
            plot = app.screen.query_one(LossPlot)
            panel.set_class(True, "-has-data")
            await pilot.pause(0.1)
            for _ in range(5):
                t0 = time.perf_counter()
                panel.replot(view)
                plot.render()
                timings["down"].append(time.perf_counter() - t0)
            import tui.widgets.loss_plot as lp

            original = lp.downsample
            lp.downsample = lambda xs, ys, buckets: (list(xs), list(ys))
            try:
                t0 = time.perf_counter()
                panel.replot(view)
                plot.render()
                timings["full"].append(time.perf_counter() - t0)
            finally:
                lp.downsample = original

    asyncio.run(main())
    down = statistics.median(timings["down"])
    report("loss plot redraw, 100k points, downsampled", down * 1000, 50.0, "ms")
    print(f"    (without downsampling: {timings['full'][0] * 1000:.0f} ms, "
          f"{timings['full'][0] / down:.0f}x slower)")


# -- replay ---------------------------------------------------------------------------------
def test_bench_open_a_10k_event_replay(tmp_path):
    from tui.app import Phase25App

    runs = tmp_path / "runs"
    cfg = demo_cfg(runs)
    run = create_run(cfg, ["train"])
    with ev.EventWriter(run.events_path) as w:
        w.emit(ev.RunStarted(run_id=run.id, config_path=str(DEMO_CONFIG), stages=["train"], demo=True))
        w.emit(ev.StageStarted(stage="train", pid=1))
        for k in range(9_996):
            w.emit(memory_event(k) if k % 3 == 2 else train_event(k, 10_000))
        w.emit(ev.StageFinished(stage="train", duration_s=3600.0, headline="iter 10000/10000"))
        w.emit(ev.RunFinished(status="done", duration_s=3601.0))
    seconds: list[float] = []

    async def main() -> None:
        app = Phase25App(DEMO_CONFIG, [f'outputs.runs_dir="{runs}"'], attach=False, remember=False,
                         initial=None)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause(0.2)
            done = asyncio.Event()
            t0 = time.perf_counter()
            app.open_run(run, "replay")
            while app.view.run_id != run.id:
                await asyncio.sleep(0.001)
            app.call_after_refresh(done.set)
            await done.wait()
            seconds.append(time.perf_counter() - t0)

    asyncio.run(main())
    report("open a replay of 10,000 events", seconds[0], 1.0, "s")
