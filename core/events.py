"""Typed, versioned events: the one contract between stages, the runner, the CLI and the dashboard.

Every stage appends events as JSON lines to its run's ``events.jsonl``; the runner adds its own
(stage lifecycle, process memory). Readers never crash on an old or partial file: unknown event
types are kept as :class:`UnknownEvent`, and a truncated or corrupt line is skipped and reported.

Version 2: a stage's equivalent command line travels in one event (:class:`Equivalent`), and a
finished stage's summary is its stage's model (core.stage_summaries). Version 1 files still read,
line for line: their "equivalent: ..." log lines become Equivalent events (:func:`upgrade`), and
their summaries' "equivalent" key is kept for :func:`legacy_equivalent`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from core.results_schema import QueryRecord
from core.stage_summaries import StageSummary, read_summary

SCHEMA_VERSION = 2
# How a stage's log (its stdout file) shows its equivalent command; version 1 events carried it so.
EQUIVALENT_PREFIX = "equivalent: "


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")

    v: int = SCHEMA_VERSION
    ts: float = Field(default_factory=time.time)
    stage: str | None = None


class RunStarted(_Event):
    type: Literal["run_started"] = "run_started"
    run_id: str
    config_path: str
    stages: list[str]
    demo: bool = False


class RunFinished(_Event):
    type: Literal["run_finished"] = "run_finished"
    status: Literal["done", "failed", "cancelled"]
    duration_s: float


class StageStarted(_Event):
    type: Literal["stage_started"] = "stage_started"
    pid: int | None = None
    command: list[str] = Field(default_factory=list)


class Equivalent(_Event):
    """The plain command line (mlx_lm, mostly) that does what the stage does; sent by the stage as
    soon as it knows it. A stage that sends another (a fallback) replaces the first."""

    type: Literal["equivalent"] = "equivalent"
    command: str


class StageFinished(_Event):
    type: Literal["stage_finished"] = "stage_finished"
    duration_s: float = 0.0
    cached: bool = False
    summary: SerializeAsAny[StageSummary] = Field(default_factory=StageSummary,
                                                  description="The stage's own model (core.stage_summaries).")
    headline: str = Field("", description="One key figure, e.g. 'iter 600/600 · loss 0.83'.")

    @model_validator(mode="before")
    @classmethod
    def _typed_summary(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("summary"), dict):
            data = {**data, "summary": read_summary(data.get("stage"), data["summary"])}
        return data


class StageFailed(_Event):
    type: Literal["stage_failed"] = "stage_failed"
    exit_code: int | None = None
    signal: int | None = None
    reason: str = ""
    stderr_tail: list[str] = Field(default_factory=list)
    duration_s: float = 0.0


class StageCancelled(_Event):
    type: Literal["stage_cancelled"] = "stage_cancelled"
    duration_s: float = 0.0
    checkpoint: str | None = None


class Progress(_Event):
    type: Literal["progress"] = "progress"
    current: int
    total: int | None = None
    message: str = ""


class TrainReport(_Event):
    type: Literal["train_report"] = "train_report"
    iteration: int
    total_iters: int
    train_loss: float
    learning_rate: float
    iterations_per_second: float
    tokens_per_second: float
    trained_tokens: int
    peak_memory_gb: float | None = None
    active_memory_gb: float | None = None
    cache_memory_gb: float | None = None
    eta_s: float | None = None
    replayed: bool = Field(False, description="Re-sent from a checkpoint after a resume: the curve before it.")


class ValReport(_Event):
    type: Literal["val_report"] = "val_report"
    iteration: int
    val_loss: float
    val_time_s: float
    best_iteration: int | None = None
    best_val_loss: float | None = None
    replayed: bool = Field(False, description="Re-sent from a checkpoint after a resume: the curve before it.")


class CheckpointSaved(_Event):
    type: Literal["checkpoint_saved"] = "checkpoint_saved"
    iteration: int
    path: str
    best: bool = False


class MemorySample(_Event):
    type: Literal["memory_sample"] = "memory_sample"
    source: Literal["process", "mlx"]
    rss_bytes: int | None = None
    cpu_percent: float | None = None
    system_used_bytes: int | None = None
    system_total_bytes: int | None = None
    mlx_active_bytes: int | None = None
    mlx_peak_bytes: int | None = None
    mlx_cache_bytes: int | None = None


class LogLine(_Event):
    type: Literal["log_line"] = "log_line"
    level: Literal["debug", "info", "warning", "error"] = "info"
    text: str


class QueryResult(_Event):
    type: Literal["query_result"] = "query_result"
    model: str = Field(description="'candidate' or 'baseline' (or a parity variant such as 'f16').")
    query_id: str
    strict_pass: bool
    checks: dict[str, bool | None] = Field(default_factory=dict)
    latency_s: float | None = None
    generation_tps: float | None = None
    result: QueryRecord | None = Field(None, description="The full scored result (None: a record this version "
                                                         "cannot read, from another writer's schema).")

    @field_validator("result", mode="before")
    @classmethod
    def _readable_record(cls, value: Any) -> Any:
        if isinstance(value, dict):
            try:
                return QueryRecord.model_validate(value)
            except ValidationError:
                return None
        return value


class ArtifactWritten(_Event):
    type: Literal["artifact_written"] = "artifact_written"
    name: str
    path: str
    bytes: int
    sha256: str | None = None


class DownloadProgress(_Event):
    type: Literal["download_progress"] = "download_progress"
    role: str = Field(description="'candidate' or 'baseline'.")
    repo_id: str
    bytes_done: int
    bytes_total: int | None = None
    rate_bytes_s: float | None = None
    eta_s: float | None = None
    resumed_bytes: int = Field(default=0, description="Bytes already on disk from an earlier, interrupted download.")
    done: bool = False


class UnknownEvent(BaseModel):
    """An event this version does not know (from a newer writer). Kept, not dropped."""

    model_config = ConfigDict(extra="allow")
    type: str
    v: int | None = None
    ts: float | None = None
    stage: str | None = None


KnownEvent = Annotated[
    RunStarted | RunFinished | StageStarted | Equivalent | StageFinished | StageFailed | StageCancelled | Progress | TrainReport | ValReport | CheckpointSaved | MemorySample | LogLine | QueryResult | ArtifactWritten | DownloadProgress,
    Field(discriminator="type"),
]
Event = KnownEvent | UnknownEvent
_ADAPTER: TypeAdapter[Event] = TypeAdapter(KnownEvent)
_KNOWN_TYPES = {
    cls.model_fields["type"].default
    for cls in _Event.__subclasses__()
}


class BadLine(BaseModel):
    """A line that could not be read, with the reason. Reported, never raised."""

    path: str
    line: int
    reason: str
    truncated: bool = False


def parse_event(data: dict[str, Any]) -> Event:
    """Turn a decoded JSON object (of this version) into an event model. Unknown types become
    UnknownEvent."""
    if data.get("type") in _KNOWN_TYPES:
        return _ADAPTER.validate_python(data)
    return UnknownEvent.model_validate(data)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A decoded event as this version's. Version 1 logged a stage's equivalent command as a log
    line ("equivalent: COMMAND"): that line becomes the Equivalent event."""
    v, text = data.get("v"), data.get("text")
    if (isinstance(v, int) and v < 2 and data.get("type") == "log_line" and isinstance(text, str)
            and text.startswith(EQUIVALENT_PREFIX)):
        return {"v": v, "ts": data.get("ts"), "stage": data.get("stage"), "type": "equivalent",
                "command": text[len(EQUIVALENT_PREFIX):]}
    return data


def legacy_equivalent(e: StageFinished) -> str | None:
    """The equivalent command a version 1 stage kept in its summary (some stages logged none)."""
    if e.v >= 2:
        return None
    command = (e.summary.model_extra or {}).get("equivalent")
    return command if isinstance(command, str) and command else None


def encode(event: BaseModel) -> str:
    """One JSON line. Top-level fields that are None are left out; nested values are kept whole
    (a scored query's ``None`` is part of its record)."""
    return event.model_dump_json(exclude={name for name, value in event if value is None}) + "\n"


class EventWriter:
    """Appends events to a JSON-lines file, one ``write()`` per line on an O_APPEND descriptor.

    Several processes (the runner and a stage) may append to the same file: each line lands whole.
    """

    def __init__(self, path: Path, stage: str | None = None):
        self.path = Path(path)
        self.stage = stage
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def emit(self, event: BaseModel) -> BaseModel:
        if self.stage is not None and getattr(event, "stage", None) is None:
            event.stage = self.stage  # type: ignore[attr-defined]
        data = encode(event).encode("utf-8")
        with self._lock:
            os.write(self._fd, data)
        return event

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decode(path: Path, lineno: int, raw: bytes, complete: bool) -> tuple[Event | None, BadLine | None]:
    if not raw.strip():
        return None, None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or "type" not in data:
            raise ValueError("not an event object (no 'type')")
        return parse_event(upgrade(data)), None
    except (ValueError, ValidationError) as exc:
        reason = str(exc).splitlines()[0]
        if not complete:
            reason = "truncated last line (no newline): " + reason
        return None, BadLine(path=str(path), line=lineno, reason=reason, truncated=not complete)


def read_events(path: Path) -> tuple[list[Any], list[BadLine]]:
    """Read a whole events file. Returns the events and the lines that were skipped."""
    path = Path(path)
    events: list[Any] = []
    bad: list[BadLine] = []
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return events, bad
    lines = blob.split(b"\n")
    for i, raw in enumerate(lines, start=1):
        complete = i < len(lines)
        got, problem = _decode(path, i, raw, complete)
        if got is not None:
            events.append(got)
        if problem is not None:
            bad.append(problem)
    return events, bad


class EventTail:
    """Follows an events file as it grows; only complete lines are returned."""

    def __init__(self, path: Path, offset: int = 0):
        self.path = Path(path)
        self.offset = offset
        self._buf = b""
        self._lineno = 0
        self.bad: list[BadLine] = []

    def poll(self) -> list[Any]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except FileNotFoundError:
            return []
        if not chunk:
            return []
        self.offset += len(chunk)
        self._buf += chunk
        *complete, self._buf = self._buf.split(b"\n")
        out = []
        for raw in complete:
            self._lineno += 1
            got, problem = _decode(self.path, self._lineno, raw, True)
            if got is not None:
                out.append(got)
            if problem is not None:
                self.bad.append(problem)
        return out

    def iter_until(self, stop: Any, interval: float = 0.1) -> Iterator[Any]:
        """Yield events until ``stop()`` is true, then drain what is left."""
        while True:
            done = stop()
            yield from self.poll()
            if done:
                return
            time.sleep(interval)
