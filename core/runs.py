"""Run directories: ``logs/runs/<id>/`` with the config snapshot, events, stage logs and a manifest.

Layout of a run::

    config.toml          the resolved config, as run
    run.json             id, source config, stages asked for, created time
    events.jsonl         every event, appended by the runner and the stages
    manifest.json        artifacts: path, size, sha256, the stage that wrote it
    stages/NAME.stdout.log, stages/NAME.stderr.log
    run.lock             present while a process writes this run (holds its pid)

While a pipeline runs, ``<runs_dir>/../cache/experiment.lock`` keeps a second one off the same outputs.

Every file except the append-only logs is written atomically (temp file + rename). The writing
and hashing helpers live in :mod:`core.atomic`, the locks in :mod:`core.locks`; both are
re-exported here for older imports.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_file, tree_digest
from core.config import ExperimentConfig, dump_config
from core.locks import ExperimentLock, FileLock, LockedError, RunLock, experiment_lock_path
from core.procs import is_stage_process

__all__ = [  # the writing and locking helpers are re-exported: older imports keep working
    "Artifact", "ExperimentLock", "FileLock", "LockedError", "Run", "RunInfo", "RunLock", "atomic_write_bytes",
    "atomic_write_json", "atomic_write_text", "create_run", "experiment_lock_path", "list_runs", "locked",
    "new_run_id", "open_run", "sha256_file", "tree_digest",
]


class Artifact(BaseModel):
    name: str
    path: str
    bytes: int
    sha256: str
    stage: str | None = None
    recorded: float = Field(default_factory=time.time)


class RunInfo(BaseModel):
    id: str
    created: float
    config_path: str
    stages: list[str]
    demo: bool = False
    experiment: str = "phase25"


class Run:
    """A run directory."""

    def __init__(self, path: Path):
        self.path = Path(path)

    # -- layout --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.path.name

    @property
    def events_path(self) -> Path:
        return self.path / "events.jsonl"

    @property
    def config_path(self) -> Path:
        return self.path / "config.toml"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def stage_log(self, stage: str, stream: str) -> Path:
        return self.path / "stages" / f"{stage}.{stream}.log"

    def lock(self) -> RunLock:
        return RunLock(self.path)

    def writer_alive(self, stage_pid: int | None = None) -> bool:
        """Whether a live process still writes this run: the one holding its lock, or its running
        stage ``stage_pid`` (one the dashboard left running after it let the lock go)."""
        lock = self.lock()
        holder = lock._holder()
        return (bool(holder) and not lock._stale(holder)) or is_stage_process(stage_pid, self.path)

    # -- metadata ------------------------------------------------------------------------
    def info(self) -> RunInfo:
        return RunInfo.model_validate_json((self.path / "run.json").read_text())

    def manifest(self) -> dict[str, Artifact]:
        try:
            raw = json.loads(self.manifest_path.read_text())
        except (OSError, ValueError):
            return {}
        return {k: Artifact.model_validate(v) for k, v in raw.get("artifacts", {}).items()}

    def record_artifact(self, name: str, path: Path, stage: str | None = None) -> Artifact:
        """Hash an artifact (file or folder) and add it to the manifest atomically."""
        size, digest = tree_digest(path)
        return self.add_artifact(Artifact(name=name, path=str(Path(path).resolve()), bytes=size, sha256=digest,
                                          stage=stage))

    def add_artifact(self, art: Artifact) -> Artifact:
        """Add an artifact already hashed (e.g. a cached stage's) to the manifest atomically."""
        name = art.name
        arts = self.manifest()
        arts[name] = art
        atomic_write_json(
            self.manifest_path,
            {"run": self.id, "artifacts": {k: v.model_dump() for k, v in arts.items()}},
        )
        return art

    def read_events(self) -> tuple[list[Any], list[Any]]:
        from core.events import read_events

        return read_events(self.events_path)


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def create_run(cfg: ExperimentConfig, stages: list[str], run_id: str | None = None) -> Run:
    runs_dir = cfg.runs_dir
    runs_dir.mkdir(parents=True, exist_ok=True)
    run = Run(runs_dir / (run_id or new_run_id()))
    run.path.mkdir(parents=False, exist_ok=False)
    (run.path / "stages").mkdir()
    atomic_write_text(run.config_path, dump_config(cfg))
    info = RunInfo(
        id=run.id,
        created=time.time(),
        config_path=str(cfg.source or ""),
        stages=stages,
        demo=cfg.experiment.demo,
        experiment=cfg.experiment.name,
    )
    atomic_write_text(run.path / "run.json", info.model_dump_json(indent=2) + "\n")
    atomic_write_json(run.manifest_path, {"run": run.id, "artifacts": {}})
    run.events_path.touch()
    return run


def list_runs(runs_dir: Path) -> list[Run]:
    """Runs under a folder, newest first. Folders without run.json are ignored."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    found = [Run(p) for p in runs_dir.iterdir() if (p / "run.json").is_file()]
    return sorted(found, key=lambda r: r.id, reverse=True)


def open_run(runs_dir: Path, ref: str) -> Run:
    """A run by id, unique id prefix, 'last', or path."""
    p = Path(ref)
    if (p / "run.json").is_file():
        return Run(p)
    runs = list_runs(runs_dir)
    if ref in ("last", "latest"):
        if not runs:
            raise FileNotFoundError(f"no runs in {runs_dir}")
        return runs[0]
    hits = [r for r in runs if r.id == ref] or [r for r in runs if r.id.startswith(ref)]
    if not hits:
        raise FileNotFoundError(f"no run {ref!r} in {runs_dir}")
    if len(hits) > 1:
        raise FileNotFoundError(f"{ref!r} matches {len(hits)} runs: " + ", ".join(r.id for r in hits[:5]))
    return hits[0]


@contextmanager
def locked(run: Run) -> Iterator[RunLock]:
    lock = run.lock()
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
