"""The temporary copy of a workspace that a snippet runs in: making it, removing it, sweeping up.

Symbolic links are copied as links only while they resolve inside the copy. A link that points
outside (an absolute path, or ``..`` past the workspace root) would let a snippet write through
its copy into the user's real file, so it is replaced:

* a link into the workspace itself (an absolute path to a file of the workspace) becomes a
  relative link to the same place in the copy;
* a link to a regular file outside becomes a copy of that file, so the snippet reads what the
  user sees and its writes stay in the copy. When the snippet will run as an unprivileged user,
  only a file that user could read anyway (world-readable, in traversable folders) is copied;
* anything else (a folder outside, a device, a dangling or looping link) is left out.

What was replaced or left out is reported in the result's ``notes``.

Each copy lives in ``<tmp>/codemode-<pid>-<random>``, named after the process that made it. A
copy outlives its run only when that process dies before cleaning up; ``remove_stale`` deletes
such leftovers once they are older than ``STALE_AFTER_S`` and their process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

COPY_IGNORE = (".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv", "node_modules")
PREFIX = "codemode-"
STALE_AFTER_S = 6 * 3600.0
"""A leftover copy is removed once it is this old and the process that made it is gone."""
SWEEP_EVERY_S = 600.0
_NAME = re.compile(rf"\A{PREFIX}(\d+)-[A-Za-z0-9_]+\Z")
_sweep_lock = threading.Lock()
_last_sweep = [float("-inf")]


def new_run_dir() -> Path:
    """A fresh private temporary directory named after this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


# --------------------------------------------------------------------------- copying


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _world_readable(path: str) -> bool:
    """Another user could read this file: it is readable by others and every folder above is traversable."""
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        parent = os.path.dirname(path)
        while True:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
            up = os.path.dirname(parent)
            if up == parent:
                return True
            parent = up
    except OSError:
        return False


def contain_links(workspace: Path, copy: Path, *, unprivileged: bool = False) -> list[str]:
    """Replace the links in ``copy`` that resolve outside it (see the module docstring); returns notes."""
    src_root, dest_root = os.path.realpath(workspace), os.path.realpath(copy)
    copied: list[str] = []
    left_out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(copy):
        for name in dirnames + filenames:
            link = os.path.join(dirpath, name)
            if not os.path.islink(link) or _inside(os.path.realpath(link), dest_root):
                continue
            rel = os.path.relpath(link, copy)
            original = os.path.realpath(os.path.join(workspace, rel))
            os.unlink(link)
            if _inside(original, src_root):
                target = os.path.join(dest_root, os.path.relpath(original, src_root))
                os.symlink(os.path.relpath(target, os.path.realpath(dirpath)), link)
            elif os.path.isfile(original) and (not unprivileged or _world_readable(original)):
                shutil.copyfile(original, link)
                copied.append(rel)
            else:
                left_out.append(rel)
    notes = []
    if copied:
        notes.append("symlinks to files outside the workspace were copied as files (writes stay in the "
                     f"copy): {', '.join(sorted(copied))}")
    if left_out:
        notes.append("symlinks pointing outside the workspace were left out of the copy (a folder, a "
                     f"dangling link, or a file the snippet may not read): {', '.join(sorted(left_out))}")
    return notes


def copy_workspace(workspace: Path, copy: Path, *, unprivileged: bool = False) -> list[str]:
    """Copy ``workspace`` to ``copy`` (without caches and VCS folders), links contained; returns notes."""
    shutil.copytree(workspace, copy, symlinks=True, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    return contain_links(workspace, copy, unprivileged=unprivileged)


def read_regular(path: Path, limit: int = 8 * 1024**2) -> bytes | None:
    """At most ``limit`` bytes of ``path`` if it is a regular file, else None. The snippet owns the run
    folder: never follow its links, and never block on a FIFO it left in place of a file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0 and (chunk := os.read(fd, min(left, 1024**2))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- removing


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def remove_tree(root: Path) -> None:
    """Remove ``root`` and everything in it, making folders inside it writable where needed.

    Only ``root`` and what lies below it are ever chmodded: a failure on ``root`` itself (it is
    already gone, or another process is removing it too) leaves the folder that holds it alone.
    """
    top = os.path.abspath(root)

    def retry(func: Any, path: str, exc: Any) -> None:
        err = exc[1] if isinstance(exc, tuple) else exc
        if isinstance(err, FileNotFoundError):
            return  # removed already (by another sweeper, or the snippet's own processes)
        try:
            parent = os.path.dirname(os.path.abspath(path))
            if _inside(parent, top):
                os.chmod(parent, 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(root, onexc=retry)
    else:
        shutil.rmtree(root, onerror=retry)


def remove_stale(folder: Path | None = None, *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove ``codemode-<pid>-*`` copies in ``folder`` (the temp folder) older than ``older_than_s``
    whose process no longer runs; returns what was removed. Others' folders it may not remove stay."""
    folder = Path(folder or tempfile.gettempdir())
    now = time.time()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = _NAME.match(entry.name)
        if not m:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue
        except OSError:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or psutil.pid_exists(pid):
            continue
        if not os.path.lexists(entry.path):
            continue  # another process swept it first
        remove_tree(Path(entry.path))
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed


def sweep_now_and_then() -> None:
    """``remove_stale`` at most once per ``SWEEP_EVERY_S`` per process (cheap to call on every run)."""
    with _sweep_lock:
        if time.monotonic() - _last_sweep[0] < SWEEP_EVERY_S:
            return
        _last_sweep[0] = time.monotonic()
    remove_stale()
