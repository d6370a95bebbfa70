"""Did a tool call see the fixture workspace as it was, or files the snippet had changed?

The snippet may write in its copy of the workspace: overwrite ``inventory/stock.py`` with clean
code, add a test file, plant a ``.pyc`` that Python loads in place of a source, link a folder of
its own into ``tests/``, then call ``typecheck`` or ``pytest_run``. The result would be real, but
about files the code made. So the executor takes a ``Baseline`` of the copy before the snippet
starts (each entry's kind, size, times and inode, each regular file's content hash, each link's
target), and around each tool call compares the copy with it (``Baseline.check``):

* a file of the workspace changed (its content, its kind: a link in place of a file, or a link's
  target) or removed;
* an entry added that the tool may read: for ``typecheck``, ``ruff_check`` and ``pytest_run`` a
  regular file with the suffix of a Python source, a compiled module or a config file they read,
  and anything added that is not a regular file (a link, to a folder say, whose contents no scan
  looks inside; a pipe); a ``notes.txt`` is no change. For ``run_command``, anything added counts;
  for ``read_file``, only the file it reads (and the folders above it);
* a link, added or not, that resolves outside the copy;
* a file whose status or content changed *while* the tool ran, as far as the snapshots on each side
  of the call see it (a change put back before the call ended shows only in the file's status);
* a path argument that leads outside the copy (``typecheck("/tmp/fake")``).

Every snapshot hashes the content of each regular file the baseline holds (those whose status is
unchanged too: a write through a shared ``mmap`` on tmpfs changes neither mtime nor ctime), up to
``MAX_FILE_BYTES`` a file and ``MAX_HASHED_BYTES`` in all; a file past either cap cannot be checked
and counts as changed. A file rewritten with the same bytes is no change. Caches the tools never
read (``.mypy_cache``, ``.ruff_cache``, ``.pytest_cache``; the tools run with ``--cache-dir=/dev/null``,
``--no-cache``, ``-p no:cacheprovider``) are skipped. ``__pycache__`` is walked: nothing here writes
bytecode (every process runs with ``-B`` or ``PYTHONDONTWRITEBYTECODE``), and a ``.pyc`` there is
loaded instead of its source when its header matches. File names are recorded printable: bytes that
are not UTF-8 as ``\\xff``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from core.codemode.results import WorkspaceCheck, printable

SKIP_DIRS = frozenset({".mypy_cache", ".ruff_cache", ".pytest_cache", ".git", ".venv", "node_modules"})
"""Folders no tool reads (as the tools are run) and the copy does not hold."""
TOOL_READS = frozenset({".py", ".pyi", ".pyc", ".pyd", ".so", ".pth", ".ipynb", ".toml", ".ini", ".cfg"})
"""Suffixes of new files that mypy, ruff or pytest may read: code, compiled modules, config."""
MAX_LISTED = 10
MAX_FILES = 50_000
"""A copy holding more files than this is not scanned further; the call is marked as changed."""
MAX_FILE_BYTES = 4 * 1024**2
"""A file of the workspace larger than this is not hashed: it counts as changed (the fixtures' are a few KB)."""
MAX_HASHED_BYTES = 32 * 1024**2
"""Past this many bytes hashed in one snapshot, the rest of the files count as changed."""
TOO_MANY = f"(more than {MAX_FILES} files: not checked)"
PATH_TOOLS = frozenset({"typecheck", "ruff_check", "pytest_run", "read_file"})
UNCHECKED = "unchecked"
"""The digest of a file past the size caps: it never equals a baseline's."""

Key = tuple[int, int, int, int, int]
"""(file type, size, mtime_ns, ctime_ns, inode): what a status change shows."""


def _key(st: os.stat_result) -> Key:
    return (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def scan(root: str) -> dict[str, Key]:
    """Every file, link and special file below ``root`` (relative POSIX paths), caches skipped; a link
    to a folder is one entry (not walked into); past ``MAX_FILES``, the scan stops and ``TOO_MANY`` is
    among the paths (an added file wherever it counts)."""
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


def _hash(path: str, limit: int) -> str:
    """The content of a regular file, hashed; ``UNCHECKED`` past ``limit`` bytes (it grew since its status was read)."""
    h = hashlib.sha256()
    read = 0
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "gone"
    try:
        while chunk := os.read(fd, 1 << 20):
            read += len(chunk)
            if read > limit:
                return UNCHECKED
            h.update(chunk)
    except OSError:
        return "gone"
    finally:
        os.close(fd)
    return h.hexdigest()


def _digest(path: str, kind: int) -> str:
    """A link's target, or the kind of anything else not a regular file."""
    if stat.S_ISLNK(kind):
        try:
            return "link:" + os.readlink(path)
        except OSError:
            return "gone"
    return f"kind:{kind}"


def _digests(root: str, keys: dict[str, Key], which: set[str] | None = None) -> dict[str, str]:
    """Digests of the entries in ``which`` (all when None); regular files past ``MAX_FILE_BYTES``, or
    past ``MAX_HASHED_BYTES`` hashed in all, are ``UNCHECKED``."""
    out: dict[str, str] = {}
    left = MAX_HASHED_BYTES
    for rel, key in keys.items():
        if rel == TOO_MANY or (which is not None and rel not in which):
            continue
        path = os.path.join(root, rel)
        if not stat.S_ISREG(key[0]):
            out[rel] = _digest(path, key[0])
            continue
        limit = min(left, MAX_FILE_BYTES)
        out[rel] = UNCHECKED if key[1] > limit else _hash(path, limit)
        left -= min(key[1], limit)
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@dataclass
class Snapshot:
    keys: dict[str, Key]
    changed: dict[str, str]
    """path -> "changed", "added", "removed" or "outside" (a link leading out of the copy), against the baseline."""
    digests: dict[str, str]
    """The content digest of each entry the baseline also holds, with the same kind."""


class Baseline:
    """The copy as the snippet found it, compared with the copy at each tool call."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(root)
        self.keys = scan(self.root)
        self.digests = _digests(self.root, self.keys)

    def snapshot(self) -> Snapshot:
        keys = scan(self.root)
        same_kind = {rel for rel, key in keys.items() if rel in self.keys and key[0] == self.keys[rel][0]}
        digests = _digests(self.root, keys, same_kind)
        changed: dict[str, str] = {}
        for rel, key in keys.items():
            if rel not in self.keys:
                changed[rel] = "added"
            elif rel not in same_kind or digests.get(rel) != self.digests.get(rel) or digests[rel] == UNCHECKED:
                changed[rel] = "changed"
            if stat.S_ISLNK(key[0]) and not _inside(os.path.realpath(os.path.join(self.root, rel)), self.root):
                changed.setdefault(rel, "outside")
        changed.update({rel: "removed" for rel in self.keys if rel not in keys})
        if TOO_MANY in keys:
            changed[TOO_MANY] = "changed"  # what lies past the cap was never compared
        return Snapshot(keys, changed, digests)

    def check(self, tool: str, arguments: dict[str, Any], before: Snapshot) -> WorkspaceCheck:
        """What the tool saw, from the snapshot taken before the call and one taken now."""
        after = self.snapshot()
        during = {rel for rel in set(before.keys) | set(after.keys)
                  if before.keys.get(rel) != after.keys.get(rel) or before.digests.get(rel) != after.digests.get(rel)}
        kinds = {**before.changed, **after.changed}
        for rel in during - set(kinds):
            kinds[rel] = "changed"
        types = {rel: key[0] for rel, key in (*before.keys.items(), *after.keys.items())}
        relevant = sorted(rel for rel, kind in kinds.items()
                          if self._matters(tool, arguments, rel, kind, types.get(rel, 0)))
        outside = self._outside(tool, arguments)
        listed = [self._describe(rel, kinds[rel], types.get(rel, 0)) for rel in relevant]
        return WorkspaceCheck(changed=listed[:MAX_LISTED], more=max(0, len(listed) - MAX_LISTED),
                              during=any(rel in during for rel in relevant), outside=printable(outside) if outside else None)

    def _describe(self, rel: str, kind: str, kind_bits: int) -> str:
        """``rel``, its link target when it is a link now (``tests/zz -> /tmp/x``), and how it changed."""
        name = printable(rel)
        if stat.S_ISLNK(kind_bits) and kind != "removed":
            try:
                name += " -> " + printable(os.readlink(os.path.join(self.root, rel)))
            except OSError:
                pass
        if kind == "outside":
            return f"{name} (leads outside the copy)"
        return name if kind == "changed" else f"{name} ({kind})"

    def _matters(self, tool: str, arguments: dict[str, Any], rel: str, kind: str, kind_bits: int) -> bool:
        if tool == "read_file":
            target = os.path.relpath(os.path.join(self.root, str(arguments.get("path", ""))), self.root)
            target = PurePosixPath(target).as_posix()
            return target == rel or target.startswith(rel + "/")
        if tool == "run_command" or kind != "added" or rel == TOO_MANY or not stat.S_ISREG(kind_bits):
            return True
        return PurePosixPath(rel).suffix in TOOL_READS

    def _outside(self, tool: str, arguments: dict[str, Any]) -> str | None:
        path = arguments.get("path", ".")
        if tool not in PATH_TOOLS or not isinstance(path, str):
            return None
        try:
            resolved = os.path.realpath(os.path.join(self.root, path))
        except (UnicodeError, ValueError):  # no file can have this name ('\ud800', a NUL byte)
            return path
        return None if _inside(resolved, self.root) else path


__all__ = ["MAX_FILES", "MAX_FILE_BYTES", "MAX_HASHED_BYTES", "MAX_LISTED", "SKIP_DIRS", "TOOL_READS", "TOO_MANY",
           "Baseline", "Snapshot", "scan"]
