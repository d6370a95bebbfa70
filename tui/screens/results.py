"""The Results screen: the 20 queries with both models' checks, pass, latency and speed, filters,
and a summary bar with the accuracies, the ratio and the verdict band."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from core import events as ev
from tui import fmt
from tui.results_data import (
    BAND_STYLE,
    BAND_WORDS,
    CHECK_ORDER,
    CHECK_SHORT,
    FILTERS,
    MODELS,
    SHORT,
    ModelResult,
    Row,
    Summary,
    build_rows,
    summarize,
)
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.topbar import TopBar

FILTER_KEYS = {"all": "a", "regressions": "g", "fixed": "x", "failures": "f", "tool": "t", "direct": "d"}
KLASS_STYLE = {"fixed": "bold green", "regressed": "bold red", "both pass": "green", "both fail": "red"}
RESULT_EVENTS = (ev.QueryResult, ev.StageFinished, ev.RunStarted)


def checks_cell(r: ModelResult | None) -> Text:
    t = Text()
    for name in CHECK_ORDER:
        t.append_text(fmt.check_mark(r.checks.get(name) if r else None))
    return t


def pass_cell(r: ModelResult | None) -> Text:
    if r is None or r.passed is None:
        return Text(fmt.UNKNOWN, style="dim")
    return Text("pass", style="bold green") if r.passed else Text("fail", style="bold red")


def pct(v: float | None) -> str:
    return fmt.UNKNOWN if v is None else f"{v * 100:.0f}%"


def summary_text(s: Summary, source: str) -> Text:
    t = Text()
    for m in MODELS:
        p, n = s.passes[m]
        t.append(f"{SHORT[m]} ", style="bold")
        t.append(pct(s.accuracy[m]), style="bold")
        t.append(f" ({p}/{n})  " if n else "  ", style="dim")
    t.append("ratio ", style="dim")
    t.append(fmt.num(s.ratio, ".2f"), style="bold")
    t.append("  ")
    if s.band:
        t.append(f" {BAND_WORDS[s.band]} ", style=BAND_STYLE[s.band])
    else:
        t.append("verdict unknown", style="dim")
    t.append("\n")
    t.append("speed 7B/30B ", style="dim")
    t.append(fmt.num(s.speed_measured, ".2f", "×"))
    t.append(" measured, ", style="dim")
    t.append(fmt.num(s.speed_predicted, ".2f", "×"))
    t.append(" predicted   memory ", style="dim")
    t.append(fmt.num(s.memory_measured, ".2f", "×"))
    t.append(" measured, ", style="dim")
    t.append(fmt.num(s.memory_predicted, ".2f", "×"))
    t.append(" predicted", style="dim")
    if source:
        t.append(f"   ({'compare · ' if s.from_compare else ''}{source})", style="dim italic")
    return t


class ResultsScreen(RunScreen):
    MODE = "results"
    BINDINGS = [
        Binding("a", "filter('all')", "All"),
        Binding("g", "filter('regressions')", "Regressed"),
        Binding("x", "filter('fixed')", "Fixed"),
        Binding("f", "filter('failures')", "Failures"),
        Binding("t", "filter('tool')", "Tool"),
        Binding("d", "filter('direct')", "Direct"),
        Binding("enter", "open_diff", "Diff", show=False),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.filter = "all"
        self.rows: list[Row] = []
        self.shown: list[Row] = []
        self.source = ""
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("results")
        yield Static(id="summary")
        yield Static(id="filters")
        yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#results-table").focus()

    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        super().show_run(view, batch)
        if batch is not None and not any(isinstance(e, RESULT_EVENTS) for e in batch):
            return
        self.rows, self.source = build_rows(view.state, self.p25.cfg)
        s = summarize(view.state, self.rows, self.p25.cfg)
        src = self.source or "no results yet: run the test stages (test 7B, test 30B)"
        self.query_one("#summary", Static).update(summary_text(s, src))
        self.refill()

    def on_resize(self) -> None:
        wide = self.size.width >= 120
        if wide != self._wide:
            self.refill()

    def _columns(self, table: DataTable[Any], wide: bool) -> None:
        table.clear(columns=True)
        table.add_column("id", key="id")
        table.add_column("cat", key="cat")
        table.add_column("query", key="query", width=44 if wide else 22)
        for m in MODELS:
            table.add_column(f"{SHORT[m]} {''.join(CHECK_SHORT[c] for c in CHECK_ORDER)}", key=f"{m}-checks")
            table.add_column(SHORT[m] if not wide else f"{SHORT[m]} pass", key=f"{m}-pass")
            if wide:
                table.add_column("lat s", key=f"{m}-lat")
                table.add_column("tok/s", key=f"{m}-tps")
        table.add_column("class", key="class")

    def refill(self) -> None:
        table = self.query_one("#results-table", DataTable)
        wide = self.size.width >= 120
        keep = self.selected_id()
        self._wide = wide
        self._columns(table, wide)
        self.shown = [r for r in self.rows if r.matches(self.filter)]
        for r in self.shown:
            cells: list[Any] = [r.query_id, r.category or fmt.UNKNOWN, fmt.truncate(r.prompt, 44 if wide else 22)]
            for m in MODELS:
                res = r.results.get(m)
                cells += [checks_cell(res), pass_cell(res)]
                if wide:
                    cells += [fmt.num(res.latency_s if res else None, ".1f"),
                              fmt.num(res.tps if res else None, ".0f")]
            cells.append(Text(r.klass, style=KLASS_STYLE.get(r.klass, "dim")))
            table.add_row(*cells, key=r.query_id)
        if keep and any(r.query_id == keep for r in self.shown):
            table.move_cursor(row=[r.query_id for r in self.shown].index(keep))
        self._filters()

    def _filters(self) -> None:
        t = Text("filter ", style="dim")
        for name in FILTERS:
            n = sum(r.matches(name) for r in self.rows)
            style = "bold reverse" if name == self.filter else ""
            t.append(f" {FILTER_KEYS[name]} {name} {n} ", style=style)
            t.append(" ")
        self.query_one("#filters", Static).update(t)

    def selected_id(self) -> str | None:
        table = self.query_one("#results-table", DataTable)
        if not self.shown or not (0 <= table.cursor_row < len(self.shown)):
            return None
        return self.shown[table.cursor_row].query_id

    def action_filter(self, name: str) -> None:
        self.filter = name
        self.refill()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one("#results-table", DataTable)
        table.move_cursor(row=max(0, table.cursor_row + delta))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_diff()

    def action_open_diff(self) -> None:
        from tui.screens.diff import DiffScreen

        qid = self.selected_id()
        if qid is None:
            self.notify("No query to show.")
            return
        ids = [r.query_id for r in self.shown]
        self.app.push_screen(DiffScreen(self.shown, ids.index(qid)))
