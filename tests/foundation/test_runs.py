"""Run directories: layout, manifest, atomic writes and the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.runs import LockedError, RunLock, atomic_write_text, create_run, list_runs, open_run


def test_a_new_run_has_its_layout(tmp_config):
    run = create_run(tmp_config, ["prepare"])
    for name in ("config.toml", "run.json", "events.jsonl", "manifest.json"):
        assert (run.path / name).is_file(), name
    assert run.info().stages == ["prepare"]
    assert "[candidate]" in run.config_path.read_text()
    assert list_runs(tmp_config.runs_dir)[0].id == run.id
    assert open_run(tmp_config.runs_dir, "last").id == run.id
    assert open_run(tmp_config.runs_dir, run.id[:10]).id == run.id
    with pytest.raises(FileNotFoundError, match="no run 'zzz'"):
        open_run(tmp_config.runs_dir, "zzz")


def test_manifest_records_size_and_hash(tmp_config, tmp_path):
    run = create_run(tmp_config, ["fuse"])
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"x" * 100)
    (folder / "b.json").write_text("{}")
    art = run.record_artifact("fused", folder, stage="fuse")
    assert art.bytes == 102 and len(art.sha256) == 64
    again = run.manifest()["fused"]
    assert again.sha256 == art.sha256
    (folder / "a.bin").write_bytes(b"y" * 100)
    assert run.record_artifact("fused", folder).sha256 != art.sha256


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")

    class Boom(str):
        def encode(self, *a, **k):  # noqa: D401 - fails mid-write
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write_text(target, Boom("new"))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_config):
    run = create_run(tmp_config, ["prepare"])
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from core.runs import RunLock; from pathlib import Path;"
         f"RunLock(Path({str(run.path)!r})).acquire(); print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError) as info:
            RunLock(run.path).acquire()
        assert f"pid {holder.pid}" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its stale lock is taken over.
    lock = RunLock(run.path).acquire()
    assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    lock.release()
    assert not lock.path.exists()
