"""The Results screen: the queries with both models' checks, pass, latency and speed, filters, and a
summary with the accuracies (overall, tool, direct), the ratio, the verdict band with its interval,
margin, power and tentative label, the seed's speed and memory claims, and a routing panel. ``e``
switches between the seed's core verdict and the extended one. It draws core's Results view
(core.evaluation.view) and decides nothing itself."""

from __future__ import annotations

from typing import Any

from rich.style import Style
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
    LoraPanel,
    ModelResult,
    Row,
    ScopeSummary,
    Summary,
    build_rows,
    lora_panel,
    summarize,
)
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.topbar import TopBar

FILTER_KEYS = {"all": "a", "regressions": "g", "fixed": "x", "failures": "f", "tool": "t", "direct": "d"}
WIDE = 140  # columns for latency, speed and the query text
SHORT_FILTER = {"regressions": "regr", "failures": "fail", "direct": "dir"}
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


def source_words(s: Summary, source: str) -> str:
    """Where the table and the verdict come from: one phrase when it is the same run."""
    if s.origin.startswith("compare") and source.startswith("run "):
        return f"compare · {source}"
    return "; ".join(part for part in (source, s.origin) if part)


def _count(p: float, n: int) -> str:
    return f"{p:g}/{n}" if n else fmt.UNKNOWN


def uncertainty_text(sh: ScopeSummary, narrow: bool) -> Text:
    """The interval, the tentative label, the margin, McNemar and the power of the shown verdict."""
    t = Text()
    if sh.interval is None:
        if sh.band is not None:
            t.append("no interval", style="dim")
            if sh.band == "inconclusive" and sh.reason and not narrow:
                t.append(f": {sh.reason}", style="dim")
        return t
    lo, hi = sh.interval
    t.append("95% CI " if narrow else "95% interval ", style="dim")
    t.append(f"{lo:.2f}–{hi:.2f}", style="bold")
    t.append("  margin " if not narrow else "  ±", style="dim")
    t.append(f"↑{fmt.num(sh.margin_up, 'd')} ↓{fmt.num(sh.margin_down, 'd')}")
    t.append(" queries" if not narrow else "", style="dim")
    if not narrow:
        t.append("  McNemar p ", style="dim")
        t.append(fmt.num(sh.mcnemar_p, ".2f"))
    t.append("  power " if not narrow else "  pow ", style="dim")
    t.append(pct(sh.power))
    if sh.queries_for_90 and not narrow:
        t.append(f" (90% at {sh.queries_for_90} queries)", style="dim")
    if sh.tentative:
        t.append("\n" if not narrow else "  ")
        short = sh.tentative
        for words, band in (("7B primary", "primary"), ("split by use case", "split"), ("stay on 30B", "stay")):
            short = short.replace(words, band)
        t.append(sh.tentative if not narrow else short, style="bold yellow")
    return t


def summary_text(s: Summary, source: str, narrow: bool = False) -> Text:
    sh = s.shown
    t = Text()
    if len(s.scopes) > 1 or sh.scope != "core":
        t.append(f"[{sh.scope}] ", style="bold cyan")
    for m in MODELS:
        p, n = sh.passes[m]
        t.append(f"{SHORT[m]} ", style="bold")
        t.append(pct(sh.accuracy[m]), style="bold")
        t.append(f" ({_count(p, n)})  " if n else "  ", style="dim")
        if sh.tool.get(m) and sh.direct.get(m) and not narrow:
            t.append(f"tool {_count(*sh.tool[m])} direct {_count(*sh.direct[m])}  ", style="dim")
    t.append("ratio ", style="dim")
    t.append(fmt.num(sh.ratio, ".2f"), style="bold")
    t.append("  ")
    if sh.band:
        t.append(f" {BAND_WORDS[sh.band]} ", style=BAND_STYLE[sh.band])
    else:
        t.append("verdict unknown", style="dim")
    unc = uncertainty_text(sh, narrow)
    if unc.plain:
        t.append("\n")
        t.append_text(unc)
    t.append("\n")
    t.append("7B/30B speed " if not narrow else "speed ", style="dim")
    t.append(fmt.num(s.speed_measured, ".2f", "×"))
    t.append(" measured, " if not narrow else " (pred ", style="dim")
    t.append(fmt.num(s.speed_predicted, ".2f", "×"))
    t.append(" predicted   memory " if not narrow else ") mem ", style="dim")
    t.append(fmt.num(s.memory_measured, ".2f", "×"))
    t.append(" measured, " if not narrow else " (pred ", style="dim")
    t.append(fmt.num(s.memory_predicted, ".2f", "×"))
    t.append(" predicted" if not narrow else ")", style="dim")
    if s.bits_note and not narrow:
        t.append("  measured at different bits: not like for like", style="yellow")
    if s.physics and narrow:
        for claim, holds in zip(s.claims, s.claims_hold, strict=True):
            t.append(" ")
            t.append_text(fmt.check_mark(holds))
            t.append(" " + claim.strip('"').replace("memory", "mem"), style="dim")
    where = source_words(s, source)
    if where:
        t.append("\n" if narrow else "   ")
        t.append(f"({where})", style="dim italic")
    if s.physics and not narrow:
        t.append("\n")
        t.append("physics: ", style="dim")
        t.append(" · ".join(s.physics), style="italic")
    return t


def routing_text(sh: ScopeSummary, narrow: bool) -> Text:
    """The routing panel: each policy's accuracy, the 7B's share and the expected latency."""
    t = Text("routing " if not narrow else "route ", style="bold")
    r = sh.routing
    if r is None:
        t.append("needs both models' results", style="dim")
        return t
    for p in r.policies:
        name = p.name if not narrow else p.name.replace(" only", "").replace("by topic", "topic")
        t.append(f" {name} ", style="bold reverse" if p.name == r.best else "bold")
        t.append(f" {p.accuracy:.0%}")
        if not narrow:
            t.append(f" 7B {p.candidate_share:.0%} {fmt.num(p.latency_s_mean, '.2f', ' s')}", style="dim")
        elif p.name in ("by topic", "cascade"):
            t.append(f"/{p.candidate_share:.0%}", style="dim")
        t.append("  " if not narrow else " ")
    if sh.recommendation and not narrow:
        t.append("\n")
        t.append(f"recommended: {sh.recommendation}", style="italic")
    return t


def lora_text(p: LoraPanel) -> Text:
    """What LoRA changed, a row a figure: the unadapted candidate, then the adapted one."""
    t = Text("what LoRA changed", style="bold")
    if p.note:
        return t.append(f"  {p.note}", style="dim")
    t.append(f"   {p.before_label} → {p.after_label}\n", style="dim")
    for i, (what, before, after) in enumerate(p.rows):
        style = "bold green" if before != after else ""
        t.append(f" {what} ", style="dim").append(f"{before} → {after}", style=style)
        t.append("\n" if i % 3 == 2 else "  ·")
    return t


class ResultsScreen(RunScreen):
    MODE = "results"
    BINDINGS = [
        Binding("a", "filter('all')", "All", tooltip="show every query of the verdict shown (core or extended)"),
        Binding("g", "filter('regressions')", "Regressed", tooltip="queries the 30B passes and the 7B fails"),
        Binding("x", "filter('fixed')", "Fixed", tooltip="queries the 7B passes and the 30B fails"),
        Binding("f", "filter('failures')", "Failures", tooltip="queries either model fails"),
        Binding("t", "filter('tool')", "Tool", tooltip="the tool queries (13 in the core)"),
        Binding("d", "filter('direct')", "Direct", tooltip="the direct questions (7 in the core)"),
        Binding("e", "switch_scope", "Core/ext", tooltip="switch between the seed's core verdict and the extended one"),
        Binding("l", "toggle_lora", "LoRA", tooltip="what LoRA changed: the unadapted candidate beside the adapted one"),
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
        self._summary: tuple[Summary, str] | None = None
        self.scope = "core"
        self._lora: LoraPanel | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("results")
        yield Static(id="summary")
        yield Static(id="routing")
        yield Static(id="lora")
        yield Static(id="filters")
        yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#results-table").focus()
        self.query_one("#lora").display = False

    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        super().show_run(view, batch)
        if batch is not None and not any(isinstance(e, RESULT_EVENTS) for e in batch):
            return
        self.rows, self.source = build_rows(view.state, self.p25.cfg)
        s = summarize(view.state, self.rows, self.p25.cfg, self.scope)
        src = self.source or "no results yet: run the test stages (test 7B, test 30B)"
        self._summary = (s, src)
        self._lora = lora_panel(view.state, self.p25.cfg)
        self.refill()

    def on_resize(self) -> None:
        self.refill()

    def _columns(self, table: DataTable[Any], wide: bool) -> tuple[int, int]:
        """Columns for the width; returns (id width, query width): the query takes what is left."""
        table.clear(columns=True)
        longest = max((len(r.query_id) for r in self.rows), default=8)
        if wide:  # id, cat, query, then 4 columns a model, then the class: the query takes the rest
            id_w = min(longest, 34)
            query_w = max(12, self.size.width - (id_w + 6 + 2 * 26 + 9) - 2 * 12 - 2)
        else:  # id, then 2 columns a model, then the class: the id takes the rest, no query
            id_w = max(10, min(longest, self.size.width - (2 * 12 + 9) - 2 * 6 - 2))
            query_w = 0
        table.add_column("id", key="id", width=id_w)
        if wide:
            table.add_column("cat", key="cat", width=6)
            table.add_column("query", key="query", width=query_w)
        for m in MODELS:
            table.add_column(f"{SHORT[m]} {''.join(CHECK_SHORT[c] for c in CHECK_ORDER)}", key=f"{m}-checks")
            table.add_column(f"{SHORT[m]} pass" if wide else SHORT[m], key=f"{m}-pass")
            if wide:
                table.add_column("lat s", key=f"{m}-lat")
                table.add_column("tok/s", key=f"{m}-tps")
        table.add_column("class", key="class", width=9)
        return id_w, query_w

    def refill(self) -> None:
        table = self.query_one("#results-table", DataTable)
        wide = self.size.width >= WIDE
        keep = self.selected_id()
        self._wide = wide
        id_w, query_w = self._columns(table, wide)
        self.shown = [r for r in self.rows if r.matches(self.filter) and self._in_scope(r)]
        for r in self.shown:
            cells: list[Any] = [fmt.truncate(r.query_id, id_w)]
            if wide:
                cells += [r.category or fmt.UNKNOWN, fmt.truncate(r.prompt, query_w)]
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
        if self._summary is not None:
            self.query_one("#summary", Static).update(summary_text(*self._summary, narrow=not wide))
            self.query_one("#routing", Static).update(routing_text(self._summary[0].shown, narrow=not wide))
        if self._lora is not None:
            self.query_one("#lora", Static).update(lora_text(self._lora))
        self._filters()

    def _filters(self) -> None:
        wide = self.size.width >= WIDE
        t = Text("filter " if wide else "", style="dim")
        for name in FILTERS:
            n = sum(r.matches(name) and self._in_scope(r) for r in self.rows)
            style = "bold reverse" if name == self.filter else ""
            label = name if wide else SHORT_FILTER.get(name, name)
            t.append(f" {FILTER_KEYS[name]} {label} {n} ",
                     style=Style.parse(style or "none") + Style(meta={"@click": f"screen.filter('{name}')"}))
            t.append(" " if wide else "")
        self.query_one("#filters", Static).update(t)

    def selected_id(self) -> str | None:
        table = self.query_one("#results-table", DataTable)
        if not self.shown or not (0 <= table.cursor_row < len(self.shown)):
            return None
        return self.shown[table.cursor_row].query_id

    def _in_scope(self, r: Row) -> bool:
        """The core verdict shows the core queries; the extended one every query."""
        return self._scope_shown() != "core" or r.tier == "core"

    def _scope_shown(self) -> str:
        return self._summary[0].shown.scope if self._summary is not None else "core"

    def action_switch_scope(self) -> None:
        if self._summary is None:
            return
        s, src = self._summary
        if "extended" not in s.scopes:
            self.notify("Only the core verdict: the extended tier did not run.")
            return
        self.scope = "extended" if self.scope == "core" else "core"
        self._summary = (s.model_copy(update={"scope": self.scope}), src)
        self.refill()

    def action_toggle_lora(self) -> None:
        panel = self.query_one("#lora", Static)
        panel.display = not panel.display

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
