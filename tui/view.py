"""The run the dashboard displays: one :class:`core.state.RunState` per displayed run, plus where it
came from (a pipeline started here, a run re-attached to, or a finished run replayed)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from core import events as ev
from core.runs import Run
from core.state import RunState, StageState

Origin = Literal["none", "live", "attached", "replay"]


@dataclass
class RunView:
    state: RunState = field(default_factory=RunState)
    run: Run | None = None
    origin: Origin = "none"
    bad_lines: int = 0
    last_ts: float | None = None
    # Stage states from the run shown before this one, for stages this run does not include.
    earlier: dict[str, StageState] = field(default_factory=dict)
    earlier_run: str | None = None
    # A second run's loss curve drawn over this one.
    overlay: RunView | None = None
    overlay_id: str | None = None
    # Loss curves as plain lists, extended as reports arrive (a redraw never walks every event).
    _curves: dict[str, tuple[int, list[float], list[float]]] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.origin in ("live", "attached") and self.state.status in ("new", "running")

    @property
    def run_id(self) -> str | None:
        """The run folder's name (what the Runs screen lists), else the id its events give."""
        return self.run.id if self.run is not None else self.state.run_id

    def apply(self, events: list[ev.Event]) -> None:
        for e in events:
            self.state.apply(e)
            ts = getattr(e, "ts", None)
            if ts is not None:
                self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)

    def now(self) -> float:
        """The clock for elapsed times: the wall clock while live, the last event otherwise, so a
        replay always shows the same durations."""
        if self.live:
            return time.time()
        return self.state.ended or self.last_ts or time.time()

    def stage_state(self, name: str) -> tuple[StageState, bool]:
        """The stage's state in this run, or its earlier state (second value True) when this run
        does not include the stage and an earlier run showed it."""
        st = self.state.stages.get(name) or StageState(name)
        requested = self.state.requested
        if st.status == "pending" and (not requested or name not in requested) and name in self.earlier:
            return self.earlier[name], True
        return st, False

    def train_events(self) -> tuple[list[ev.TrainReport], list[ev.ValReport]]:
        return self.state.train, self.state.val

    def curves(self) -> tuple[tuple[list[float], list[float]], tuple[list[float], list[float]]]:
        """(train x, train loss), (val x, val loss), kept up to date incrementally."""
        return (self._curve("train", self.state.train, "train_loss"),
                self._curve("val", self.state.val, "val_loss"))

    def _curve(self, key: str, reports: list[Any], attr: str) -> tuple[list[float], list[float]]:
        n, xs, ys = self._curves.get(key, (0, [], []))
        if len(reports) < n:  # the train stage started again: its curve restarts
            n, xs, ys = 0, [], []
        for r in reports[n:]:
            xs.append(r.iteration)
            ys.append(getattr(r, attr))
        self._curves[key] = (len(reports), xs, ys)
        return xs, ys

    @classmethod
    def replay(cls, run: Run) -> RunView:
        events, bad = ev.read_events(run.events_path)
        view = cls(run=run, origin="replay", bad_lines=len(bad))
        view.apply(events)
        return view

    def carry_from(self, previous: RunView | None) -> None:
        """Remember what the previous view knew about each stage (dimmed, 'earlier')."""
        if previous is None:
            return
        merged: dict[str, StageState] = dict(previous.earlier)
        for name in previous.state.stages:
            st, _ = previous.stage_state(name)
            if st.status != "pending":
                merged[name] = st
        self.earlier = merged
        self.earlier_run = previous.run_id or previous.earlier_run
