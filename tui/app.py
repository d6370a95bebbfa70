"""``phase25-tui``: the dashboard. It starts the pipeline's stages (each its own process, through
:class:`core.runner.Pipeline`), streams their events, and shows results, diffs and past runs.

It never imports mlx: everything it shows comes from events and files the stages write.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from core.config import ConfigError, ExperimentConfig, load_config
from core.paths import default_config, remember_config
from core.pipeline import StageDef
from core.runner import Pipeline
from core.runs import Run, list_runs
from tui import fmt
from tui.commands import Phase25Commands
from tui.control import RunControl
from tui.feed import EventFeed, find_attachable
from tui.messages import RunLoaded
from tui.screens.config import ConfigScreen
from tui.screens.help import HelpScreen
from tui.screens.pipeline import PipelineScreen
from tui.screens.runs import RunsScreen
from tui.view import RunView


def results_screen() -> Screen[None]:
    """The Results screen, imported when it is first shown: its view (statistics, routing, what
    LoRA changed) loads numpy, which the first frame does not need."""
    from tui.screens.results import ResultsScreen

    return ResultsScreen()


class Phase25App(RunControl):
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "phase25"
    MODES = {
        "pipeline": PipelineScreen,
        "results": results_screen,
        "runs": RunsScreen,
        "config": ConfigScreen,
    }
    DEFAULT_MODE = "pipeline"
    COMMANDS = App.COMMANDS | {Phase25Commands}
    BINDINGS = [
        Binding("1", "show('pipeline')", "Pipeline", show=False, tooltip="Pipeline screen"),
        Binding("2", "show('results')", "Results", show=False, tooltip="Results screen"),
        Binding("3", "show('runs')", "Runs", show=False, tooltip="Runs screen: history and replays"),
        Binding("4", "show('config')", "Config", show=False, tooltip="Config screen"),
        Binding("L", "back_to_live", "Live run", show=False, tooltip="back to the run in progress (after opening another)"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("q", "quit", "Quit", tooltip="quit (asks what to do with a running stage)"),
    ]

    def __init__(
        self,
        config_path: str | Path | None = None,
        overrides: list[str] | None = None,
        *,
        attach: bool = True,
        initial: str | None = "latest",
        remember: bool = True,
        defs: dict[str, StageDef] | None = None,
        grace_s: float = 15.0,
        poll_interval: float = 0.05,
    ) -> None:
        super().__init__()
        self.config_path = Path(config_path) if config_path else default_config()
        self.overrides = list(overrides or [])
        self.attach, self.initial, self.remember = attach, initial, remember
        self.defs, self.grace_s, self.poll_interval = defs, grace_s, poll_interval
        self.cfg: ExperimentConfig | None = None
        self.config_error: ConfigError | None = None
        self.view = RunView()
        self.follow_view: RunView | None = None
        self.pipeline: Pipeline | None = None
        self.attached_pid: int | None = None
        self._feeds: dict[int, tuple[EventFeed, RunView]] = {}
        self._feed_seq = 0
        self._stop = threading.Event()
        self._quit_when_stopped = False
        self.loaded = False  # the first run to show (or none) has been found and shown
        self.load_config()

    # -- config ------------------------------------------------------------------------------
    @property
    def demo(self) -> bool:
        return bool(self.cfg and self.cfg.experiment.demo)

    def load_config(self) -> None:
        try:
            self.cfg = load_config(self.config_path, self.overrides)
            self.config_error = None
            if self.remember:
                remember_config(self.config_path)
        except ConfigError as exc:
            self.cfg, self.config_error = None, exc
        self.sub_title = self.config_label()

    def config_label(self) -> str:
        return fmt.rel(self.config_path)

    def reload_config(self) -> None:
        if self.follow_view is not None and self.follow_view.live:
            self.notify("A run is in progress; the config is reloaded when it ends.", severity="warning")
            return
        self.load_config()
        if self.cfg is None:
            self.notify(f"{self.config_label()}: {len(self.config_error.problems)} problem(s)",  # type: ignore[union-attr]
                        severity="error")
        else:
            self.notify(f"{self.config_label()} loaded")
            if self.view.run is None and self.follow_view is None:  # it was invalid at start: find runs now
                self._startup(self.cfg.runs_dir)
        self.refresh_screen(None)

    # -- startup -----------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.cfg is None:
            self.switch_mode("config")
            self.notify("The config has problems: see the Config screen.", severity="error", timeout=8)
            self.loaded = True
            return
        self._startup(self.cfg.runs_dir)

    @work(thread=True, group="startup", exit_on_error=False)
    def _startup(self, runs_dir: Path) -> None:
        if self.attach:
            found = find_attachable(runs_dir)
            if found is not None:
                self.post_message(RunLoaded(found, "attach"))
                return
        if self.initial:
            runs = list_runs(runs_dir)
            chosen = runs[0] if self.initial == "latest" and runs else None
            if self.initial != "latest":
                chosen = next((r for r in runs if r.id == self.initial), None)
            if chosen is not None:
                self.post_message(RunLoaded(RunView.replay(chosen), "initial"))
                return
        self.post_message(RunLoaded(None, "initial"))

    def on_run_loaded(self, msg: RunLoaded) -> None:
        if msg.purpose in ("initial", "attach"):
            self.loaded = True
        if msg.view is None:
            return
        if msg.purpose == "attach":
            self._attach(msg.view)
        elif msg.purpose == "overlay":
            loaded: RunView = msg.view
            self.view.overlay, self.view.overlay_id = loaded, loaded.run_id
            self.notify(f"Loss curve of {loaded.run_id} drawn over this run (grey)")
            self.refresh_screen(None)
        else:
            self.view = msg.view
            if msg.purpose == "replay":
                self.switch_mode("pipeline")
                self.notify(f"Replaying {msg.view.run_id}")
            self.refresh_screen(None)

    # -- navigation --------------------------------------------------------------------------
    def action_show(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_back_to_live(self) -> None:
        if self.follow_view is None:
            self.notify("No run is being followed.")
            return
        self.view = self.follow_view
        self.switch_mode("pipeline")
        self.refresh_screen(None)

    def open_run(self, run: Run, purpose: str = "replay") -> None:
        if self.follow_view is not None and self.follow_view.run is not None and \
                self.follow_view.run.path == run.path:
            if purpose == "replay":
                self.action_back_to_live()
                return
        self._load_run(run, purpose)

    def export_results(self) -> Path | None:
        from core.runs import atomic_write_text
        from tui.export import results_markdown

        view = self.view
        if view.run is None:
            self.notify("No run is shown: open one first (3 Runs).", severity="warning")
            return None
        path = view.run.path / "results_dashboard.md"
        atomic_write_text(path, results_markdown(view.state, self.cfg))
        self.notify(str(path), title="Results exported", markup=False)
        return path

    @work(thread=True, group="load", exit_on_error=False)
    def _load_run(self, run: Run, purpose: str) -> None:
        self.post_message(RunLoaded(RunView.replay(run), purpose))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="phase25-tui", description="The Phase 25 dashboard.")
    p.add_argument("--config", "-c", help="experiment TOML (default: the last used, else the demo)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", default=[],
                   help="override a config key, e.g. --set train.iters=50 (repeatable)")
    p.add_argument("--no-attach", action="store_true", help="do not re-attach to a run still in progress")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    app = Phase25App(args.config, args.set, attach=not args.no_attach)
    app.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
