"""Run directories: ``logs/runs/<id>/`` with the config snapshot, events, stage logs and a manifest.

Layout of a run::

    config.toml          the resolved config, as run
    run.json             id, source config, stages asked for, created time
    events.jsonl         every event, appended by the runner and the stages
    manifest.json        artifacts: path, size, sha256, the stage that wrote it
    stages/NAME.stdout.log, stages/NAME.stderr.log
    run.lock             present while a process writes this run (holds its pid)

While a pipeline runs, ``<runs_dir>/../cache/experiment.lock`` keeps a second one off the same outputs.

Every file except the append-only logs is written atomically (temp file + rename).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, Field

from core.config import ExperimentConfig, dump_config
from core.procs import is_stage_process, process_alive


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it (and put it straight back)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (temp file + rename). It keeps the mode of the file it
    replaces; a new file gets the usual 0o666 less the umask (not the temp file's private 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def tree_digest(path: Path) -> tuple[int, str]:
    """Total size and a content hash of a file or folder (names and contents, sorted)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size, sha256_file(path)
    h = hashlib.sha256()
    total = 0
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        total += f.stat().st_size
        h.update(rel.encode() + b"\0" + sha256_file(f).encode() + b"\n")
    return total, h.hexdigest()


class LockedError(RuntimeError):
    def __init__(self, path: Path, holder: dict[str, Any], what: str | None = None):
        self.path = path
        self.holder = holder
        pid = holder.get("pid")
        host = holder.get("host", "?")
        run = holder.get("run")
        stage_pid = holder.get("stage_pid")
        what = what or f"{path.name} is"
        super().__init__(
            f"{what} being written by pid {pid} on {host}" + (f" (run {run})" if run else "")
            + (f", with its stage pid {stage_pid}" if stage_pid and stage_pid != pid else "")
            + f", since {time.strftime('%H:%M:%S', time.localtime(holder.get('since', 0)))}; lock file: {path}"
        )


class FileLock:
    """An exclusive lock file holding its owner's pid, host and start time (and ``info``).

    The lock is written whole to a temp file and then linked into place, so a reader never sees
    an empty or half-written lock. A second process gets :class:`LockedError` naming the holder.
    The lock may also name a stage process (``stage_pid``) that writes for its holder: it stays
    held while either lives. A lock whose processes on this host have all gone is taken over.
    """

    what: str | None = None  # how LockedError names the locked thing ("... is")

    def __init__(self, path: Path, **info: Any):
        self.path = Path(path)
        self.info = info
        self.held = False

    def _holder(self, path: Path | None = None) -> dict[str, Any]:
        try:
            data = json.loads((path or self.path).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def holder_pid(self) -> int | None:
        """The pid recorded by the live holder of this lock; None when it is free or stale."""
        holder = self._holder()
        pid = holder.get("pid")
        return pid if isinstance(pid, int) and not self._stale(holder) else None

    def _stale(self, holder: dict[str, Any]) -> bool:
        """A lock of this host whose holder and stage have both gone (a zombie has gone; a
        stage's pid counts only while it still runs a stage, not once another program got it)."""
        pid = holder.get("pid")
        if not isinstance(pid, int) or holder.get("host") != socket.gethostname():
            return False
        run = holder.get("run") if isinstance(holder.get("run"), str) else None  # a stage of that run
        holder_up = is_stage_process(pid, run) if holder.get("handed_over") else process_alive(pid)
        return not (holder_up or is_stage_process(holder.get("stage_pid"), run))

    def _write_tmp(self, content: dict[str, Any]) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(content, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        return Path(tmp)

    def _create(self, content: dict[str, Any]) -> bool:
        """Put the lock in place with its content; False when one is there already."""
        tmp = self._write_tmp(content)
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links: exclusive create, then fill
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "w") as fh:
                json.dump(content, fh)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _take_over(self, stale: dict[str, Any]) -> None:
        """Remove a dead holder's lock. Take-overs queue on an flock of the lock's folder (no
        file is left behind), and the lock is removed only if it still holds the stale content:
        one another process took in the meantime stays."""
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # a filesystem without flock: the content check alone
                pass
            if self._holder() == stale:
                self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing drops the flock

    def acquire(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), **self.info}
        for _ in range(3):
            if self._create(me):
                self.held = True
                return self
            holder = self._holder()
            if not self._stale(holder):
                raise LockedError(self.path, holder, self.what)
            self._take_over(holder)
        raise LockedError(self.path, self._holder(), self.what)

    def _rewrite(self, **fields: Any) -> None:
        """Change what the held lock says, in one atomic rewrite (a field set to None goes)."""
        current = self._holder()
        if not self.held or current.get("pid") != os.getpid():
            return  # not (or no longer) this process's lock
        content = {k: v for k, v in {**current, **fields}.items() if v is not None}
        os.replace(self._write_tmp(content), self.path)

    def update(self, **fields: Any) -> None:
        """Record more about the holder, e.g. ``stage_pid``: the stage it runs, which keeps the
        lock held while it lives even if the holder dies first."""
        self._rewrite(**fields)

    def hand_over(self, pid: int) -> None:
        """Give the lock to a stage process of this host left running: it is held while that
        process lives (and is still a stage), and taken over as stale once it has gone."""
        self._rewrite(pid=pid, stage_pid=pid, handed_over=True)
        self.held = False

    def release(self) -> None:
        if self.held:
            if self._holder().get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class RunLock(FileLock):
    """An exclusive lock on a run (``run.lock`` in its folder), held by the process that orchestrates it."""

    def __init__(self, run_dir: Path):
        super().__init__(Path(run_dir) / "run.lock")
        self.what = f"run {self.path.parent.name} is"


class ExperimentLock(FileLock):
    """Held for a whole pipeline: one process at a time writes an experiment's outputs (adapter,
    checkpoints, models, stage cache). The lock is ``experiment.lock`` in the stage cache folder
    (``<runs_dir>/../cache``) and names the run that holds it."""

    def __init__(self, cfg: ExperimentConfig, run_id: str):
        super().__init__(experiment_lock_path(cfg), run=run_id, config=str(cfg.source or ""))
        self.what = f"this experiment's outputs (stage cache {self.path.parent}) are"


def experiment_lock_path(cfg: ExperimentConfig) -> Path:
    return cfg.runs_dir.parent / "cache" / "experiment.lock"


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
    lock = run.lock().acquire()
    try:
        yield lock
    finally:
        lock.release()
