"""The Config screen: which config file is loaded, whether it is valid (each problem listed with its
file, line and field), the demo's plain warning, the doctor's report (does the experiment fit this
machine: memory, disk, time, models, data), and the resolved config.

The doctor runs as its own process (``phase25 doctor --json``; it loads mlx, which the dashboard
never does) in a thread worker, when the screen opens with a valid config, on ``d``, and after a
reload; leaving the screen stops it, and coming back runs it again if it had not finished."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

from core.config import dump_config
from tui import fmt
from tui.doctor_run import DoctorOutcome, doctor_argv, run_doctor
from tui.screens.base import RunScreen
from tui.view import RunView
from tui.widgets.doctor_panel import DoctorHeadline, DoctorPanel
from tui.widgets.topbar import TopBar

DEMO_NOTE = (
    "DEMO: this config runs tiny stand-in models built locally (a few hundred thousand parameters). "
    "They exercise the same pipeline and code paths, but their scores say nothing about "
    "Qwen2.5-Coder-7B or Qwen3-30B-A3B."
)


class ConfigScreen(RunScreen):
    MODE = "config"
    BINDINGS = [Binding("r", "reload", "Reload config", tooltip="read and check the config file again"),
                Binding("d", "doctor", "Doctor", tooltip="run phase25 doctor again: does the experiment fit this machine?")]
    doctor_command = staticmethod(doctor_argv)
    """(config file, overrides) -> the doctor's command line (tests give a stand-in)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._doctor: Worker[None] | None = None
        self._doctor_done = False

    def compose(self) -> ComposeResult:
        yield TopBar("config")
        yield Static(id="config-status")
        yield DoctorHeadline(id="doctor-headline")
        with VerticalScroll(id="config-body"):
            yield Static(id="config-note")
            yield Static(id="config-text")
            yield DoctorPanel(id="doctor")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#config-body").focus()
        self.draw()
        self.start_doctor()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if not self._doctor_done and (self._doctor is None or self._doctor.is_finished):
            self.start_doctor()

    def on_screen_suspend(self) -> None:
        self.stop_doctor()

    def on_unmount(self) -> None:
        self.stop_doctor()

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
        note = self.query_one("#config-note", Static)
        note.display = bool(app.cfg is not None and app.cfg.experiment.demo)
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
            if app.cfg.experiment.demo:
                note.update(Text(DEMO_NOTE + "\n", style="bold black on yellow"))
            body.update(Syntax(dump_config(app.cfg), "toml", theme="monokai", line_numbers=False,
                               background_color="default"))
        self.query_one("#config-status", Static).update(status)

    # -- the doctor --------------------------------------------------------------------------
    def start_doctor(self) -> None:
        """Run the doctor on the loaded config (stopping a run already going)."""
        self.stop_doctor()
        panel = self.query_one(DoctorPanel)
        app = self.p25
        if app.cfg is None:
            self._doctor_done = True
            panel.show_not_run("runs once the config is valid")
            self.query_one(DoctorHeadline).show_not_run("runs once the config is valid")
            return
        self._doctor_done = False
        argv = self.doctor_command(Path(app.config_path), list(app.overrides))
        self.query_one(DoctorHeadline).show_running()
        panel.show_running("phase25 " + " ".join(argv[argv.index("doctor"):]) if "doctor" in argv else " ".join(argv))
        self._doctor = self._run_doctor(argv)

    def stop_doctor(self) -> None:
        if self._doctor is not None and self._doctor.is_running:
            self._doctor.cancel()
        self._doctor = None

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def _run_doctor(self, argv: list[str]) -> None:
        worker = get_current_worker()
        outcome = run_doctor(argv, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_doctor, outcome)

    def _show_doctor(self, outcome: DoctorOutcome) -> None:
        if outcome.status == "cancelled":
            return
        self._doctor_done = True
        panel = self.query_one(DoctorPanel)
        if outcome.status == "ok":
            panel.show_report(outcome.report)
            self.query_one(DoctorHeadline).show_report(outcome.report)
        else:
            panel.show_failure(outcome.message)
            self.query_one(DoctorHeadline).show_failure()

    def action_doctor(self) -> None:
        self.start_doctor()

    def action_reload(self) -> None:
        self.p25.reload_config()
        self.draw()
        self.start_doctor()
