"""The doctor's report on the Config screen: for each section (platform, models, data, memory,
disk, time) each check's need against have and its verdict, what to change where something is
tight or won't fit, and the overall verdict. Drawn from ``phase25 doctor --json``'s report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

SECTIONS = ("platform", "models", "data", "memory", "disk", "time")
STYLE = {"fits": "green", "tight": "yellow", "won't fit": "bold red", "info": "dim"}
SUMMARY = {"fits": "everything fits", "info": "everything fits", "tight": "it fits, but some checks are tight",
           "won't fit": "something won't fit"}
WIDE = 110
"""From this width need and have sit side by side; narrower, they stack under each other."""


def headline(report: dict[str, Any]) -> Text:
    verdict = str(report.get("verdict", "info"))
    counts: dict[str, int] = {}
    for c in report.get("checks", []):
        counts[c.get("verdict", "info")] = counts.get(c.get("verdict", "info"), 0) + 1
    text = Text("doctor: ", style="bold")
    text.append(SUMMARY.get(verdict, verdict), style=STYLE.get(verdict, "") if verdict != "info" else "green")
    said = [f"{counts[v]} {v}" for v in ("won't fit", "tight", "fits") if counts.get(v)]
    if said:
        text.append(f" · {', '.join(said)} · exit code {report.get('exit_code', '?')}", style="dim")
    return text


def need_have(need: str, have: str) -> Table:
    """'need' and 'have' as labels, their text wrapping beside them (long paths folded, not cut)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for label, text in (("need", need), ("have", have)):
        if text:
            grid.add_row(label, text)
    return grid


class ReportView:
    """The report as rich renderables, laid out for the width it is drawn at."""

    def __init__(self, report: dict[str, Any]):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        wide = options.max_width >= WIDE
        checks = self.report.get("checks", [])
        for section in SECTIONS:
            rows = [c for c in checks if c.get("section") == section]
            if rows:
                yield self._table(section, rows, wide)
                for c in rows:
                    if c.get("advice"):
                        bad = c.get("verdict") in ("tight", "won't fit")
                        style = STYLE[c["verdict"]] if bad else "dim"
                        yield Padding(Text(f"{c.get('name')}: {c['advice']}", style=style), (0, 0, 0, 2))
        for note in self.report.get("notes", []):
            yield Text(f"note: {note}", style="dim")

    @staticmethod
    def _table(section: str, rows: list[dict[str, Any]], wide: bool) -> Table:
        t = Table(box=None, header_style="bold", pad_edge=False, title=section, title_justify="left",
                  title_style="bold underline", expand=True)
        t.add_column("check", no_wrap=wide, max_width=None if wide else 20, overflow="fold")
        if wide:
            t.add_column("need", ratio=1)
            t.add_column("have", ratio=1)
        t.add_column("verdict", no_wrap=True)
        if not wide:
            t.add_column("need / have", ratio=1)
        for c in rows:
            v = str(c.get("verdict", "info"))
            verdict = Text("" if v == "info" else v, style=STYLE.get(v, ""))
            need, have = str(c.get("need", "")), str(c.get("have", ""))
            if wide:
                t.add_row(str(c.get("name", "")), need, have, verdict)
            else:
                t.add_row(str(c.get("name", "")), verdict, need_have(need, have))
        return t


class DoctorPanel(Static):
    """One of: not run (the config is invalid), running, the report, or why the doctor failed."""

    DEFAULT_CSS = """
    DoctorPanel { height: auto; margin: 1 0 0 0; }
    """

    def show_running(self, command: str) -> None:
        self.update(Text.assemble(("doctor: checking ", "bold yellow"),
                                  ("memory, disk, time, models and data for this machine…\n", "yellow"),
                                  (f"running {command}", "dim")))

    def show_report(self, report: dict[str, Any]) -> None:
        self.update(Group(headline(report), Text("what to change is under each section; d runs it again\n", style="dim"),
                          ReportView(report)))

    def show_failure(self, message: str) -> None:
        self.update(Text.assemble(("doctor: could not check this machine\n", "bold red"), (message, "red"),
                                  ("\npress d to try again", "dim")))

    def show_not_run(self, why: str) -> None:
        self.update(Text(f"doctor: {why}", style="dim"))


class DoctorHeadline(Static):
    """The doctor's verdict in one line at the top of the Config screen; the report is further down."""

    DEFAULT_CSS = """
    DoctorHeadline { height: auto; padding: 0 1; }
    """

    def show_running(self) -> None:
        self.update(Text("doctor: checking this machine… (its report follows the config below)", style="yellow"))

    def show_report(self, report: dict[str, Any]) -> None:
        self.update(headline(report).append(" · its report follows the config below", style="dim"))

    def show_failure(self) -> None:
        self.update(Text("doctor: could not check this machine (why: below the config)", style="bold red"))

    def show_not_run(self, why: str) -> None:
        self.update(Text(f"doctor: {why}", style="dim"))
