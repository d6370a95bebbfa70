"""Tool executions, cached by (program, workspace content).

Running a task's program means starting a confined Python process that runs mypy, ruff or pytest
(about a second each). The cache keeps what each run printed, keyed by the sha256 of the program
and of the workspace's files (the files the executor copies), so a rebuild runs only programs
that are new or whose workspace changed. The file is JSON lines sorted by key, and holds exactly
the runs the last build used.

Only the fields that reach the training text are kept; durations and sandbox notes are dropped,
since they differ from run to run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.runs import atomic_write_text

KEPT = ("stdout", "stderr", "stdout_truncated", "stderr_truncated", "exception_type", "exception_message",
        "timed_out", "exit_code")
CACHE_VERSION = 1


def workspace_digest(root: Path) -> str:
    """sha256 over the relative paths and contents of the files the executor would copy."""
    from core.codemode.workcopy import COPY_IGNORE

    h = hashlib.sha256()
    root = Path(root)
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if any(part in COPY_IGNORE or part.endswith(".pyc") for part in rel.parts) or not f.is_file():
            continue
        h.update(rel.as_posix().encode() + b"\0" + hashlib.sha256(f.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


def run_key(code: str, workspace_sha: str) -> str:
    return hashlib.sha256(f"{CACHE_VERSION}\0{workspace_sha}\0{code}".encode()).hexdigest()


@dataclass(frozen=True)
class Run:
    key: str
    workspace: str
    code: str
    result: dict[str, Any]

    def execution_result(self) -> Any:
        from core.codemode.executor import ExecutionResult

        return ExecutionResult(**self.result)


class CacheMiss(RuntimeError):
    """Offline mode: a program has no cached run (the templates or the workspaces changed)."""


class CacheError(ValueError):
    """The cache file is damaged (a merge conflict, a hand edit); the message names file:line."""


_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
_FIELDS = {"key": str, "workspace": str, "code": str, "result": dict}


def _parse_line(line: str) -> dict[str, Any]:
    """One cache line as a dict with the fields a Run needs; ValueError says what is wrong."""
    if line.startswith(_CONFLICT_MARKERS):
        raise ValueError(f"a merge-conflict marker ({line[:7]})")
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"expected a JSON object, got {type(raw).__name__}")
    if raw.get("v") != CACHE_VERSION:
        return raw  # another cache version: skipped, the program reruns
    for name, typ in _FIELDS.items():
        if not isinstance(raw.get(name), typ):
            raise ValueError(f"{name}: missing or not a {'string' if typ is str else 'JSON object'}")
    return raw


def _load(path: Path) -> dict[str, Run]:
    entries: dict[str, Run] = {}
    bad: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheError(f"{path}: cannot read the execution cache ({exc})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = _parse_line(line)
        except ValueError as exc:
            bad.append(f"{path}:{n}: {exc}")
            continue
        if raw.get("v") == CACHE_VERSION:
            entries[raw["key"]] = Run(raw["key"], raw["workspace"], raw["code"], raw["result"])
    if bad:
        more = f"\n  ... and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise CacheError(f"the execution cache has {len(bad)} damaged line(s):\n  " + "\n  ".join(bad[:5]) + more
                         + f"\nresolve the merge or fix those lines (each is one JSON object per run); deleting "
                         f"{path.name} reruns every program instead")
    return entries


class ExecCache:
    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, Run] = {}
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self._lock = threading.Lock()
        if path is not None and path.is_file():
            self.entries = _load(path)

    def run_all(
        self,
        jobs: list[tuple[str, str, Path, str]],
        *,
        offline: bool = False,
        workers: int = 2,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Run]:
        """Run ``(key, workspace name, workspace path, code)`` jobs that aren't cached; all results by key."""
        todo = []
        for key, ws, root, code in jobs:
            self.used.add(key)
            if key in self.entries:
                self.hits += 1
            else:
                todo.append((key, ws, root, code))
        unique = list({j[0]: j for j in todo}.values())
        self.misses += len(unique)
        if unique and offline:
            raise CacheMiss(f"{len(unique)} program(s) have no cached run (first: {unique[0][1]}); "
                            "the templates or the workspaces changed since the data was built; "
                            "run `phase25 data build` and commit data/phase24_merged and data/demo/compact")
        done = 0

        def one(job: tuple[str, str, Path, str]) -> None:
            nonlocal done
            from core.codemode.executor import execute_code

            key, ws, root, code = job
            res = execute_code(code, root)
            run = Run(key, ws, code, {k: getattr(res, k) for k in KEPT})
            with self._lock:
                self.entries[key] = run
                done += 1
                if progress:
                    progress(done, len(unique))

        if unique:
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                list(pool.map(one, unique))
        return {k: self.entries[k] for k, *_ in jobs}

    def save(self) -> None:
        """Write the runs used by this build (sorted by key), atomically."""
        if self.path is None:
            return
        lines = [json.dumps({"v": CACHE_VERSION, "key": k, "workspace": self.entries[k].workspace,
                             "code": self.entries[k].code, "result": self.entries[k].result},
                            sort_keys=True, ensure_ascii=False)
                 for k in sorted(self.used) if k in self.entries]
        atomic_write_text(self.path, "\n".join(lines) + "\n")
