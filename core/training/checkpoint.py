"""Training checkpoints that a run can truly resume from.

A checkpoint is a folder ``<adapter>/checkpoints/iter-0000040/``::

    adapters.safetensors    the trainable weights (an adapter mlx-lm can load as it is)
    adapter_config.json     so ``mlx_lm generate --adapter-path <checkpoint>`` works too
    optimizer.safetensors   the optimizer's whole state tree (step count, lr, moments)
    state.json              iteration, the inputs' key, data position, best-so-far, file hashes

It is written into a temp folder and renamed into place, so a checkpoint folder is either whole
or absent. The last ``keep`` (2) are kept. Loading checks every file against the sha256 recorded
in state.json; a mismatch is reported as corrupt, naming the previous checkpoint. There is no
silent fallback to the previous one: corruption after an atomic write means something outside
the trainer damaged the file, and quietly dropping progress would hide it. The user chooses:
delete the bad checkpoint (the next run resumes from the previous one) or ``--force train``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.runs import atomic_write_json, sha256_file
from core.staging import replace_dir

FORMAT = 1
WEIGHTS = "adapters.safetensors"
OPTIMIZER = "optimizer.safetensors"
CONFIG = "adapter_config.json"
STATE = "state.json"
PREFIX = "iter-"


class CorruptCheckpoint(Exception):
    def __init__(self, path: Path, iteration: int | None, reason: str, previous: int | None):
        self.path, self.iteration, self.reason, self.previous = path, iteration, reason, previous
        super().__init__(reason)

    def user_message(self) -> str:
        it = f"iter {self.iteration}" if self.iteration is not None else self.path.name
        head = f"checkpoint {it} in {self.path} is corrupt ({self.reason})."
        if self.previous is None:
            return f"{head} Run with --force train to start over, or delete it to start over"
        return (f"{head} To resume from the previous checkpoint (iter {self.previous}), run again with "
                f"--set train.on_corrupt_checkpoint=previous (or set it in [train]): the corrupt one is "
                f"moved to {self.path.parent.name}.corrupt/. Or run with --force train to start over, "
                f"or delete it to resume from iter {self.previous}")


@dataclass
class Checkpoint:
    path: Path
    iteration: int
    state: dict[str, Any] = field(default_factory=dict)
    loaded: tuple[dict[str, Any], dict[str, Any]] | None = field(default=None, repr=False)

    def arrays(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(weights, flat optimizer state) as mlx arrays, read once."""
        import mlx.core as mx

        if self.loaded is None:
            try:
                weights = mx.load(str(self.path / WEIGHTS))
                opt = mx.load(str(self.path / OPTIMIZER))
            except Exception as exc:  # mlx raises plain RuntimeError/ValueError on bad files
                raise CorruptCheckpoint(self.path, self.iteration, f"cannot read: {exc}", None) from None
            if not isinstance(weights, dict) or not isinstance(opt, dict):
                raise CorruptCheckpoint(self.path, self.iteration, "not a safetensors map of arrays", None)
            self.loaded = (weights, opt)
        return self.loaded


def dir_name(iteration: int) -> str:
    return f"{PREFIX}{iteration:07d}"


class CheckpointStore:
    def __init__(self, root: Path, keep: int = 2):
        self.root = Path(root)
        self.keep = keep

    def folders(self) -> list[tuple[int, Path]]:
        """Checkpoint folders, newest (highest iteration) first."""
        if not self.root.is_dir():
            return []
        found = []
        for p in self.root.iterdir():
            if p.is_dir() and p.name.startswith(PREFIX) and p.name[len(PREFIX):].isdigit():
                found.append((int(p.name[len(PREFIX):]), p))
        return sorted(found, reverse=True)

    # -- reading ---------------------------------------------------------------------------
    def verify(self, path: Path, iteration: int | None = None) -> Checkpoint:
        """Read state.json and check every file's hash; raise CorruptCheckpoint(previous=None)."""
        try:
            state = json.loads((path / STATE).read_text())
        except FileNotFoundError:
            raise CorruptCheckpoint(path, iteration, f"{STATE} is missing", None) from None
        except (OSError, ValueError) as exc:
            raise CorruptCheckpoint(path, iteration, f"{STATE} is unreadable: {exc}", None) from None
        if not isinstance(state, dict) or state.get("format") != FORMAT or "iteration" not in state:
            raise CorruptCheckpoint(path, iteration, f"{STATE} is not a format-{FORMAT} checkpoint state", None)
        files = state.get("files") or {}
        for name in (WEIGHTS, OPTIMIZER):
            if name not in files:
                raise CorruptCheckpoint(path, iteration, f"{STATE} records no hash for {name}", None)
        for name, digest in files.items():
            f = path / name
            if not f.is_file():
                raise CorruptCheckpoint(path, iteration, f"{name} is missing", None)
            if sha256_file(f) != digest:
                raise CorruptCheckpoint(path, iteration, f"{name} does not match its recorded sha256", None)
        return Checkpoint(path=path, iteration=int(state["iteration"]), state=state)

    def latest(self) -> Checkpoint | None:
        """The newest checkpoint, verified. A corrupt newest one raises, naming the one before it."""
        folders = self.folders()
        if not folders:
            return None
        it, path = folders[0]
        try:
            return self.verify(path, it)
        except CorruptCheckpoint as exc:
            exc.previous = folders[1][0] if len(folders) > 1 else None
            raise

    # -- writing ---------------------------------------------------------------------------
    def save(self, iteration: int, weights: dict[str, Any], optimizer_state: dict[str, Any],
             state: dict[str, Any], adapter_config: dict[str, Any]) -> Path:
        """Write a checkpoint atomically and drop all but the newest ``keep``."""
        import mlx.core as mx

        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / dir_name(iteration)
        tmp = self.root / f".{target.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            mx.save_safetensors(str(tmp / WEIGHTS), weights)
            mx.save_safetensors(str(tmp / OPTIMIZER), optimizer_state)
            atomic_write_json(tmp / CONFIG, adapter_config)
            files = {n: sha256_file(tmp / n) for n in (WEIGHTS, OPTIMIZER)}
            atomic_write_json(tmp / STATE, {**state, "format": FORMAT, "iteration": iteration,
                                            "created": time.time(), "files": files})
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.prune()
        return target

    def prune(self) -> None:
        for _, path in self.folders()[self.keep:]:
            shutil.rmtree(path, ignore_errors=True)
        for stale in self.root.glob(f".{PREFIX}*"):
            if stale.is_dir() and not _owned_by_live_process(stale):
                shutil.rmtree(stale, ignore_errors=True)

    def set_aside_corrupt(self, path: Path) -> Path:
        """Move a corrupt checkpoint to ``<root>.corrupt/`` (kept for a look, never loaded)."""
        dest_dir = self.root.with_name(self.root.name + ".corrupt")
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / path.name
        if dest.exists():
            dest = dest_dir / f"{path.name}-{int(time.time())}"
        os.replace(path, dest)
        return dest

    def retire(self) -> Path | None:
        """Move all checkpoints aside (to ``<root>.previous``, replacing an older set)."""
        if not self.root.exists():
            return None
        prev = self.root.with_name(self.root.name + ".previous")
        shutil.rmtree(prev, ignore_errors=True)
        os.replace(self.root, prev)
        return prev


def _owned_by_live_process(tmp: Path) -> bool:
    """A temp folder ``.iter-N.tmp-PID`` is being written while its process lives (this one or
    another trainer's): only a dead writer's folder is removed."""
    import psutil

    pid = tmp.name.rsplit("-", 1)[-1]
    return pid.isdigit() and (int(pid) == os.getpid() or psutil.pid_exists(int(pid)))
