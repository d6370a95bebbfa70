"""The state of a run, folded from its events. The CLI, the dashboard and `phase25 runs` all use it,
so a live run and a replayed ``events.jsonl`` look the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from core import events as ev
from core.pipeline import STAGE_NAMES
from core.stage_summaries import StageSummary

StageStatus = Literal["pending", "running", "cached", "done", "failed", "cancelled"]


@dataclass
class StageState:
    name: str
    status: StageStatus = "pending"
    started: float | None = None
    ended: float | None = None
    duration_s: float | None = None
    headline: str = ""
    summary: StageSummary = field(default_factory=StageSummary)
    equivalent: str | None = None  # from the stage's Equivalent event
    pid: int | None = None
    reason: str = ""
    stderr_tail: list[str] = field(default_factory=list)
    exit_code: int | None = None
    last_train: ev.TrainReport | None = None
    last_val: ev.ValReport | None = None
    progress: ev.Progress | None = None
    download: ev.DownloadProgress | None = None
    """The latest download tick of the stage's fetch step (None when it fetched nothing)."""
    peak_rss: int = 0
    peak_mlx: int = 0
    queries_passed: int = 0
    queries_seen: int = 0

    def elapsed(self, now: float) -> float | None:
        if self.duration_s is not None:
            return self.duration_s
        if self.started is not None:
            return (self.ended or now) - self.started
        return None


@dataclass
class RunState:
    run_id: str | None = None
    stages: dict[str, StageState] = field(default_factory=lambda: {n: StageState(n) for n in STAGE_NAMES})
    requested: list[str] = field(default_factory=list)
    status: Literal["new", "running", "done", "failed", "cancelled"] = "new"
    started: float | None = None
    ended: float | None = None
    demo: bool = False
    config_path: str = ""
    train: list[ev.TrainReport] = field(default_factory=list)
    val: list[ev.ValReport] = field(default_factory=list)
    memory: list[ev.MemorySample] = field(default_factory=list)
    queries: dict[tuple[str, str], ev.QueryResult] = field(default_factory=dict)
    artifacts: dict[str, ev.ArtifactWritten] = field(default_factory=dict)
    logs: list[ev.LogLine | ev.Equivalent] = field(default_factory=list)  # the stages' log lines, in order
    version: int | None = None  # the event schema version the run was written with (its first event's)
    unknown: int = 0
    count: int = 0
    last_ts: float | None = None

    def stage(self, name: str | None) -> StageState | None:
        if name is None:
            return None
        if name not in self.stages:
            self.stages[name] = StageState(name)
        return self.stages[name]

    @property
    def duration_s(self) -> float | None:
        """Start to run_finished; without one (a run still going, or left to finish on its own),
        start to the latest event."""
        if self.started is None:
            return None
        return (self.ended or self.last_ts or self.started) - self.started

    def apply(self, e: ev.Event) -> None:  # noqa: C901 - one branch per event type, flat on purpose
        self.count += 1
        if self.version is None and isinstance(getattr(e, "v", None), int):
            self.version = e.v
        ts = getattr(e, "ts", None)
        if isinstance(ts, (int, float)):
            self.last_ts = max(self.last_ts or ts, ts)
        st = self.stage(getattr(e, "stage", None))
        if isinstance(e, ev.RunStarted):
            self.run_id, self.requested, self.demo = e.run_id, list(e.stages), e.demo
            self.config_path, self.started, self.status = e.config_path, e.ts, "running"
        elif isinstance(e, ev.RunFinished):
            self.status, self.ended = e.status, e.ts
        elif st is None:
            if isinstance(e, ev.UnknownEvent):
                self.unknown += 1
            return
        elif isinstance(e, ev.StageStarted):
            st.status, st.started, st.pid, st.ended, st.duration_s = "running", e.ts, e.pid, None, None
            st.equivalent = None  # a stage run again may run another command
            st.reason, st.stderr_tail, st.exit_code = "", [], None
            st.download = None  # a stage run again fetches (or not) afresh
            if st.name == "train":
                self.train.clear()
                self.val.clear()
        elif isinstance(e, ev.StageFinished):
            st.status = "cached" if e.cached else "done"
            st.ended, st.duration_s = e.ts, e.duration_s
            st.summary, st.headline = e.summary, e.headline or st.headline
            st.equivalent = ev.legacy_equivalent(e) or st.equivalent
        elif isinstance(e, ev.Equivalent):
            st.equivalent = e.command
            self.logs.append(e)
        elif isinstance(e, ev.StageFailed):
            st.status, st.ended, st.reason = "failed", e.ts, e.reason
            st.stderr_tail, st.exit_code = e.stderr_tail, e.exit_code
            st.duration_s = e.duration_s or st.elapsed(e.ts)
        elif isinstance(e, ev.StageCancelled):
            st.status, st.ended = "cancelled", e.ts
            st.duration_s = e.duration_s or st.elapsed(e.ts)
        elif isinstance(e, ev.TrainReport):
            st.last_train = e
            self.train.append(e)
            st.headline = f"iter {e.iteration}/{e.total_iters} · loss {e.train_loss:.3f}"
        elif isinstance(e, ev.ValReport):
            st.last_val = e
            self.val.append(e)
        elif isinstance(e, ev.Progress):
            st.progress = e
            if e.message:
                st.headline = e.message
        elif isinstance(e, ev.DownloadProgress):
            st.download = e
        elif isinstance(e, ev.MemorySample):
            self.memory.append(e)
            st.peak_rss = max(st.peak_rss, e.rss_bytes or 0)
            st.peak_mlx = max(st.peak_mlx, e.mlx_peak_bytes or 0)
        elif isinstance(e, ev.QueryResult):
            key = (e.model, e.query_id)
            if key not in self.queries:
                st.queries_seen += 1
                st.queries_passed += int(e.strict_pass)
            self.queries[key] = e
            st.headline = f"{st.queries_passed}/{st.queries_seen} pass"
        elif isinstance(e, ev.ArtifactWritten):
            self.artifacts[e.name] = e
        elif isinstance(e, ev.LogLine):
            self.logs.append(e)
        elif isinstance(e, ev.UnknownEvent):
            self.unknown += 1

    @classmethod
    def from_events(cls, events: list[Any]) -> RunState:
        state = cls()
        for e in events:
            state.apply(e)
        return state

    @property
    def running_pid(self) -> int | None:
        """The pid of the stage started last that has no end event yet (None when none is running)."""
        running = self._running()
        return running.pid if running is not None else None

    @property
    def running_stage(self) -> str | None:
        """The stage started last that has no end event yet (None when none is running)."""
        running = self._running()
        return running.name if running is not None else None

    def _running(self) -> StageState | None:
        running = [s for s in self.stages.values() if s.status == "running" and s.started is not None]
        return max(running, key=lambda s: s.started or 0) if running else None

    def derived_status(self, alive: bool = False) -> str:
        """A status for listings. A run without a run_finished event is still running when its
        writer is alive. Otherwise its stages tell: the dashboard may have left the last stage to
        finish on its own (done, failed or cancelled as that stage ended), or the run stopped
        before all its stages ended (interrupted)."""
        if self.status != "running" or alive:
            return self.status
        wanted = [self.stages[n] for n in self.requested if n in self.stages]
        if not wanted or any(s.status == "running" for s in wanted):
            return "interrupted"
        for status in ("failed", "cancelled"):
            if any(s.status == status for s in wanted):
                return status
        if all(s.status in ("done", "cached") for s in wanted):
            return "done"
        return "interrupted"
