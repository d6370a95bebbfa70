"""Run directories: layout, manifest, atomic writes and the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_a_lock_is_never_seen_empty_and_a_dead_holders_lock_is_taken_over(tmp_config, monkeypatch):
    """The lock's content is written before the lock appears: a reader racing the writer sees
    either no lock or the whole holder."""
    run = create_run(tmp_config, ["prepare"])
    lock = RunLock(run.path)
    seen: list[str] = []
    real_link = os.link

    def link(src, dst, *a, **k):
        seen.append(Path(src).read_text())  # what the lock file will hold the moment it appears
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", link)
    lock.acquire()
    assert json.loads(seen[0])["pid"] == os.getpid()
    assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert oct(lock.path.stat().st_mode & 0o777) == oct(0o644)
    lock.release()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    import socket

    lock.path.write_text(json.dumps({"pid": int(dead), "host": socket.gethostname(), "since": 0}))
    assert RunLock(run.path).acquire().held
    assert [p.name for p in run.path.iterdir() if p.name.startswith(".")] == []


def test_a_second_pipeline_on_the_same_outputs_is_refused_with_exit_3(tmp_config):
    """`phase25 run` refuses while another process runs a pipeline on the same experiment, names
    the holder's pid and run, exits 3 and leaves no run folder behind."""
    from core.runs import ExperimentLock, experiment_lock_path

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from core.config import load_config; from core.runs import ExperimentLock;"
         f"ExperimentLock(load_config({str(tmp_config.source)!r}), '20990101-000000-beef').acquire();"
         "print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = sorted(tmp_config.runs_dir.iterdir()) if tmp_config.runs_dir.is_dir() else []
        out = subprocess.run([sys.executable, "-m", "core.cli", "run", "--config", str(tmp_config.source),
                              "--stages", "prepare", "--plain"], capture_output=True, text=True,
                             env=dict(os.environ, COLUMNS="300"))
        assert out.returncode == 3, out.stdout + out.stderr
        assert f"pid {holder.pid}" in out.stdout and "run 20990101-000000-beef" in out.stdout
        assert str(experiment_lock_path(tmp_config)) in out.stdout
        assert "Traceback" not in out.stdout + out.stderr
        after = sorted(tmp_config.runs_dir.iterdir()) if tmp_config.runs_dir.is_dir() else []
        assert after == before
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: the next pipeline takes its stale lock over and runs.
    lock = ExperimentLock(tmp_config, "next").acquire()
    assert json.loads(lock.path.read_text())["run"] == "next"
    lock.release()


def test_atomically_written_files_get_an_ordinary_mode_or_keep_the_one_they_had(tmp_path):
    from core.runs import atomic_write_json

    old = os.umask(0o022)
    try:
        new = tmp_path / "results.json"
        atomic_write_json(new, {"a": 1})
        assert oct(new.stat().st_mode & 0o777) == oct(0o644)  # readable by others, like any output
        shared = tmp_path / "shared.txt"
        shared.write_text("x")
        shared.chmod(0o664)
        atomic_write_text(shared, "y")
        assert oct(shared.stat().st_mode & 0o777) == oct(0o664) and shared.read_text() == "y"
        os.umask(0o077)
        private = tmp_path / "private.txt"
        atomic_write_text(private, "z")
        assert oct(private.stat().st_mode & 0o777) == oct(0o600)  # the user's umask says so
    finally:
        os.umask(old)


# -- the stage cache and what its records claim ---------------------------------------------------
def _stored(tmp_path: Path):
    from core.stagecache import StageCache, describe

    cache = StageCache(tmp_path / "cache")
    model = tmp_path / "out" / "model"
    model.mkdir(parents=True)
    (model / "weights.bin").write_bytes(b"w" * 1000)
    (model / "config.json").write_text("{}")
    cache.store("fuse", "key-1", {"ok": True}, "done", outputs=[model], artifacts={"model": describe(model)})
    return cache, model


def test_a_cache_record_holds_while_its_artifacts_hold_the_recorded_bytes(tmp_path):
    cache, model = _stored(tmp_path)
    assert cache.why_invalid("fuse", "key-1") is None
    assert cache.why_invalid("fuse", "key-2") == "the inputs changed"
    os.utime(model / "weights.bin", ns=(1, 1))  # touched, same bytes: the sha256 decides, the record stays
    assert cache.why_invalid("fuse", "key-1") is None
    data = bytearray((model / "weights.bin").read_bytes())
    data[500] ^= 1  # same size; a restored mtime cannot hide it either
    st = (model / "weights.bin").stat()
    (model / "weights.bin").write_bytes(bytes(data))
    os.utime(model / "weights.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    why = cache.why_invalid("fuse", "key-1")
    assert why is not None and "changed since it was recorded" in why and str(model) in why


def test_a_missing_artifact_voids_the_record_and_a_pending_record_claims_nothing(tmp_path):
    cache, model = _stored(tmp_path)
    cache.mark_pending("fuse", "run-2")
    assert "run run-2 started writing" in (cache.why_invalid("fuse", "key-1") or "")
    assert cache.read("fuse")["superseded"] == [str(model.resolve())]
    cache2, model2 = _stored(tmp_path / "again")
    (model2 / "config.json").unlink()
    assert "changed" in (cache2.why_invalid("fuse", "key-1") or "")


def test_integrity_finds_a_record_naming_other_bytes_and_accepts_a_newer_claim(tmp_config, tmp_path):
    from core.integrity import problems
    from core.runs import Artifact
    from core.stagecache import StageCache, describe

    out = tmp_path / "out.txt"
    out.write_text("first")
    old = create_run(tmp_config, ["compare"])
    old.record_artifact("comparison", out, stage="compare")
    assert problems(tmp_config) == []
    out.write_text("second")  # rewritten with no newer record: the old manifest now lies
    assert any("holds sha256" in p and old.id in p for p in problems(tmp_config))
    cache = StageCache(tmp_config.runs_dir.parent / "cache")
    cache.begin_writing("compare", "run-2", [str(out.resolve())])  # a run that says it rewrites it
    assert problems(tmp_config) == []
    cache.end_writing("compare")
    new = create_run(tmp_config, ["compare"])
    new.add_artifact(Artifact(name="comparison", path=str(out.resolve()), bytes=6, sha256=describe(out)["sha256"]))
    assert problems(tmp_config) == []
    cache.store("compare", "k", {}, "", outputs=[out], artifacts={})
    out.write_text("third")
    assert any(p.startswith("cache record compare:") for p in problems(tmp_config))


def test_a_staged_folder_replaces_its_target_only_when_swapped_in(tmp_path):
    from core.staging import fresh_staging, swap_in

    target = tmp_path / "fused"
    target.mkdir()
    (target / "config.json").write_text("old")
    staged = fresh_staging(target)
    staged.mkdir()
    (staged / "config.json").write_text("new")
    assert (target / "config.json").read_text() == "old"  # the last good output, until the swap
    swap_in(staged, target)
    assert (target / "config.json").read_text() == "new" and not staged.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fused"]
