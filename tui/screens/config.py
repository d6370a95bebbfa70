"""The Config screen: which config file is loaded, whether it is valid (each problem listed with its
file, line and field), the demo's plain warning, and the resolved config."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from core.config import dump_config
from tui import fmt
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.topbar import TopBar

DEMO_NOTE = (
    "DEMO: this config runs tiny stand-in models built locally (a few hundred thousand parameters). "
    "They exercise the same pipeline and code paths, but their scores say nothing about "
    "Qwen2.5-Coder-7B or Qwen3-30B-A3B."
)


class ConfigScreen(RunScreen):
    MODE = "config"
    BINDINGS = [Binding("r", "reload", "Reload config", tooltip="read and check the config file again")]

    def compose(self) -> ComposeResult:
        yield TopBar("config")
        yield Static(id="config-status")
        with VerticalScroll(id="config-body"):
            yield Static(id="config-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#config-body").focus()
        self.draw()

    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        super().show_run(view, batch)
        if batch is None:
            self.draw()

    def draw(self) -> None:
        app = self.p25
        status = Text()
        status.append("config ", style="dim")
        status.append(app.config_label(), style="bold")
        if app.overrides:
            status.append("  overrides: " + " ".join(app.overrides), style="dim")
        status.append("\n")
        body = self.query_one("#config-text", Static)
        if app.cfg is None:
            err = app.config_error
            problems = err.problems if err is not None else ["unknown problem"]
            status.append(f"✗ invalid: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
                          style="bold red")
            lines = Text()
            for p in problems:
                lines.append("  ✗ ", style="bold red")
                lines.append(p + "\n")
            lines.append("\nFix the file, then press r to reload. Nothing can run until it is valid.",
                         style="italic")
            body.update(lines)
        else:
            status.append("✓ valid", style="bold green")
            status.append(f"   runs in {fmt.rel(app.cfg.runs_dir)}", style="dim")
            parts: list[Any] = []
            if app.cfg.experiment.demo:
                parts.append(Text(DEMO_NOTE + "\n", style="bold black on yellow"))
            parts.append(Syntax(dump_config(app.cfg), "toml", theme="monokai", line_numbers=False,
                                background_color="default"))
            body.update(Group(*parts))
        self.query_one("#config-status", Static).update(status)

    def action_reload(self) -> None:
        self.p25.reload_config()
        self.draw()
