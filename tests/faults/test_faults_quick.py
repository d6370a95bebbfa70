"""The quick fault run (seconds): kill -9 at seeded random points, a torn write, a long pause and a
full disk, on a three-stage pipeline that writes the way the real stages do (tests/faults/
fake_pipeline.py). The slow run (test_faults_slow.py) does the same on the real stages."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the harness beside this file (no conftest: it would
# shadow tests/stages' conftest, which its tests import by name)

import pytest  # noqa: E402
from fake_setup import fake_experiment  # noqa: E402
from harness import (  # noqa: E402
    Checker,
    Tally,
    can_mount,
    disk_full,
    long_pause,
    mount_tmpfs,
    random_kills,
    stage_durations,
    torn_writes,
    unmount,
    use_fault_env,
)

SEED = 1234


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the fake pipeline: the outputs every faulted run must end with."""
    with pytest.MonkeyPatch.context() as mp:
        use_fault_env(mp)
        ref = fake_experiment(tmp_path_factory.mktemp("reference"))
        first = ref.run()
    assert first.status == "done", first.stderr("build")
    return ref, stage_durations(first)


@pytest.fixture
def checked(tmp_path, fault_env, reference):
    ref, durations = reference
    exp = fake_experiment(tmp_path / "exp")
    assert exp.run().status == "done"
    tally = Tally()
    yield Checker(exp, ref, tally, log=lambda s: None), durations
    print(f"\n[quick fault run] {tally.figures()}")


def test_random_kills_leave_true_records_and_the_next_run_completes_with_the_same_outputs(checked):
    checker, durations = checked
    random_kills(checker, n=6, seed=SEED, durations=durations)
    assert checker.tally.faults.get("kill -9") == 6
    assert checker.tally.failures() == []


def test_a_torn_write_of_the_staged_stage_leaves_the_earlier_output_and_the_records_true(checked, monkeypatch):
    checker, _ = checked

    def env(name: str, value: str | None) -> None:
        monkeypatch.setenv(name, value) if value is not None else monkeypatch.delenv(name, raising=False)

    writes = torn_writes(checker, "build", env, limit=3, seed=SEED)
    assert writes >= 7  # six parts, the config, and the records
    assert checker.tally.faults.get("torn write") == 3
    assert checker.tally.failures() == []


def test_a_pause_longer_than_the_sampling_period_changes_nothing(checked):
    checker, durations = checked
    long_pause(checker, "build", delay=durations["build"] / 3)
    assert checker.tally.failures() == []


@pytest.mark.skipif(not can_mount(), reason="a tmpfs for the full disk needs root")
def test_a_full_disk_is_a_clear_error_and_the_earlier_outputs_stay(tmp_path, fault_env, reference):
    ref, _ = reference
    out = tmp_path / "exp" / "out"
    mount_tmpfs(out, "2m")
    try:
        exp = fake_experiment(tmp_path / "exp")
        assert exp.run().status == "done"
        tally = Tally()
        checker = Checker(exp, ref, tally, log=lambda s: None)
        for stage in ("build", "summary"):
            disk_full(checker, stage, out)
        print(f"\n[quick disk-full run] {tally.figures()}")
        assert tally.faults.get("disk full") == 2
        assert tally.failures() == []
    finally:
        unmount(out)


@pytest.fixture
def fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fault_env(monkeypatch)


def test_a_write_that_failed_for_space_is_named_as_such_and_other_errors_are_not(tmp_path):
    import errno

    from core.stages.__main__ import disk_full

    enospc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.json"))
    msg = disk_full(enospc, [tmp_path])
    assert msg is not None and msg.startswith(f"the disk is full writing {tmp_path / 'x.json'}")
    assert "MB free on" in msg and "Nothing was replaced" in msg
    wrapped = RuntimeError("while saving the model")
    wrapped.__cause__ = RuntimeError("[write] Unable to write 8 bytes to file.")  # what mlx raises
    assert "most likely because the disk is full" in (disk_full(wrapped, [tmp_path]) or "")
    assert disk_full(ValueError("bad shape"), [tmp_path]) is None
    assert disk_full(OSError(errno.EACCES, "Permission denied"), [tmp_path]) is None
