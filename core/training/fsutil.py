"""Folders written whole or not at all: build in a hidden temp folder beside the target, then swap.

An existing target is replaced only after the new one is complete. The swap is two renames on the
same filesystem; if the process dies between them, the old folder is still there under
``.NAME.old-*`` and :func:`clean_stale` puts it back on the next start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MARKERS = ("config.json", "adapter_config.json", "state.json")


def clean_stale(target: Path) -> None:
    """Remove half-built temp folders of ``target``; restore an old copy stranded by a crash."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    for p in parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    olds = sorted(parent.glob(f".{target.name}.old-*"))
    for p in olds:
        if not target.exists():
            os.replace(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)


def looks_generated(path: Path) -> bool:
    """True for an empty folder or one holding a model, an adapter or a checkpoint."""
    path = Path(path)
    if not path.is_dir():
        return False
    return not any(path.iterdir()) or any((path / m).is_file() for m in MARKERS)


def replace_dir(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target``, replacing what was there."""
    tmp, target = Path(tmp), Path(target)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
    _fsync_dir(target.parent)


@contextmanager
def staged_dir(target: Path, create: bool = True) -> Iterator[Path]:
    """Yield a temp folder beside ``target`` (empty, or not yet created when ``create`` is False,
    for writers that insist on a new path); on success it replaces ``target``.

    On any error (or a cancel) the temp folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    if create:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the output is an ordinary folder
    else:
        tmp.rmdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not tmp.is_dir():
        raise FileNotFoundError(f"{tmp}: nothing was written")
    replace_dir(tmp, target)


def _fsync_dir(path: Path) -> None:
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
