"""Each tool call records whether the tool saw the fixture workspace as it was: files the snippet
rewrote, added or removed before the call (or while it ran), and paths outside the copy, are named;
reading, scratch files no tool reads and caches the tools never read are no change."""

from __future__ import annotations

import os
import py_compile
import shutil
import statistics
import time
from pathlib import Path

import pytest

from core.codemode.executor import execute_code
from core.codemode.pristine import Baseline
from core.codemode.workspaces import workspace_path


def _copy(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(workspace_path("inventory"), work, ignore=shutil.ignore_patterns("__pycache__", ".*_cache"))
    return work


def _seen(base: Baseline, tool: str, args: dict[str, object] | None = None) -> list[str]:
    check = base.check(tool, args or {"path": "."}, base.snapshot())
    return check.changed


def test_an_untouched_copy_and_a_same_bytes_rewrite_are_no_change(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    assert _seen(base, "typecheck") == []
    stock = work / "inventory" / "stock.py"
    stock.write_bytes(stock.read_bytes())
    (work / ".mypy_cache").mkdir()
    (work / ".mypy_cache" / "3.11.json").write_text("{}")
    (work / ".pytest_cache").mkdir()
    (work / ".pytest_cache" / "x.py").write_text("x = 1\n")
    assert _seen(base, "typecheck") == [] and _seen(base, "run_command", {"cmd": "ls"}) == []


def test_rewritten_added_and_removed_files_are_named(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    (work / "inventory" / "stock.py").write_text("# mypy: ignore-errors\n")
    (work / "tests" / "conftest.py").write_text("")
    (work / "README.md").unlink()
    assert _seen(base, "pytest_run") == ["README.md (removed)", "inventory/stock.py", "tests/conftest.py (added)"]


def test_a_scratch_file_counts_only_for_tools_that_may_read_it(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    (work / "notes.txt").write_text("scratch")
    assert _seen(base, "typecheck") == [] and _seen(base, "ruff_check") == []
    assert _seen(base, "run_command", {"cmd": "grep -rn quantity ."}) == ["notes.txt (added)"]


def test_a_planted_pyc_counts(tmp_path: Path) -> None:
    """Python loads __pycache__/stock.cpython-XY.pyc in place of stock.py when its header matches."""
    work = _copy(tmp_path)
    base = Baseline(work)
    fake = tmp_path / "stock.py"
    fake.write_text("x = 1\n")
    target = work / "inventory" / "__pycache__" / "stock.cpython-311.pyc"
    target.parent.mkdir()
    py_compile.compile(str(fake), cfile=str(target))
    assert _seen(base, "pytest_run") == ["inventory/__pycache__/stock.cpython-311.pyc (added)"]


def test_read_file_counts_only_the_file_it_reads(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    (work / "tests" / "test_stock.py").write_text("")
    assert _seen(base, "read_file", {"path": "inventory/stock.py"}) == []
    assert _seen(base, "read_file", {"path": "./tests/test_stock.py"}) == ["tests/test_stock.py"]
    shutil.rmtree(work / "inventory")
    (work / "inventory").symlink_to(tmp_path)
    assert "inventory (added)" in _seen(base, "read_file", {"path": "inventory/stock.py"})


def test_a_change_put_back_before_the_call_ended_is_a_change_during_it(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    stock = work / "inventory" / "stock.py"
    source = stock.read_bytes()
    before = base.snapshot()
    stock.write_text("# mypy: ignore-errors\n")
    stock.write_bytes(source)
    check = base.check("typecheck", {"path": "."}, before)
    assert check.changed == ["inventory/stock.py"] and check.during


def test_a_path_outside_the_copy_and_a_long_list_are_recorded(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    base = Baseline(work)
    for i in range(13):
        (work / f"m{i:02d}.py").write_text("")
    check = base.check("typecheck", {"path": str(tmp_path)}, base.snapshot())
    assert check.outside == str(tmp_path) and len(check.changed) == 10 and check.more == 3
    assert base.check("typecheck", {"path": "../.."}, base.snapshot()).outside == "../.."
    assert base.check("read_file", {"path": str(work / "README.md")}, base.snapshot()).outside is None


def test_the_check_costs_little_per_call(tmp_path: Path) -> None:
    """Around each call: two scans of the copy (file status only; content hashed where it differs)."""
    work = _copy(tmp_path)
    base = Baseline(work)
    (work / "inventory" / "stock.py").write_text("# mypy: ignore-errors\n")
    times = []
    for _ in range(21):
        started = time.perf_counter()
        base.check("typecheck", {"path": "."}, base.snapshot())
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.05, times


def test_the_executor_records_what_each_call_saw() -> None:
    code = ("import os\nprint(read_file('README.md').total_lines)\n"
            "open('notes.txt', 'w').write('scratch')\n"
            "open(os.path.join(os.environ['TMPDIR'], 'out.py'), 'w').write('x = 1')\n"
            "print(ruff_check('.').violation_count)\n"
            "print(run_command('ls').exit_code)\n"
            "open('inventory/stock.py', 'a').write('\\n')\n"
            "print(read_file('README.md').total_lines, ruff_check('.').violation_count)\n")
    result = execute_code(code, workspace_path("inventory"))
    assert result.ok, result.stderr
    seen = [(c.name, c.workspace.changed if c.workspace else None) for c in result.tool_calls]
    assert seen == [("read_file", []), ("ruff_check", []), ("run_command", ["notes.txt (added)"]),
                    ("read_file", []), ("ruff_check", ["inventory/stock.py"])]
    assert not os.path.exists(workspace_path("inventory") / "notes.txt")


def test_a_copy_too_large_to_scan_counts_as_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.codemode.pristine as pristine

    work = _copy(tmp_path)
    base = Baseline(work)
    monkeypatch.setattr(pristine, "MAX_FILES", 8)
    for i in range(10):
        (work / f"n{i}.txt").write_text("")
    assert pristine.TOO_MANY in _seen(base, "typecheck")
