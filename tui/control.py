"""Following runs and starting, cancelling and leaving them: the part of the dashboard that talks
to :class:`core.runner.Pipeline` (stages as subprocesses) and to runs another process writes.

A thread worker iterates the events and puts them into an :class:`tui.feed.EventFeed`; the UI
thread drains the feed once per doorbell, applies the batch to the run's state, and redraws once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from core import events as ev
from core.config import ExperimentConfig
from core.pipeline import BY_NAME, STAGE_NAMES, StageDef, with_prerequisites
from core.runner import Pipeline
from core.runs import LockedError, Run
from tui.feed import EventFeed, follow_run, interrupt_stage
from tui.messages import EventsArrived, FollowEnded
from tui.screens.base import RunScreen
from tui.screens.modals import confirm_cancel, confirm_quit
from tui.view import RunView


def stage_title(name: str | None) -> str:
    return BY_NAME[name].title if name in BY_NAME else str(name)


class RunControl(App[None]):
    """The app's run control: follow a run, start one, cancel it, quit around it."""

    cfg: ExperimentConfig | None
    view: RunView
    follow_view: RunView | None
    pipeline: Pipeline | None
    attached_pid: int | None
    defs: dict[str, StageDef] | None
    grace_s: float
    poll_interval: float
    _feeds: dict[int, tuple[EventFeed, RunView]]
    _feed_seq: int
    _stop: threading.Event
    _quit_when_stopped: bool

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
        title = "The run could not be followed"
        try:
            for e in events:
                feed.put(e)
                if worker.is_cancelled or stop.is_set():
                    break
        except LockedError as exc:
            error, title = str(exc), "Another run is writing these outputs"
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
            if stop.is_set() and self.pipeline is not None and self.pipeline.current is not None:
                sampler = self.pipeline.current.sampler  # left running: nobody here samples it now
                if sampler is not None:
                    sampler.stop.set()
        self.post_message(FollowEnded(feed_id, "ended", error, title))

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
            self.notify(msg.error, title=msg.title, severity="error", timeout=12)
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
        if not self.screen_stack:  # quitting: the screens are gone, events may still arrive
            return
        screen = self.screen
        if isinstance(screen, RunScreen) and screen.is_mounted and not screen._closing:
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
        if running:
            return running[0]
        return view.state.requested[0] if view.state.requested else None

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

        self.push_screen(confirm_quit(stage_title(stage), [stage_title(s) for s in self.not_started(stage)]),
                         chosen)

    def not_started(self, running: str) -> list[str]:
        """The stages the pipeline started here would still run after ``running``: if the dashboard
        quits and leaves the stage running, nobody starts them (Pipeline.detach)."""
        if self.pipeline is None or self.follow_view is None or running not in self.pipeline.stages:
            return []
        later = self.pipeline.stages[self.pipeline.stages.index(running) + 1:]
        stages = self.follow_view.state.stages
        return [s for s in later if s not in stages or stages[s].status == "pending"]
