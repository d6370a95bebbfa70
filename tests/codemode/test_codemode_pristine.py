"""Each tool call records whether the tool saw the fixture workspace as it was: files the snippet
rewrote, added or removed before the call (or while it ran), and paths outside the copy, are named;
reading, scratch files no tool reads and caches the tools never read are no change."""

from __future__ import annotations

import json
import mmap
import os
import py_compile
import shutil
import statistics
import tempfile
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
    assert f"inventory -> {tmp_path} (added)" in _seen(base, "read_file", {"path": "inventory/stock.py"})


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


EVIL_CONFTEST = """
import pytest
class Pass:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        out = yield
        if out.get_result().failed:
            out.get_result().outcome = 'passed'
def pytest_collection_modifyitems(config):
    config.pluginmanager.register(Pass())
"""
LINK_A_FOLDER = (f"import os\nevil = os.path.join(os.environ['TMPDIR'], 'evil')\nos.makedirs(evil)\n"
                 f"open(os.path.join(evil, 'conftest.py'), 'w').write({EVIL_CONFTEST!r})\n"
                 "open(os.path.join(evil, 'test_zz.py'), 'w').write('def test_a():\\n    assert True\\n')\n"
                 "os.symlink(evil, 'tests/zz')\n")


def test_a_folder_linked_in_counts_for_every_tool() -> None:
    """A link to a folder of the code's own is one entry that no scan looks inside: pytest collects the
    conftest.py there (which turns the failing test into a pass), so the call saw changed files."""
    code = LINK_A_FOLDER + ("p = pytest_run('.')\nprint(p.passed, p.failed)\nt = typecheck('.')\n"
                            "r = ruff_check('.')\nprint(read_file('README.md').total_lines)\n")
    result = execute_code(code, workspace_path("inventory"))
    assert result.ok, result.stderr
    assert result.stdout.split()[:2] == ["4", "0"]  # the fixture's own tests: 2 passed, 1 failed
    seen = {c.name: c.workspace.changed for c in result.tool_calls if c.workspace}
    for tool in ("pytest_run", "typecheck", "ruff_check"):
        assert len(seen[tool]) == 1 and seen[tool][0].startswith("tests/zz -> /"), seen
        assert seen[tool][0].endswith("/evil (added)"), seen
    assert seen["read_file"] == []


def test_links_added_or_retargeted_and_links_leading_out_count(tmp_path: Path) -> None:
    work = _copy(tmp_path)
    (work / "docs").symlink_to(tmp_path)
    base = Baseline(work)
    assert _seen(base, "typecheck") == [f"docs -> {tmp_path} (leads outside the copy)"]
    (work / "docs").unlink()
    (work / "docs").symlink_to("inventory")
    (work / "tests" / "same.txt").symlink_to("../README.md")
    assert _seen(base, "ruff_check") == ["docs -> inventory", "tests/same.txt -> ../README.md (added)"]
    fifo = work / "pipe"
    os.mkfifo(fifo)
    assert "pipe (added)" in _seen(base, "typecheck")


def test_content_is_compared_even_where_the_file_status_is_unchanged(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A write through a shared mmap on tmpfs can leave size, mtime and ctime as they were (on some
    kernels): the status the scan reads is kept as the baseline's here, and the content still tells."""
    import core.codemode.pristine as pristine

    work = _copy(tmp_path)
    base = Baseline(work)
    stock = work / "inventory" / "stock.py"
    source = stock.read_bytes()
    stock.write_bytes(b"# mypy: ignore-errors\n" + source[len(b"# mypy: ignore-errors\n"):])
    monkeypatch.setattr(pristine, "scan", lambda _root: dict(base.keys))
    assert _seen(base, "typecheck") == ["inventory/stock.py"]


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no /dev/shm (tmpfs)")
def test_a_write_through_mmap_on_tmpfs_is_seen() -> None:
    shm = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        work = _copy(shm)
        base = Baseline(work)
        with open(work / "inventory" / "stock.py", "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[:22] = b"# mypy: ignore-errors\n"
        assert _seen(base, "pytest_run") == ["inventory/stock.py"]
    finally:
        shutil.rmtree(shm)


def test_a_workspace_file_too_large_to_hash_counts_as_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.codemode.pristine as pristine

    work = _copy(tmp_path)
    monkeypatch.setattr(pristine, "MAX_FILE_BYTES", 1000)
    base = Baseline(work)
    big = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file() and p.stat().st_size > 1000)
    assert big and _seen(base, "typecheck") == big
    monkeypatch.setattr(pristine, "MAX_FILE_BYTES", 1 << 20)
    monkeypatch.setattr(pristine, "MAX_HASHED_BYTES", 1)
    assert len(_seen(Baseline(work), "typecheck")) == len(pristine.scan(str(work)))


def test_a_file_name_that_is_not_utf8_is_recorded_escaped_and_the_results_save() -> None:
    code = ("open(b'\\xff.py', 'w').write('import os\\n')\nprint(run_command('ls').exit_code)\n"
            "print(read_file('\\udcff.py').total_lines)\n"
            "try:\n    read_file('\\ud800.py')\nexcept Exception as e:\n    print(type(e).__name__)\n"
            "print(ruff_check('.').violation_count)\n")
    result = execute_code(code, workspace_path("inventory"))
    assert result.ok, result.stderr
    saved = json.loads(result.model_dump_json())
    calls = [(c["name"], c["arguments"], c["workspace"]["changed"]) for c in saved["tool_calls"]]
    assert calls == [("run_command", {"cmd": "ls"}, ["\\xff.py (added)"]),
                     ("read_file", {"path": "\\xff.py"}, ["\\xff.py (added)"]),
                     ("read_file", {"path": "\\ud800.py"}, []),
                     ("ruff_check", {"path": "."}, ["\\xff.py (added)"])]
    assert saved["tool_calls"][1]["result"]["path"] == "\\xff.py"
    assert saved["tool_calls"][2]["workspace"]["outside"] == "\\ud800.py"
