"""Torn writes, injected into a stage process (on PYTHONPATH only in the fault tests).

With ``PHASE25_FAULT_TORN=N`` the stage's N-th file write is torn: the file is written, cut to half
of what this write added, and the process kills itself with SIGKILL before anything else happens
(no rename, no fsync of the rest, no cleanup), as if the machine lost power mid-write. Writes are
files opened for writing through ``open`` / ``io.open`` / ``os.fdopen`` (Python's own writers:
JSON, text, the temp files behind every atomic write, tokenizer files) and the weights mlx saves
(``mlx.core.save_safetensors``). ``PHASE25_FAULT_TORN=0`` only counts: every write's path is
appended to ``PHASE25_FAULT_LOG``. Without the variable nothing is changed.
"""

from __future__ import annotations

import builtins
import io
import os
import signal

_SPEC = os.environ.get("PHASE25_FAULT_TORN")
_LOG = os.environ.get("PHASE25_FAULT_LOG")
_count = 0


def _note(path: object) -> bool:
    """Count one write; True when it is the one to tear."""
    global _count
    _count += 1
    if _LOG:
        with _real_open(_LOG, "a") as fh:
            fh.write(f"{_count}\t{path}\n")
    return _SPEC is not None and int(_SPEC) == _count


def _tear(path_or_fd: object, start: int) -> None:
    try:
        if isinstance(path_or_fd, int):
            end = os.fstat(path_or_fd).st_size
            os.ftruncate(path_or_fd, start + (end - start) // 2)
        else:
            end = os.path.getsize(str(path_or_fd))
            os.truncate(str(path_or_fd), start + (end - start) // 2)
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


class _Torn:
    """A file object that tears its file when closed."""

    def __init__(self, fh: io.IOBase, start: int):
        self._fh, self._start = fh, start

    def __getattr__(self, name: str) -> object:
        return getattr(self._fh, name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._fh)

    def __enter__(self) -> _Torn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._fh.flush()
        _tear(self._fh.fileno(), self._start)


def _writing(mode: str) -> bool:
    return any(c in mode for c in "wax+")


if _SPEC is not None:
    _real_open = io.open

    def _open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        fh = _real_open(file, mode, *args, **kwargs)
        if not _writing(mode) or str(file) == _LOG or (isinstance(file, int) and file < 3):
            return fh
        if _note(file if not isinstance(file, int) else f"fd:{os.readlink(f'/proc/self/fd/{file}')}"):
            start = os.fstat(fh.fileno()).st_size if "a" in mode else 0
            return _Torn(fh, start)
        return fh

    builtins.open = io.open = _open  # type: ignore[assignment]

    try:
        import mlx.core as _mx
    except ImportError:  # a stage without mlx installed: Python's own writes only
        _mx = None
    if _mx is not None:
        _real_save = _mx.save_safetensors

        def _save_safetensors(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            _real_save(file, *args, **kwargs)
            path = str(file) if str(file).endswith(".safetensors") else f"{file}.safetensors"
            if _note(path):
                _tear(path, 0)

        _mx.save_safetensors = _save_safetensors
