"""The workspace copy: links never reach the user's files, leftovers of dead processes are swept,
limits from the config reach the child, and what the OS won't enforce is said."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from core.codemode import executor, workcopy
from core.codemode.executor import ExecutionLimits, execute_code
from core.codemode.workspaces import workspace_path
from core.config import load_config
from core.paths import REAL_CONFIG


@pytest.fixture
def unconfined(monkeypatch: pytest.MonkeyPatch) -> Any:
    """No confinement engine (as on a machine without one), runs allowed anyway: the copy's own
    link handling is all that stands between a snippet and the user's files."""
    from core.codemode import sandbox

    monkeypatch.setattr(sandbox, "unshare_path", lambda: None)
    sandbox.sandbox_info.cache_clear()
    yield ExecutionLimits(allow_unconfined=True)
    sandbox.sandbox_info.cache_clear()


@pytest.fixture
def linked_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace whose links point outside it (absolute), inside it (relative and absolute),
    at a folder outside and at nothing; and the user's real file the first link points at."""
    user = tmp_path / "userfiles"
    user.mkdir()
    important = user / "important.txt"
    important.write_text("keep me")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "main.py").write_text("x = 1\n")
    (ws / "notes.txt").symlink_to(important)  # absolute, outside
    (ws / "inner.txt").symlink_to("main.py")  # relative, inside
    (ws / "abs_inner.py").symlink_to(ws / "main.py")  # absolute, inside
    (ws / "outdir").symlink_to(user)  # a folder outside
    (ws / "dangling").symlink_to("/nonexistent/codemode-target")
    return ws, important


LINK_SNIPPET = (
    "import os\n"
    "print(open('notes.txt').read() if os.path.exists('notes.txt') else 'absent')\n"
    "open('notes.txt', 'w').write('clobbered by snippet')\n"
    "open('abs_inner.py', 'a').write('y = 2\\n')\n"
    "print(os.path.islink('inner.txt'), os.readlink('inner.txt'))\n"
    "print(os.path.islink('abs_inner.py'), os.path.realpath('abs_inner.py') == os.path.realpath('main.py'))\n"
    "print(os.path.lexists('outdir'), os.path.lexists('dangling'))\n"
)


def test_a_link_to_a_file_outside_is_copied_so_writes_stay_in_the_copy(
    linked_workspace: tuple[Path, Path], unconfined: ExecutionLimits
) -> None:
    ws, important = linked_workspace
    result = execute_code(LINK_SNIPPET, ws, unconfined)
    assert result.ok, result.stderr
    assert result.stdout.splitlines() == ["keep me", "True main.py", "True True", "False False"]
    assert important.read_text() == "keep me"  # the user's real file
    assert (ws / "main.py").read_text() == "x = 1\n"
    assert os.readlink(ws / "notes.txt") == str(important)  # the workspace itself is as it was
    notes = " ".join(result.notes)
    assert "copied as files (writes stay in the copy): notes.txt" in notes
    assert "left out of the copy" in notes and "dangling, outdir" in notes


def test_with_the_default_limits_the_users_file_is_untouched_too(linked_workspace: tuple[Path, Path]) -> None:
    ws, important = linked_workspace
    result = execute_code(LINK_SNIPPET, ws)
    assert result.ok, result.stderr
    # tmp_path sits in a folder only its owner may enter: an unprivileged snippet may not read the
    # file, so it is left out of the copy; otherwise the snippet runs as the owner and gets a copy
    first = "absent" if result.privileges_dropped else "keep me"
    assert result.stdout.splitlines()[0] == first
    assert important.read_text() == "keep me"
    assert ("notes.txt" in " ".join(n for n in result.notes if "left out" in n)) == result.privileges_dropped


def test_a_relative_link_out_of_the_workspace_is_contained(tmp_path: Path, unconfined: ExecutionLimits) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    # enough ".." to reach / from wherever the copy lands, then down to the user's file
    (ws / "pkg" / "up.txt").symlink_to("../" * 40 + str(tmp_path / "secret.txt").lstrip("/"))
    result = execute_code("open('pkg/up.txt', 'w').write('changed')\nprint('ok')\n", ws, unconfined)
    assert result.ok and result.stdout == "ok\n", result.stderr
    assert (tmp_path / "secret.txt").read_text() == "outside"


# --------------------------------------------------------------------------- leftovers


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_copies_left_by_a_dead_process_are_swept_on_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = Path(tempfile.gettempdir())
    tag = uuid.uuid4().hex[:8]
    dead, alive = _dead_pid(), os.getpid()
    stale = tmp / f"codemode-{dead}-{tag}old"
    recent = tmp / f"codemode-{dead}-{tag}new"
    mine = tmp / f"codemode-{alive}-{tag}old"
    unnamed = tmp / f"codemode-{tag}old"  # no pid in the name: not ours to judge
    made = [stale, recent, mine, unnamed]
    try:
        for d in made:
            (d / "work").mkdir(parents=True)
            (d / "work" / "file.txt").write_text("x")
        long_ago = time.time() - workcopy.STALE_AFTER_S - 60
        for d in (stale, mine, unnamed):
            os.utime(d, (long_ago, long_ago))
        monkeypatch.setattr(workcopy, "_last_sweep", [float("-inf")])
        result = execute_code("print(1)\n", workspace_path("clean_service"))
        assert result.ok
        assert not stale.exists()
        assert recent.exists() and mine.exists() and unnamed.exists()
        # a run's own copy is named after the process that made it, and is gone afterwards
        assert set(tmp.glob(f"codemode-{alive}-*")) == {mine}
    finally:
        for d in made:
            if d.exists():
                workcopy.remove_tree(d)


def test_the_sweep_runs_at_most_every_few_minutes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[None] = []
    monkeypatch.setattr(workcopy, "remove_stale", lambda *a, **k: calls.append(None) or [])
    monkeypatch.setattr(workcopy, "_last_sweep", [float("-inf")])
    workcopy.sweep_now_and_then()
    workcopy.sweep_now_and_then()
    assert len(calls) == 1



@pytest.fixture
def shared_tmp(tmp_path: Path) -> Path:
    """A stand-in for the system temp folder: world-writable with the sticky bit."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    os.chmod(folder, 0o1777)
    return folder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_removing_a_copy_that_is_already_gone_leaves_the_temp_folder_alone(shared_tmp: Path) -> None:
    workcopy.remove_tree(shared_tmp / "codemode-4242-gone")  # another sweeper removed it first
    assert _mode(shared_tmp) == 0o1777


def test_a_copy_with_read_only_folders_is_removed_and_the_temp_folder_keeps_its_mode(shared_tmp: Path) -> None:
    copy = shared_tmp / "codemode-4242-abc"
    (copy / "locked" / "deeper").mkdir(parents=True)
    (copy / "locked" / "deeper" / "file.txt").write_text("x")
    os.chmod(copy / "locked" / "deeper", 0o500)
    os.chmod(copy / "locked", 0o500)
    workcopy.remove_tree(copy)
    assert not copy.exists()
    assert _mode(shared_tmp) == 0o1777


def test_two_sweepers_racing_for_the_same_stale_copy_leave_the_temp_folder_alone(
    shared_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = shared_tmp / f"codemode-{_dead_pid()}-race"
    (stale / "work").mkdir(parents=True)
    long_ago = time.time() - workcopy.STALE_AFTER_S - 60
    os.utime(stale, (long_ago, long_ago))

    def other_sweeper_wins(pid: int) -> bool:  # the copy vanishes between the listing and the removal
        shutil.rmtree(stale)
        return False

    monkeypatch.setattr(workcopy.psutil, "pid_exists", other_sweeper_wins)
    assert workcopy.remove_stale(shared_tmp) == []
    assert not stale.exists()
    assert _mode(shared_tmp) == 0o1777

# --------------------------------------------------------------------------- limits and platform notes


def test_the_configured_timeout_raises_the_cpu_cap_in_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.evaluation import suite_run

    timeout = load_config(REAL_CONFIG).evaluation.exec_timeout_s
    assert timeout > ExecutionLimits().cpu_seconds  # 60 s against the default 20 s cap
    seen: list[ExecutionLimits] = []
    real = suite_run.execute_code

    def spy(code: str, workspace: Path, limits: ExecutionLimits) -> executor.ExecutionResult:
        seen.append(limits)
        return real(code, workspace, limits)

    monkeypatch.setattr(suite_run, "execute_code", spy)
    code = "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
    execution, _ = suite_run.run_code(code, workspace_path("clean_service"), timeout)
    assert (seen[0].timeout_s, seen[0].cpu_seconds) == (timeout, int(timeout))
    assert execution.ok and execution.result["stdout"] == f"{int(timeout)}\n"
    assert ExecutionLimits.for_timeout(5).cpu_seconds == ExecutionLimits().cpu_seconds  # never lowered
    assert ExecutionLimits.for_timeout(30.5).cpu_seconds == 31


def test_macos_says_the_memory_cap_is_not_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    here = execute_code("print(1)\n", workspace_path("clean_service"))
    assert not any("memory_bytes not enforced" in n for n in here.notes) or executor.sys.platform == "darwin"
    monkeypatch.setattr(executor, "_PLATFORM", "darwin")
    result = execute_code("print(1)\n", workspace_path("clean_service"))
    assert result.ok
    # the hostile memory test skips on exactly this note
    assert "memory_bytes not enforced: macOS accepts RLIMIT_AS but does not apply it" in result.notes
