"""Did a tool call see the fixture workspace as it was, or files the snippet had changed?

The snippet may write in its copy of the workspace: overwrite ``inventory/stock.py`` with clean
code, add a test file, plant a ``.pyc`` that Python loads in place of a source, then call
``typecheck`` or ``pytest_run``. The result would be real, but about files the code made. So the
executor takes a ``Baseline`` of the copy before the snippet starts (each file's kind, size, times,
inode and content hash), and around each tool call compares the copy with it (``Baseline.check``):

* a file of the workspace changed (its content, or its kind: a link in place of a file) or removed;
* a file added that the tool may read: for ``typecheck``, ``ruff_check`` and ``pytest_run`` Python
  sources and compiled modules, and the config files they read (a ``notes.txt`` is no change); for
  ``run_command``, any file; for ``read_file``, only the file it reads (and the folders above it)
  counts;
* a file whose status changed *while* the tool ran, even if it was put back before the call ended;
* a path argument that leads outside the copy (``typecheck("/tmp/fake")``).

Only the status of each file is read on every call; content is hashed only where the status differs
from the baseline's (a file rewritten with the same bytes is no change). Caches the tools never read
(``.mypy_cache``, ``.ruff_cache``, ``.pytest_cache``; the tools run with ``--cache-dir=/dev/null``,
``--no-cache``, ``-p no:cacheprovider``) are skipped. ``__pycache__`` is walked: nothing here writes
bytecode (every process runs with ``-B`` or ``PYTHONDONTWRITEBYTECODE``), and a ``.pyc`` there is
loaded instead of its source when its header matches.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from core.codemode.results import WorkspaceCheck

SKIP_DIRS = frozenset({".mypy_cache", ".ruff_cache", ".pytest_cache", ".git", ".venv", "node_modules"})
"""Folders no tool reads (as the tools are run) and the copy does not hold."""
TOOL_READS = frozenset({".py", ".pyi", ".pyc", ".pyd", ".so", ".pth", ".ipynb", ".toml", ".ini", ".cfg"})
"""Suffixes of new files that mypy, ruff or pytest may read: code, compiled modules, config."""
MAX_LISTED = 10
MAX_FILES = 50_000
"""A copy holding more files than this is not scanned further; the call is marked as changed."""
TOO_MANY = f"(more than {MAX_FILES} files: not checked)"
PATH_TOOLS = frozenset({"typecheck", "ruff_check", "pytest_run", "read_file"})

Key = tuple[int, int, int, int, int]
"""(file type, size, mtime_ns, ctime_ns, inode): ctime cannot be set back, so an equal key means untouched."""


def _key(st: os.stat_result) -> Key:
    return (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def scan(root: str) -> dict[str, Key]:
    """Every file, link and special file below ``root`` (relative POSIX paths), caches skipped; past
    ``MAX_FILES``, the scan stops and ``TOO_MANY`` is among the paths (an added file wherever it counts)."""
    out: dict[str, Key] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        rel = os.path.relpath(dirpath, root)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            out[name if rel == "." else f"{rel}/{name}"] = _key(st)
            if len(out) > MAX_FILES:
                out[TOO_MANY] = (0, 0, 0, 0, 0)
                return out
    return out


def _digest(path: str) -> str:
    """The content of a regular file (hashed), a link's target, or the kind of anything else."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return "link:" + os.readlink(path)
        if not stat.S_ISREG(st.st_mode):
            return f"kind:{stat.S_IFMT(st.st_mode)}"
        h = hashlib.sha256()
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            while chunk := os.read(fd, 1 << 20):
                h.update(chunk)
        finally:
            os.close(fd)
        return h.hexdigest()
    except OSError:
        return "gone"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@dataclass
class Snapshot:
    keys: dict[str, Key]
    changed: dict[str, str]
    """path -> "changed", "added" or "removed", against the baseline."""


class Baseline:
    """The copy as the snippet found it, compared with the copy at each tool call."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(root)
        self.keys = scan(self.root)
        self.digests = {rel: _digest(os.path.join(self.root, rel)) for rel in self.keys}

    def snapshot(self) -> Snapshot:
        keys = scan(self.root)
        changed: dict[str, str] = {}
        for rel, key in keys.items():
            if rel not in self.keys:
                changed[rel] = "added"
            elif key != self.keys[rel] and _digest(os.path.join(self.root, rel)) != self.digests.get(rel):
                changed[rel] = "changed"
        changed.update({rel: "removed" for rel in self.keys if rel not in keys})
        if TOO_MANY in keys:
            changed[TOO_MANY] = "changed"  # what lies past the cap was never compared
        return Snapshot(keys, changed)

    def check(self, tool: str, arguments: dict[str, Any], before: Snapshot) -> WorkspaceCheck:
        """What the tool saw, from the snapshot taken before the call and one taken now."""
        after = self.snapshot()
        during = {rel for rel in set(before.keys) | set(after.keys) if before.keys.get(rel) != after.keys.get(rel)}
        kinds = {**before.changed, **after.changed}
        for rel in during - set(kinds):
            kinds[rel] = "changed"
        relevant = sorted(rel for rel, kind in kinds.items() if self._matters(tool, arguments, rel, kind))
        outside = self._outside(tool, arguments)
        listed = [rel if kinds[rel] == "changed" else f"{rel} ({kinds[rel]})" for rel in relevant]
        return WorkspaceCheck(changed=listed[:MAX_LISTED], more=max(0, len(listed) - MAX_LISTED),
                              during=any(rel in during for rel in relevant), outside=outside)

    def _matters(self, tool: str, arguments: dict[str, Any], rel: str, kind: str) -> bool:
        if tool == "read_file":
            target = os.path.relpath(os.path.join(self.root, str(arguments.get("path", ""))), self.root)
            target = PurePosixPath(target).as_posix()
            return target == rel or target.startswith(rel + "/")
        if tool == "run_command" or kind != "added" or rel == TOO_MANY:
            return True
        return PurePosixPath(rel).suffix in TOOL_READS

    def _outside(self, tool: str, arguments: dict[str, Any]) -> str | None:
        path = arguments.get("path", ".")
        if tool not in PATH_TOOLS or not isinstance(path, str):
            return None
        resolved = os.path.realpath(os.path.join(self.root, path))
        return None if _inside(resolved, self.root) else path


__all__ = ["MAX_FILES", "MAX_LISTED", "SKIP_DIRS", "TOOL_READS", "TOO_MANY", "Baseline", "Snapshot", "scan"]
