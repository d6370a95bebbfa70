"""A local stand-in for the Hugging Face download (no network), and a stand-in stage around the
real fetch step for the dashboard's live test.

``StandIn`` writes a model's files in chunks into the cache folder as huggingface_hub does (blobs
with an ``.incomplete`` suffix until complete), continuing a partial blob where it stopped.

As a stage (``python -m core.stages train --module tests.doctor.fetchkit``) it runs
``core.stages.fetch.fetch_models`` for the candidate with that stand-in in place of the download:
the real DownloadProgress events, through the real runner and event file.
``PHASE25_TEST_CHUNK_S`` sets the seconds per chunk (default 0.05).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from core.doctor.fetch import repo_folder
from core.stages.base import StageContext, StageOutcome

REPO = "Qwen/Qwen2.5-Coder-7B-Instruct"
FILES = {"config.json": 2_000, "model-00001-of-00002.safetensors": 600_000, "model-00002-of-00002.safetensors": 400_000}
TOTAL = sum(FILES.values())
CHUNK = 50_000


class StandIn:
    """The download: writes FILES in CHUNK-byte pieces, ``delay_s`` apart; ``stop_after`` bytes
    interrupts it as a Ctrl-C would."""

    def __init__(self, stop_after: int | None = None, delay_s: float = 0.02):
        self.stop_after = stop_after
        self.delay_s = delay_s
        self.written = 0

    def __call__(self, repo_id: str, cache_dir: Path) -> Path:
        folder = repo_folder(cache_dir, repo_id)
        blobs, snap = folder / "blobs", folder / "snapshots" / "abc"
        blobs.mkdir(parents=True, exist_ok=True)
        snap.mkdir(parents=True, exist_ok=True)
        for name, size in FILES.items():
            blob = blobs / name
            if blob.exists():
                continue
            part = blobs / f"{name}.incomplete"
            have = part.stat().st_size if part.exists() else 0
            with open(part, "ab") as fh:
                while have < size:
                    if self.stop_after is not None and self.written >= self.stop_after:
                        raise KeyboardInterrupt
                    n = min(CHUNK, size - have)
                    fh.write(b"\0" * n)
                    fh.flush()
                    have += n
                    self.written += n
                    time.sleep(self.delay_s)
            part.rename(blob)
            (snap / name).symlink_to(blob)
        return snap


def run(ctx: StageContext) -> StageOutcome:
    from core.doctor import fetch as fetch_mod
    from core.stages.fetch import fetch_models

    fetch_mod.hub_download = StandIn(delay_s=float(os.environ.get("PHASE25_TEST_CHUNK_S", "0.05")))
    fetch_mod.hub_total = lambda repo_id: TOTAL
    fetched = fetch_models(ctx, ["candidate"])
    return StageOutcome(summary={"fetched": fetched}, headline=f"fetched {len(fetched)} model(s)")
