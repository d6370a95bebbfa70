"""What every stage process gets: the config, its run, an event writer, cancel handling, MLX memory
sampling, artifact recording and the stage cache.

A stage module defines ``add_arguments(parser)`` (optional) and ``run(ctx) -> StageOutcome``.
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from core import events as ev
from core.atomic import stat_key
from core.config import ExperimentConfig
from core.runs import Artifact, Run
from core.stage_summaries import read_summary
from core.stagecache import StageCache
from core.stagekit import StageCancelledError, StageError, StageOutcome

__all__ = ["StageCancelledError", "StageContext", "StageError", "StageOutcome"]


class StageContext:
    def __init__(self, name: str, cfg: ExperimentConfig, run: Run, args: Any, force: bool = False):
        self.name = name
        self.cfg = cfg
        self.run = run
        self.args = args
        self.force = force
        self.events = ev.EventWriter(run.events_path, stage=name)
        self.cancelled = threading.Event()
        self.started = time.time()
        self._sampler: threading.Thread | None = None
        self._sampler_stop = threading.Event()
        self._artifacts: dict[str, dict[str, Any]] = {}  # recorded so far: kept with the stage cache
        self._stdout: TextIO = sys.stdout  # the stage's log file; ctx.log writes here directly

    # -- events ----------------------------------------------------------------------------
    def emit(self, event: Any) -> Any:
        return self.events.emit(event)

    def log(self, text: str, level: str = "info") -> None:
        """A line of the stage's log: an event for the dashboard, and a line of its stdout file."""
        self.emit(ev.LogLine(text=text, level=level))  # type: ignore[arg-type]
        self._write_stdout(text)

    def equivalent(self, command: str) -> None:
        """The plain command line that does what this stage does (one Equivalent event; the
        stdout file shows it as ``equivalent: COMMAND``)."""
        self.emit(ev.Equivalent(command=command))
        self._write_stdout(ev.EQUIVALENT_PREFIX + command)

    def _write_stdout(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    def capture_stdout(self) -> None:
        """From here on, whatever the stage's libraries print (mlx-lm's progress, say) reaches the
        dashboard as log lines too, as it reaches the stdout file."""
        if not isinstance(sys.stdout, StdoutLines):
            self._stdout = sys.stdout
            sys.stdout = StdoutLines(self._stdout, lambda line: self.emit(ev.LogLine(text=line)))

    def release_stdout(self) -> None:
        if isinstance(sys.stdout, StdoutLines):
            sys.stdout.flush_partial()
            sys.stdout = sys.stdout.real

    def progress(self, current: int, total: int | None = None, message: str = "") -> None:
        self.emit(ev.Progress(current=current, total=total, message=message))

    def artifact(self, name: str, path: Path) -> ev.ArtifactWritten:
        art = self.run.record_artifact(name, path, stage=self.name)
        self._artifacts[name] = {"path": art.path, "bytes": art.bytes, "sha256": art.sha256,
                                 "stat": stat_key(Path(art.path))}
        return self.emit(ev.ArtifactWritten(name=name, path=art.path, bytes=art.bytes, sha256=art.sha256))

    # -- cancel ----------------------------------------------------------------------------
    @contextmanager
    def deferred_interrupts(self) -> Iterator[threading.Event]:
        """Inside, Ctrl-C / SIGINT only sets ``ctx.cancelled`` so the stage can stop at a safe
        point (e.g. after a training step) and save. A second SIGINT interrupts at once."""

        def handler(signum: int, frame: Any) -> None:
            if self.cancelled.is_set():
                raise KeyboardInterrupt
            self.cancelled.set()

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield self.cancelled
        finally:
            signal.signal(signal.SIGINT, previous)

    # -- MLX memory ------------------------------------------------------------------------
    def start_mlx_memory(self, interval: float = 0.5) -> None:
        """Reset MLX's peak counter and sample active/peak/cache memory until the stage ends."""
        import mlx.core as mx

        mx.reset_peak_memory()

        def loop() -> None:
            while not self._sampler_stop.wait(interval):
                self.emit_mlx_memory()

        self.emit_mlx_memory()
        self._sampler = threading.Thread(target=loop, name="mlx-memory", daemon=True)
        self._sampler.start()

    def emit_mlx_memory(self) -> ev.MemorySample:
        import mlx.core as mx

        return self.emit(
            ev.MemorySample(
                source="mlx",
                mlx_active_bytes=int(mx.get_active_memory()),
                mlx_peak_bytes=int(mx.get_peak_memory()),
                mlx_cache_bytes=int(mx.get_cache_memory()),
            )
        )

    def close(self) -> None:
        self._sampler_stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=2)
            self.emit_mlx_memory()
        self.events.close()

    # -- cache -----------------------------------------------------------------------------
    @property
    def cache_dir(self) -> Path:
        return self.cfg.runs_dir.parent / "cache"

    @property
    def stage_cache(self) -> StageCache:
        return StageCache(self.cache_dir)

    def fingerprint(self, path: Path) -> str:
        """Content hash of a file or folder, memoised on (size, mtime) so big models hash once."""
        return self.stage_cache.fingerprint(path)

    def cache_key(self, config: dict[str, Any], inputs: list[Path] | None = None, **extra: Any) -> str:
        """Hash of a stage's inputs: the config fields it uses, its input files' contents, extras."""
        blob = {
            "stage": self.name,
            "config": config,
            "inputs": {str(Path(p).resolve()): self.fingerprint(p) for p in inputs or []},
            "extra": extra,
        }
        return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()

    def cache_record(self, slot: str | None = None) -> dict[str, Any]:
        """The stage's cache record as stored ({} when there is none)."""
        return self.stage_cache.read(slot or self.name)

    def cached(self, key: str, slot: str | None = None) -> StageOutcome | None:
        """The earlier outcome if nothing changed and every artifact its record names still holds
        the recorded bytes; else None, and the record is marked pending (this run rewrites them)."""
        slot = slot or self.name
        why = "--force" if self.force else self.stage_cache.why_invalid(slot, key)
        if why is not None:
            if why not in ("no record", "--force"):
                self.log(f"not cached: {why}")
            self.mark_pending(slot)
            return None
        rec = self.stage_cache.read(slot)
        # The earlier artifacts are this run's too: into its manifest (hashes as recorded, their
        # bytes having just been checked), and announced as when they were written.
        for name, a in (rec.get("artifacts") or {}).items():
            art = self.run.add_artifact(Artifact(name=name, path=a["path"], bytes=a["bytes"],
                                                 sha256=a["sha256"], stage=self.name))
            self._artifacts[name] = dict(a)
            self.emit(ev.ArtifactWritten(name=name, path=art.path, bytes=art.bytes, sha256=art.sha256))
        return StageOutcome(summary=read_summary(self.name, rec.get("summary")), headline=rec.get("headline", ""),
                            cached=True)

    def mark_pending(self, slot: str | None = None) -> None:
        """The stage is about to rewrite its outputs: its record claims nothing until stored again."""
        self.stage_cache.mark_pending(slot or self.name, self.run.id)

    def store_cache(self, key: str, outcome: StageOutcome, outputs: list[Path], slot: str | None = None) -> None:
        summary = read_summary(self.name, outcome.summary).model_dump(mode="json")  # a plug-in's may be a dict
        self.stage_cache.store(slot or self.name, key, summary, outcome.headline, outputs, dict(self._artifacts))

    # -- write intent ---------------------------------------------------------------------------
    def begin_writing(self) -> None:
        """Before the stage runs: name the paths its earlier artifacts live at (in the stage cache
        and in every run's manifest), so records of them are known to be superseded should it die."""
        from core.runs import list_runs

        paths = {str(e["path"]) for e in StageCache.entries(self.cache_record())}
        for r in list_runs(self.cfg.runs_dir):
            paths |= {a.path for a in r.manifest().values() if a.stage == self.name}
        self.stage_cache.begin_writing(self.name, self.run.id, sorted(paths))

    def end_writing(self) -> None:
        self.stage_cache.end_writing(self.name)


class StdoutLines(io.TextIOBase):
    """The stage's stdout, passed through to its log file, with each complete line also handed to
    ``on_line`` (a carriage return ends a line too, as a progress bar redraws)."""

    def __init__(self, real: TextIO, on_line: Callable[[str], object]):
        self.real = real
        self._on_line = on_line
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.real.write(s)
        with self._lock:
            *lines, self._partial = (self._partial + s).replace("\r", "\n").split("\n")
        for line in lines:
            self._on_line(line)
        return len(s)

    def flush(self) -> None:
        self.real.flush()

    def flush_partial(self) -> None:
        """Hand on a last line left without its newline."""
        with self._lock:
            line, self._partial = self._partial, ""
        if line:
            self._on_line(line)

    def fileno(self) -> int:
        return self.real.fileno()

    def isatty(self) -> bool:
        return self.real.isatty()
