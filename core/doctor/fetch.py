"""Download a Hugging Face model into the cache before the stage that needs it, with progress.

The download itself is ``huggingface_hub.snapshot_download`` with mlx-lm's own file patterns, so
mlx-lm later finds every file it would have fetched. Progress is measured from the bytes on disk
in the repository's cache folder (partial ``.incomplete`` blobs included), polled while the
download runs: bytes, rate over the last few seconds and ETA. An interrupted download leaves its
partial files, and the next one resumes from them (huggingface_hub continues ``.incomplete``
blobs); the progress says how many bytes were already there.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.doctor.disk import hub_cache_dir

FALLBACK_PATTERNS = ["*.json", "model*.safetensors", "*.py", "tokenizer.model", "*.tiktoken", "tiktoken.model",
                     "*.txt", "*.jsonl", "*.jinja"]
RATE_WINDOW_S = 5.0

DownloadFn = Callable[[str, Path], Path]
"""(repo_id, cache_dir) -> the downloaded snapshot folder."""
TotalFn = Callable[[str], "int | None"]


class FetchError(Exception):
    """A model could not be downloaded; the message names the id and what to do instead."""


@dataclass
class Tick:
    bytes_done: int
    bytes_total: int | None
    rate_bytes_s: float | None
    eta_s: float | None
    resumed_bytes: int
    done: bool = False


def allow_patterns() -> list[str]:
    try:
        from mlx_lm.utils import DEFAULT_ALLOW_PATTERNS

        return list(DEFAULT_ALLOW_PATTERNS)
    except (ImportError, AttributeError):
        return list(FALLBACK_PATTERNS)


def hub_download(repo_id: str, cache_dir: Path) -> Path:
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id, cache_dir=str(cache_dir), allow_patterns=allow_patterns()))


def hub_total(repo_id: str) -> int | None:
    """The bytes the download will fetch, from the hub's file list (needs the network)."""
    from fnmatch import fnmatch

    from huggingface_hub import HfApi

    info = HfApi().model_info(repo_id, files_metadata=True)
    pats = allow_patterns()
    sizes = [s.size or 0 for s in info.siblings or [] if any(fnmatch(s.rfilename, p) for p in pats)]
    return sum(sizes) or None


def repo_folder(cache_dir: Path, repo_id: str) -> Path:
    return Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))


def bytes_on_disk(folder: Path) -> int:
    """Bytes of the real files under ``folder`` (the snapshot's symlinks are not counted twice)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                try:
                    total += os.stat(p).st_size
                except OSError:
                    continue  # renamed from .incomplete while we looked
    return total


def offline_message(role: str, repo_id: str, exc: BaseException, config: str | None,
                    local: Path | None = None) -> str:
    where = f" in {config}" if config else ""
    kind = type(exc).__name__
    if kind in ("RepositoryNotFoundError", "GatedRepoError", "RevisionNotFoundError"):
        why = f"the Hugging Face Hub has no model {repo_id!r} you can download ({kind})"
    else:
        why = f"no connection to the Hugging Face Hub ({kind}: {str(exc).splitlines()[0] if str(exc) else ''})"
    either = f"; no local folder {local} either" if local is not None else ""
    return (f"cannot download {repo_id} ({role}.path{where}): {why}{either}. Download it where there is a network "
            f"(`huggingface-cli download {repo_id}`) and copy the folder here, then set {role}.path to that "
            f"local folder (it needs config.json, the *.safetensors files and the tokenizer files).")


def fetch(repo_id: str, role: str, on_tick: Callable[[Tick], None], *, download_fn: DownloadFn | None = None,
          total_fn: TotalFn | None = None, cache_dir: Path | None = None, interval_s: float = 0.5,
          config: str | None = None, local: Path | None = None) -> Path:
    """Download ``repo_id`` into the cache, calling ``on_tick`` about every ``interval_s`` and once at
    the end. Raises FetchError with the offline message (naming ``local``, the folder the path would
have been); KeyboardInterrupt leaves the partial files."""
    cache_dir = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    download_fn = download_fn or hub_download
    folder = repo_folder(cache_dir, repo_id)
    resumed = bytes_on_disk(folder) if folder.exists() else 0
    try:
        total = (total_fn or hub_total)(repo_id)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # offline, unknown repo, gated: the same clear message
        raise FetchError(offline_message(role, repo_id, exc, config, local)) from None
    samples: deque[tuple[float, int]] = deque()
    stop = threading.Event()

    def tick(done: bool = False) -> None:
        now, have = time.monotonic(), bytes_on_disk(folder) if folder.exists() else 0
        samples.append((now, have))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW_S:
            samples.popleft()
        t0, b0 = samples[0]
        rate = (have - b0) / (now - t0) if now > t0 and have > b0 else None
        eta = 0.0 if done else ((total - have) / rate if rate and total and total > have else None)
        on_tick(Tick(bytes_done=have, bytes_total=total, rate_bytes_s=rate, eta_s=eta, resumed_bytes=resumed,
                     done=done))

    def poll() -> None:
        while not stop.wait(interval_s):
            tick()

    tick()
    poller = threading.Thread(target=poll, name="fetch-progress", daemon=True)
    poller.start()
    try:
        path = download_fn(repo_id, cache_dir)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        raise FetchError(offline_message(role, repo_id, exc, config, local)) from None
    finally:
        stop.set()
        poller.join(timeout=2)
    tick(done=True)
    return path


def needed(cfg: Any) -> list[tuple[str, str]]:
    """(role, Hugging Face id) of each model that is neither a local folder nor in the cache. The
    baseline is skipped when an earlier results file is set to be reused."""
    from core.doctor.models import locate

    out = []
    for role in ("candidate", "baseline"):
        spec = getattr(cfg, role)
        if role == "baseline" and spec.results and cfg.resolve(spec.results).is_file():
            continue
        if locate(role, spec, cfg).where == "download":
            out.append((role, spec.path))
    return out

