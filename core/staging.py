"""Outputs written whole or not at all: built in a hidden folder beside the target, then swapped in.

* :func:`staged_dir` builds a folder in ``.NAME.tmp-*`` and swaps it in when the block succeeds.
* :func:`staging_path` is a stage's longer-lived staging folder ``.NAME.staging``: a forced re-run
  (or any run that would change a finished output) writes there, and :func:`swap_in` replaces the
  target only once the stage has succeeded; until then the last good output stays as it was. A
  training killed part-way leaves its staging folder, and the next run continues it.

A swap of a folder is two renames on the same filesystem; if the process dies between them, the
old folder is still there under ``.NAME.old-*`` and :func:`clean_stale` puts it back on the next
start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.atomic import fsync_dir

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
    fsync_dir(target.parent)


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


def staging_path(target: Path) -> Path:
    """The staging folder (or file) of ``target``: ``.NAME.staging`` beside it."""
    target = Path(target)
    return target.parent / f".{target.name}.staging"


def fresh_staging(target: Path) -> Path:
    """An empty place to build ``target``'s next version (its earlier staging removed)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    staged = staging_path(target)
    discard(staged)
    return staged


def discard(path: Path) -> None:
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def swap_in(staged: Path, target: Path) -> None:
    """Replace ``target`` with the finished ``staged`` file or folder (one rename for a file)."""
    staged, target = Path(staged), Path(target)
    if staged.is_dir():
        replace_dir(staged, target)
    else:
        os.replace(staged, target)
        fsync_dir(target.parent)
