"""The fetch step: bytes, rate and ETA while a model downloads, resume after a cancel, one clear
message offline. The download is a local stand-in writing files in chunks: no network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fetchkit import REPO, TOTAL, StandIn  # noqa: E402

from core import events as ev  # noqa: E402
from core.config import load_config  # noqa: E402
from core.doctor.fetch import FetchError, Tick, fetch, needed, repo_folder  # noqa: E402
from core.doctor.models import locate  # noqa: E402
from core.paths import DATA_DIR  # noqa: E402


def test_a_download_reports_bytes_rate_and_eta_until_done(tmp_path: Path) -> None:
    ticks: list[Tick] = []
    path = fetch(REPO, "candidate", ticks.append, download_fn=StandIn(), total_fn=lambda r: TOTAL,
                 cache_dir=tmp_path, interval_s=0.05)
    assert (path / "model-00002-of-00002.safetensors").is_file()
    done = [t.bytes_done for t in ticks]
    assert done == sorted(done) and done[0] == 0 and done[-1] == TOTAL  # symlinks not counted twice
    assert ticks[-1].done and ticks[-1].eta_s == 0
    middle = [t for t in ticks if 0 < t.bytes_done < TOTAL]
    assert middle, "no progress was reported while the files were written"
    assert all(t.rate_bytes_s and t.rate_bytes_s > 0 for t in middle[1:])
    assert any(t.eta_s and t.eta_s > 0 for t in middle)


def test_a_cancelled_download_keeps_its_bytes_and_the_next_one_resumes(tmp_path: Path) -> None:
    first = StandIn(stop_after=300_000, delay_s=0)
    with pytest.raises(KeyboardInterrupt):
        fetch(REPO, "candidate", lambda t: None, download_fn=first, total_fn=lambda r: TOTAL, cache_dir=tmp_path)
    ticks: list[Tick] = []
    second = StandIn(delay_s=0)
    fetch(REPO, "candidate", ticks.append, download_fn=second, total_fn=lambda r: TOTAL, cache_dir=tmp_path)
    assert ticks[0].resumed_bytes == first.written >= 300_000
    assert second.written == TOTAL - first.written  # nothing fetched twice
    assert ticks[-1].bytes_done == TOTAL


def test_offline_gives_one_message_naming_the_id_and_the_local_folder_way(tmp_path: Path) -> None:
    def offline(repo_id: str) -> int:
        raise ConnectionError("Failed to resolve 'huggingface.co'")

    with pytest.raises(FetchError) as err:
        fetch(REPO, "candidate", lambda t: None, download_fn=StandIn(), total_fn=offline, cache_dir=tmp_path,
              config="phase25.toml")
    msg = str(err.value)
    assert REPO in msg and "candidate.path" in msg and "phase25.toml" in msg
    assert "no connection" in msg and "local folder" in msg
    assert "\n" not in msg and "Traceback" not in msg


def test_a_failing_download_mid_way_is_reported_the_same_way(tmp_path: Path) -> None:
    def broken(repo_id: str, cache_dir: Path) -> Path:
        raise OSError("connection reset by peer")

    with pytest.raises(FetchError, match="cannot download Qwen/Qwen2.5-Coder-7B-Instruct"):
        fetch(REPO, "candidate", lambda t: None, download_fn=broken, total_fn=lambda r: TOTAL, cache_dir=tmp_path)


def test_only_hub_ids_missing_from_the_cache_need_fetching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(hub))
    real = load_config(DATA_DIR.parent / "phase25.toml")
    assert ("candidate", REPO) in needed(real)
    # The same id, complete in the cache: found there, nothing to fetch.
    snap = repo_folder(hub, REPO) / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "config.json").write_text((DATA_DIR / "model_configs" / "Qwen2.5-Coder-7B-Instruct" / "config.json").read_text())
    (snap / "model.safetensors").write_bytes(b"\0")
    (repo_folder(hub, REPO) / "refs").mkdir()
    (repo_folder(hub, REPO) / "refs" / "main").write_text("abc")
    info = locate("candidate", real.candidate, real)
    assert info.where == "cached", info
    assert ("candidate", REPO) not in needed(real)
    demo = load_config(DATA_DIR / "demo" / "phase25.demo.toml")
    assert needed(demo) == []


def test_download_progress_is_a_typed_event_that_round_trips() -> None:
    e = ev.DownloadProgress(role="candidate", repo_id=REPO, bytes_done=10, bytes_total=TOTAL, rate_bytes_s=5.0,
                            eta_s=2.0)
    back = ev.parse_event(json.loads(ev.encode(e)))
    assert isinstance(back, ev.DownloadProgress) and back.bytes_total == TOTAL and back.eta_s == 2.0


def test_the_train_stage_fetch_step_emits_download_progress_and_a_progress_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import huggingface_hub.constants as c

    from core.doctor import fetch as fetch_mod
    from core.runs import create_run
    from core.stages.base import StageContext
    from core.stages.fetch import fetch_models

    hub = tmp_path / "hub"
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(hub))
    monkeypatch.setattr(fetch_mod, "hub_download", StandIn(delay_s=0.01))
    monkeypatch.setattr(fetch_mod, "hub_total", lambda repo_id: TOTAL)
    cfg = load_config(DATA_DIR / "demo" / "phase25.demo.toml",
                      [f"candidate.path={REPO}", f"outputs.runs_dir={tmp_path / 'runs'}"])
    run = create_run(cfg, ["train"])
    ctx = StageContext("train", cfg, run, argparse.Namespace(), force=True)
    try:
        fetched = fetch_models(ctx, ["candidate", "baseline"])
    finally:
        ctx.close()
    assert [f["repo_id"] for f in fetched] == [REPO]  # the baseline is a local folder
    events, bad = ev.read_events(run.events_path)
    downloads = [e for e in events if isinstance(e, ev.DownloadProgress)]
    assert downloads and downloads[-1].done and downloads[-1].bytes_done == TOTAL
    lines = [e.message for e in events if isinstance(e, ev.Progress)]
    assert lines[-1].startswith(f"downloading {REPO}: 1.0 MB/1.0 MB")
