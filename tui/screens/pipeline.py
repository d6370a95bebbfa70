"""The Pipeline screen (home): the stages, the live training and memory panels, and the log tail."""

from __future__ import annotations

import time
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import DataTable, Footer, Static

from core import events as ev
from core.pipeline import BY_NAME
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.download_bar import DownloadBar
from tui.widgets.log_tail import LogTail
from tui.widgets.memory_panel import MemoryPanel
from tui.widgets.stage_list import StageList
from tui.widgets.topbar import TopBar
from tui.widgets.train_panel import TrainPanel

PANELS = (("train", "t", "Training"), ("memory", "m", "Memory"), ("log", "l", "Log"))
TRAIN_EVENTS = (ev.TrainReport, ev.ValReport, ev.StageStarted)
# Events that change a stage's state: shown at once. Headlines that only tick along (a training
# report, a progress step) reach the stage list with the once-a-second refresh instead.
LIFECYCLE = (ev.RunStarted, ev.RunFinished, ev.StageStarted, ev.StageFinished, ev.StageFailed, ev.StageCancelled)
TICK_S = 0.25  # log tail and sparklines
PLOT_INTERVAL_S = 1.0  # the loss plot is the costly redraw: at most once a second while streaming


class PipelineScreen(RunScreen):
    MODE = "pipeline"
    BINDINGS = [
        Binding("r", "run_selected", "Run", tooltip="run the selected stage, after its prerequisites (cached ones finish at once)"),
        Binding("a", "run_all", "Run all", tooltip="run the whole pipeline, prepare to report"),
        Binding("f", "force_selected", "Force", tooltip="re-run the selected stage even if its cache is valid"),
        Binding("c", "cancel", "Cancel", tooltip="stop the running stage gracefully (asks first; it saves a checkpoint)"),
        Binding("t", "panel('train')", "Train", show=False, tooltip="training panel (narrow screens)"),
        Binding("m", "panel('memory')", "Memory", show=False, tooltip="memory panel (narrow screens)"),
        Binding("l", "panel('log')", "Log", show=False, tooltip="log panel (narrow screens)"),
        Binding("s", "toggle_stream", "out/err", tooltip="switch the log between the stage's stdout and stderr"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.panel = "train"
        self._panel_chosen = False
        self._shown_run: str | None = None  # the user picked a panel: stop choosing it for them
        self._plot_dirty = False
        self._memory_dirty = False
        self._last_plot = 0.0
        self._last_tick = 0.0

    def compose(self) -> ComposeResult:
        yield TopBar("pipeline")
        with Container(id="body"):
            yield StageList(id="stages")
            yield Static(id="panel-tabs")
            yield TrainPanel(id="train-panel", classes="panel")
            yield LogTail(id="log-panel", classes="panel")
            yield MemoryPanel(id="memory-panel", classes="panel")
        yield DownloadBar(id="download")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stages").border_title = "stages"
        self.query_one("#train-panel").border_title = "training"
        self.query_one("#memory-panel").border_title = "memory"
        self.set_panel(self.panel)
        self.set_interval(TICK_S, self._tick)
        self.query_one(StageList).focus()

    # -- drawing -----------------------------------------------------------------------------
    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        super().show_run(view, batch)
        stages = self.query_one(StageList)
        if batch is None or any(isinstance(e, LIFECYCLE) for e in batch):
            stages.show(view)
            self._last_tick = time.monotonic()
        if batch is None or any(isinstance(e, (ev.DownloadProgress, *LIFECYCLE)) for e in batch):
            self.query_one(DownloadBar).show(view)
        train = batch is None or any(isinstance(e, TRAIN_EVENTS) for e in batch)
        if batch is None and view.run_id != self._shown_run:
            self._shown_run = view.run_id
            focus = [n for n, st in view.state.stages.items() if st.status in ("running", "failed")]
            if focus:
                stages.select(focus[0])
        if batch is None:
            if not self._panel_chosen:
                failed = any(s.status == "failed" for s in view.state.stages.values())
                self.set_panel("log" if failed and not view.state.train else "train")
            self._draw_train(view)
            self.query_one(MemoryPanel).show(view)
        else:
            if train:
                self.query_one(TrainPanel).show(view, plot=False)
                self._plot_dirty = True
            if any(isinstance(e, ev.MemorySample) for e in batch):
                self._memory_dirty = True
            for e in batch:
                if isinstance(e, ev.StageFailed) and e.stage in BY_NAME:
                    stages.select(e.stage)
                    self.set_panel("log")
                elif isinstance(e, ev.StageStarted) and e.stage in BY_NAME and view.live:
                    stages.select(e.stage)
        self._show_log(view, force=batch is None)

    def _draw_train(self, view: RunView) -> None:
        self.query_one(TrainPanel).show(view, plot=True)
        self._plot_dirty = False
        self._last_plot = time.monotonic()

    def _show_log(self, view: RunView, force: bool = False) -> None:
        self.query_one(LogTail).show_stage(view, self.query_one(StageList).selected, force=force)

    def _tick(self) -> None:
        """Throttled redraws: the plot at most once a second, the sparklines and the log tail every
        0.25 s, the running stage's elapsed time every second while live."""
        if not self.is_current:
            return
        view = self.p25.view
        if self._plot_dirty and time.monotonic() - self._last_plot >= PLOT_INTERVAL_S:
            self._draw_train(view)
        if self._memory_dirty:
            self.query_one(MemoryPanel).show(view)
            self._memory_dirty = False
        if view.live:
            self.query_one(LogTail).poll()
            now = time.monotonic()
            if now - self._last_tick >= 1.0:
                self._last_tick = now
                self.query_one(StageList).show(view)

    def set_panel(self, panel: str) -> None:
        self.panel = panel
        body = self.query_one("#body")
        for name, _, _ in PANELS:
            body.set_class(name == panel, f"show-{name}")
        tabs = Text()
        for name, key, label in PANELS:
            style = Style.parse("bold reverse" if name == panel else "dim")
            tabs.append(f" {key} {label} ", style=style + Style(meta={"@click": f"screen.panel('{name}')"}))
            tabs.append(" ")
        self.query_one("#panel-tabs", Static).update(tabs)

    # -- events ------------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_log(self.p25.view)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.set_panel("log")
        self._show_log(self.p25.view)

    def on_resize(self) -> None:
        # Sizes decide how many samples the sparklines show and how much of a headline fits.
        self.call_after_refresh(lambda: self.show_run(self.p25.view, None))  # the view shown *then*

    # -- actions -----------------------------------------------------------------------------
    def action_run_selected(self) -> None:
        self.p25.run_stage(self.query_one(StageList).selected)

    def action_force_selected(self) -> None:
        self.p25.run_stage(self.query_one(StageList).selected, force=True)

    def action_run_all(self) -> None:
        self.p25.run_all()

    def action_cancel(self) -> None:
        self.p25.action_cancel_run()

    def action_panel(self, panel: str) -> None:
        self._panel_chosen = True
        self.set_panel(panel)

    def action_toggle_stream(self) -> None:
        log = self.query_one(LogTail)
        stream = "stderr" if log.shown_stream == "stdout" else "stdout"
        log.show_stage(self.p25.view, self.query_one(StageList).selected, stream=stream, force=True)
        self.set_panel("log")

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(StageList)
        table.move_cursor(row=max(0, table.cursor_row + delta))
