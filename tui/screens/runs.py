"""The Runs screen: the run history from the config's runs folder. Open a run to replay its
curves, memory and results; pick a second run to draw its loss curve over the one shown."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Static

from core import events as ev
from core.pipeline import BY_NAME, STAGE_NAMES
from core.run_index import RunRow, index
from core.run_index import read_row as index_row
from core.runs import Run
from tui import fmt
from tui.messages import RunsListed
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.topbar import TopBar

MAX_RUNS = 200


def read_row(run: Run) -> RunRow | None:
    """A run's row, or None for a run folder that cannot be read (the CLI names those)."""
    row = index_row(run)
    return row if isinstance(row, RunRow) else None


def preview(row: RunRow) -> Table:
    t = Table(box=None, pad_edge=False, show_header=True, header_style="bold dim", expand=True)
    t.add_column("stage")
    t.add_column("status")
    t.add_column("time", justify="right")
    t.add_column("result", ratio=1, no_wrap=True, overflow="ellipsis")
    for name in row.stages:
        st = row.state.stages.get(name)
        if st is None:
            continue
        figure = st.headline or (st.reason.splitlines() or [""])[0]
        now = time.time() if row.status == "running" else (row.state.ended or st.ended or time.time())
        t.add_row(BY_NAME[name].title if name in BY_NAME else name, fmt.status_text(st.status),
                  fmt.duration(st.elapsed(now)), figure)
    return t


class RunsScreen(RunScreen):
    MODE = "runs"
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("o", "open", "Open", tooltip="replay the selected run: its curves, memory and results"),
        Binding("v", "overlay", "Overlay loss", tooltip="draw the selected run's loss curve over the run shown"),
        Binding("x", "clear_overlay", "No overlay", tooltip="remove the overlaid loss curve"),
        Binding("r", "reload", "Reload", tooltip="read the runs folder again"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.rows: list[RunRow] = []

    def compose(self) -> ComposeResult:
        yield TopBar("runs")
        with Horizontal(id="runs-body"):
            yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="run-preview")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        for col in ("run", "created", "status", "time", "stages", "config", "events"):
            table.add_column(col, key=col)
        table.focus()
        self.query_one("#run-preview").border_title = "run"
        self.action_reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.action_reload()

    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        super().show_run(view, batch)
        if batch is not None and any(isinstance(e, (ev.RunFinished, ev.RunStarted)) for e in batch):
            self.action_reload()

    def action_reload(self) -> None:
        cfg = self.p25.cfg
        if cfg is None:
            self.query_one("#run-preview", Static).update("No valid config: no runs folder to list.")
            return
        self._list(cfg.runs_dir)

    @work(thread=True, exclusive=True, group="runs-list", exit_on_error=False)
    def _list(self, runs_dir: Path) -> None:
        rows = [r for r in index(runs_dir, MAX_RUNS) if isinstance(r, RunRow)]
        self.post_message(RunsListed(rows))

    def on_runs_listed(self, msg: RunsListed) -> None:
        table = self.query_one("#runs-table", DataTable)
        chosen = self.selected()
        keep = chosen.run.id if chosen is not None else None
        self.rows = msg.rows
        table.clear()
        shown = self.p25.view.run_id
        for r in self.rows:
            name = Text(r.run.id, style="bold" if r.run.id == shown else "")
            config = r.config + (" (demo)" if r.demo else "")
            stages = "all" if tuple(r.stages) == STAGE_NAMES else \
                ",".join(BY_NAME[s].title if s in BY_NAME else s for s in r.stages)
            events = str(r.events) + (f" ({r.bad} bad)" if r.bad else "")
            table.add_row(name, fmt.clock(r.created), fmt.status_text(r.status), fmt.duration(r.duration_s),
                          fmt.truncate(stages, 24), config, events, key=r.run.id)
        if not self.rows:
            where = fmt.rel(self.p25.cfg.runs_dir) if self.p25.cfg else "?"
            self.query_one("#run-preview", Static).update(f"No runs yet in {where}.\nPress 1, then r or a, to start one.")
            return
        ids = [r.run.id for r in self.rows]
        table.move_cursor(row=ids.index(keep) if keep in ids else 0)
        self._preview()

    def selected(self) -> RunRow | None:
        table = self.query_one("#runs-table", DataTable)
        if not self.rows or not (0 <= table.cursor_row < len(self.rows)):
            return None
        return self.rows[table.cursor_row]

    def _preview(self) -> None:
        row = self.selected()
        box = self.query_one("#run-preview", Static)
        if row is None:
            return
        box.border_title = f"run {row.run.id}"
        head = Text()
        head.append(f"{row.status}", style=fmt.STATUS_RICH.get(row.status, ""))
        head.append(f" · {fmt.duration(row.duration_s)} · {row.events} events\n", style="dim")
        head.append(fmt.rel(row.run.path) + "\n", style="dim")
        from rich.console import Group

        box.update(Group(head, preview(row)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._preview()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.p25.open_run(row.run, "replay")

    def action_overlay(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.state.train:
            self.notify(f"Run {row.run.id} has no training curve.", severity="warning")
            return
        self.p25.open_run(row.run, "overlay")

    def action_clear_overlay(self) -> None:
        self.p25.view.overlay = None
        self.p25.view.overlay_id = None
        self.notify("Overlay removed")

    def action_cursor(self, delta: int) -> None:
        table = self.query_one("#runs-table", DataTable)
        table.move_cursor(row=max(0, table.cursor_row + delta))
