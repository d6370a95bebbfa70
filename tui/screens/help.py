"""The help screen: every key, per screen, read from the screens' own bindings (so it never drifts)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = {
    "Everywhere": [("ctrl+p", "command palette: run a stage, open a run, go to a screen, export"),
                   ("ctrl+q", "quit")],
    "Pipeline": [("↑ ↓ j k", "select a stage"), ("enter", "show the stage's log")],
    "Results": [("↑ ↓ j k", "select a query"), ("enter", "open the query diff")],
    "Runs": [("↑ ↓ j k", "select a run"), ("enter", "replay the selected run")],
}


def key_label(key: str) -> str:
    names = {"question_mark": "?", "escape": "esc", "backspace": "⌫", "enter": "enter"}
    return " ".join(names.get(k, k) for k in key.split(","))


def binding_rows(bindings: list[object]) -> list[tuple[str, Text | str]]:
    rows: list[tuple[str, Text | str]] = []
    for b in bindings:
        if isinstance(b, Binding):
            what = Text(b.description or b.action, style="bold")
            if b.tooltip:
                what.append(f"  {b.tooltip}", style="")
            rows.append((key_label(b.key), what))
        elif isinstance(b, tuple) and len(b) >= 3:
            rows.append((key_label(str(b[0])), str(b[2])))
    return rows


def help_table() -> Table:
    from tui.app import Phase25App
    from tui.screens.config import ConfigScreen
    from tui.screens.diff import DiffScreen
    from tui.screens.pipeline import PipelineScreen
    from tui.screens.results import ResultsScreen
    from tui.screens.runs import RunsScreen

    sections = [
        ("Everywhere", Phase25App.BINDINGS),
        ("Pipeline", PipelineScreen.BINDINGS),
        ("Results", ResultsScreen.BINDINGS),
        ("Query diff", DiffScreen.BINDINGS),
        ("Runs", RunsScreen.BINDINGS),
        ("Config", ConfigScreen.BINDINGS),
    ]
    t = Table(box=None, show_header=False, pad_edge=False, expand=True)
    t.add_column("key", style="bold cyan", no_wrap=True, min_width=10)
    t.add_column("what")
    for title, bindings in sections:
        t.add_row(Text(title, style="bold underline"), "")
        rows = [r for r in binding_rows(list(bindings)) if r[0] not in ("j", "k", "enter")]
        for key, what in EXTRA.get(title, []) + rows:
            t.add_row(key, what)
        t.add_row("", "")
    return t


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 2;
    }
    """
    BINDINGS = [Binding("escape,question_mark,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "keys"
            yield Static(help_table())
