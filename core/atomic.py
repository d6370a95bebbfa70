"""Files written whole or not at all, and content hashes.

Every file phase25 writes, except the append-only logs, goes through :func:`atomic_write_bytes`
(a temp file beside the target, fsynced, then renamed over it), so a crash leaves the old file or
the new one, never half of one. :func:`tree_digest` hashes a file or a folder; :func:`stat_key` is
the cheap identity (sizes and mtimes) checked before a hash is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


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


def stat_key(path: Path) -> list[Any]:
    """Cheap identity of a file or folder: its size and mtime; for a folder, the total size, the
    newest mtime, the file count and a digest of every file's name, size and mtime."""
    path = Path(path)
    if path.is_file():
        st = path.stat()
        return [st.st_size, st.st_mtime_ns]
    total, newest, count = 0, 0, 0
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            st = f.stat()
            total += st.st_size
            newest = max(newest, st.st_mtime_ns)
            count += 1
            h.update(f"{f.relative_to(path).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return [total, newest, count, h.hexdigest()[:16]]


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the platform allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
