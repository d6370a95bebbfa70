"""``phase25-tui``: the dashboard. It starts the pipeline's stages (each its own process, through
:class:`core.runner.Pipeline`), streams their events, and shows results, diffs and past runs.

It never imports mlx: everything it shows comes from events and files the stages write.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from core import events as ev
from core.config import ConfigError, ExperimentConfig, load_config
from core.paths import default_config, remember_config
from core.runner import Pipeline
from core.runs import Run, list_runs
from core.stages import BY_NAME, STAGE_NAMES, StageDef, with_prerequisites
from tui import fmt
from tui.commands import Phase25Commands
from tui.feed import EventFeed, find_attachable, follow_run, interrupt_stage
from tui.messages import EventsArrived, FollowEnded, RunLoaded
from tui.screens.base import RunScreen
from tui.screens.config import ConfigScreen
from tui.screens.help import HelpScreen
from tui.screens.modals import confirm_cancel, confirm_quit
from tui.screens.pipeline import PipelineScreen
from tui.screens.results import ResultsScreen
from tui.screens.runs import RunsScreen
from tui.view import RunView


def stage_title(name: str | None) -> str:
    return BY_NAME[name].title if name in BY_NAME else str(name)


class Phase25App(App[None]):
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "phase25"
    MODES = {
        "pipeline": PipelineScreen,
        "results": ResultsScreen,
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

    # -- following a run ---------------------------------------------------------------------
    def _new_feed(self, view: RunView) -> int:
        self._feed_seq += 1
        feed_id = self._feed_seq
        self._feeds[feed_id] = (EventFeed(lambda: self.post_message(EventsArrived(feed_id))), view)
        return feed_id

    def _attach(self, found: Any) -> None:
        view = RunView(run=found.run, origin="attached")
        feed_id = self._new_feed(view)
        self.view = self.follow_view = view
        self.attached_pid = found.pid
        self._stop = threading.Event()
        self.notify(f"Re-attached to run {found.run.id}: {found.reason}", timeout=8)
        self._follow(feed_id, follow_run(found.run, self._stop, interval=self.poll_interval), self._stop)
        self.refresh_screen(None)

    @work(thread=True, exclusive=True, group="pipeline", exit_on_error=False)
    def _follow(self, feed_id: int, events: Iterator[Any], stop: threading.Event) -> None:
        feed = self._feeds[feed_id][0]
        worker = get_current_worker()
        error: str | None = None
        try:
            for e in events:
                feed.put(e)
                if worker.is_cancelled or stop.is_set():
                    break
        except Exception as exc:  # e.g. the run is locked by another process
            error = str(exc) or type(exc).__name__
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
            if stop.is_set() and self.pipeline is not None and self.pipeline.current is not None:
                sampler = self.pipeline.current.sampler  # left running: nobody here samples it now
                if sampler is not None:
                    sampler.stop.set()
        self.post_message(FollowEnded(feed_id, "ended", error))

    def on_events_arrived(self, msg: EventsArrived) -> None:
        entry = self._feeds.get(msg.feed_id)
        if entry is None:
            return
        feed, view = entry
        batch = feed.drain()
        if not batch:
            return
        for e in batch:
            if isinstance(e, ev.RunStarted) and view.run is None and self.cfg is not None:
                view.run = Run(self.cfg.runs_dir / e.run_id)
        view.apply(batch)
        self._announce(batch)
        if view is self.view:
            self.refresh_screen(batch)

    def on_follow_ended(self, msg: FollowEnded) -> None:
        self.on_events_arrived(EventsArrived(msg.feed_id))
        entry = self._feeds.pop(msg.feed_id, None)
        if msg.error:
            self.notify(msg.error, title="The run could not be followed", severity="error", timeout=12)
        if entry is not None and entry[1] is self.follow_view:
            view = entry[1]
            if view.state.status in ("new", "running"):
                # Nobody writes this run any more (a stage left running has ended, or it crashed).
                view.state.status = "cancelled" if self._stop.is_set() else view.state.status
                view.origin = "replay"
            self.pipeline = None
            self.attached_pid = None
        if self._quit_when_stopped:
            self.exit()
            return
        self.refresh_screen(None)

    def _announce(self, batch: list[Any]) -> None:
        for e in batch:
            if isinstance(e, ev.StageFailed):
                tail = "\n".join(e.stderr_tail[-3:])
                self.notify(
                    (e.reason or "failed") + (f"\n{tail}" if tail else ""),
                    title=f"{stage_title(e.stage)} failed", severity="error", timeout=15, markup=False,
                )
            elif isinstance(e, ev.StageCancelled):
                msg = "stopped" + (f"; checkpoint saved: {e.checkpoint}" if e.checkpoint else "")
                self.notify(msg, title=f"{stage_title(e.stage)} cancelled", severity="warning", markup=False)
            elif isinstance(e, ev.RunFinished) and e.status == "done":
                self.notify(f"Run finished in {e.duration_s:.0f}s", title="Done")

    def refresh_screen(self, batch: list[Any] | None) -> None:
        screen = self.screen
        if isinstance(screen, RunScreen):
            screen.show_run(self.view, batch)

    # -- starting and stopping ---------------------------------------------------------------
    def busy(self) -> bool:
        if self.follow_view is not None and self.follow_view.live:
            self.notify(f"Run {self.follow_view.run_id or ''} is in progress: cancel it first (c).",
                        severity="warning")
            return True
        return False

    def start_run(self, stages: list[str], force: set[str] | None = None) -> bool:
        if self.cfg is None:
            self.notify("Fix the config first (see the Config screen).", severity="error")
            self.switch_mode("config")
            return False
        if self.busy():
            return False
        pipeline = Pipeline(self.cfg, stages, force=force, grace_s=self.grace_s,
                            poll_interval=self.poll_interval, defs=self.defs)
        view = RunView(origin="live")
        view.carry_from(self.view)
        feed_id = self._new_feed(view)
        self.pipeline, self.view, self.follow_view = pipeline, view, view
        self._stop = threading.Event()
        self._quit_when_stopped = False
        self._follow(feed_id, pipeline.events(), self._stop)
        if self.current_mode != "pipeline":
            self.switch_mode("pipeline")
        else:
            self.refresh_screen(None)
        return True

    def run_stage(self, name: str, force: bool = False) -> bool:
        """The stage, after its prerequisites (which finish at once when their cache is valid)."""
        stages = with_prerequisites([name]) if self.defs is None else [name]
        return self.start_run(stages, {name} if force else set())

    def run_all(self) -> bool:
        return self.start_run(list(STAGE_NAMES) if self.defs is None else list(self.defs))

    def running_stage(self) -> str | None:
        view = self.follow_view
        if view is None or not view.live:
            return None
        running = [n for n, s in view.state.stages.items() if s.status == "running"]
        return running[0] if running else (view.state.requested or [None])[0]

    def action_cancel_run(self) -> None:
        stage = self.running_stage()
        if stage is None:
            self.notify("Nothing is running.")
            return

        def chosen(answer: str | None) -> None:
            if answer == "cancel":
                self.cancel_now()

        self.push_screen(confirm_cancel(stage_title(stage)), chosen)

    def cancel_now(self) -> None:
        stage = self.running_stage()
        if self.pipeline is not None:
            self.pipeline.cancel()
        elif self.follow_view is not None:
            pids = [s.pid for s in self.follow_view.state.stages.values() if s.status == "running"]
            if not interrupt_stage(next((p for p in pids if p), None) or self.attached_pid):
                self.notify("The stage process is gone.", severity="warning")
        self.notify(f"Stopping {stage_title(stage)}: it saves its work, then stops.", severity="warning")

    async def action_quit(self) -> None:
        stage = self.running_stage()
        if stage is None:
            self.exit()
            return

        def chosen(answer: str | None) -> None:
            if answer == "stop":
                self._quit_when_stopped = True
                self.cancel_now()
            elif answer == "leave":
                if self.pipeline is not None:
                    self.pipeline.detach()
                self._stop.set()
                self.exit()

        self.push_screen(confirm_quit(stage_title(stage)), chosen)

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
