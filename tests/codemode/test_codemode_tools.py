"""The five tools, run for real against the fixture workspaces; the counts are what the programs report."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.codemode import tools
from core.codemode.models import FileContent, PytestResult, RuffResult, TypecheckResult
from core.codemode.tools import (
    ToolError,
    pytest_run,
    read_file,
    ruff_check,
    run_command,
    typecheck,
)
from core.codemode.workspaces import list_workspaces, workspace_path, workspace_root

Run = Callable[..., Any]


def test_the_fixture_workspaces_are_there() -> None:
    assert workspace_root().name == "workspaces"
    assert {"inventory", "textstats", "clean_service"} <= set(list_workspaces())
    for name in list_workspaces():
        assert (workspace_path(name) / "README.md").is_file()
    with pytest.raises(FileNotFoundError, match="inventory"):
        workspace_path("nope")


# --------------------------------------------------------------------------- typecheck


def test_typecheck_inventory_finds_its_five_type_errors(tool_run: Run) -> None:
    result = tool_run(typecheck, "inventory")
    assert isinstance(result, TypecheckResult)
    assert result.error_count == 5
    assert not result.passed
    assert [(e.file, e.line, e.code) for e in result.errors] == [
        ("inventory/stock.py", 26, "union-attr"),
        ("inventory/stock.py", 27, "union-attr"),
        ("inventory/stock.py", 30, "return-value"),
        ("inventory/stock.py", 33, "return-value"),
        ("inventory/stock.py", 41, "operator"),
    ]
    first = result.errors[0]
    assert first.column == 9  # 1-based: `item` starts in column 9
    assert first.severity == "error"
    assert 'has no attribute "quantity"' in first.message


def test_typecheck_textstats_finds_the_undefined_name(tool_run: Run) -> None:
    result = tool_run(typecheck, "textstats")
    assert result.error_count == 1
    (error,) = result.errors
    assert (error.file, error.line, error.column, error.code) == (
        "textstats/report.py",
        13,
        36,
        "name-defined",
    )


def test_typecheck_clean_service_passes_strict_mypy(tool_run: Run) -> None:
    result = tool_run(typecheck, "clean_service")
    assert result.passed and result.error_count == 0 and result.errors == []


def test_typecheck_one_file(tool_run: Run) -> None:
    assert tool_run(typecheck, "inventory", "inventory/stock.py").error_count == 5
    assert tool_run(typecheck, "clean_service", "clean_service/limiter.py").passed


# --------------------------------------------------------------------------- ruff


def test_ruff_textstats_reports_six_violations(tool_run: Run) -> None:
    result = tool_run(ruff_check, "textstats")
    assert isinstance(result, RuffResult)
    assert result.violation_count == 6 and not result.passed
    assert [(v.code, v.file, v.line, v.column, v.fixable) for v in result.violations] == [
        ("I001", "textstats/counting.py", 3, 1, True),
        ("F401", "textstats/counting.py", 4, 8, True),
        ("E711", "textstats/counting.py", 25, 21, False),
        ("B006", "textstats/report.py", 6, 42, False),
        ("F841", "textstats/report.py", 7, 5, False),
        ("F821", "textstats/report.py", 13, 36, False),
    ]
    assert "`os` imported but unused" in result.violations[1].message


@pytest.mark.parametrize("workspace", ["inventory", "clean_service"])
def test_ruff_clean_workspaces(tool_run: Run, workspace: str) -> None:
    result = tool_run(ruff_check, workspace)
    assert result.passed and result.violation_count == 0


def test_ruff_bad_path_raises_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ToolError, match="nope.py: file or directory not found"):
        ruff_check("nope.py")


def test_ruff_one_file(tool_run: Run) -> None:
    result = tool_run(ruff_check, "textstats", "textstats/report.py")
    assert [v.code for v in result.violations] == ["B006", "F841", "F821"]


# --------------------------------------------------------------------------- pytest


def test_pytest_inventory_has_one_failing_test(tool_run: Run) -> None:
    result = tool_run(pytest_run, "inventory")
    assert isinstance(result, PytestResult)
    assert (result.passed, result.failed, result.skipped, result.errors) == (2, 1, 0, 0)
    assert result.exit_code == 1
    (failure,) = result.failures
    assert failure.test_id == "tests/test_stock.py::test_total_value_counts_every_item"
    assert failure.message.startswith("AssertionError: assert 500 ==")
    assert result.duration_s > 0


def test_pytest_textstats_passes_with_one_skip(tool_run: Run) -> None:
    result = tool_run(pytest_run, "textstats")
    assert (result.passed, result.failed, result.skipped, result.errors, result.exit_code) == (4, 0, 1, 0, 0)
    assert result.failures == []


def test_pytest_clean_service_all_pass(tool_run: Run) -> None:
    result = tool_run(pytest_run, "clean_service")
    assert (result.passed, result.failed, result.skipped, result.errors, result.exit_code) == (4, 0, 0, 0, 0)


def test_pytest_keyword_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_path("inventory"))
    result = pytest_run(k="remove")
    assert (result.passed, result.failed) == (1, 0)


def test_pytest_class_ids_xfail_and_setup_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "test_cls.py").write_text(
        "import pytest\n\n"
        "class TestThing:\n"
        "    def test_bad(self):\n        assert 1 == 2\n\n"
        "    @pytest.mark.xfail\n    def test_known(self):\n        assert 0\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('fixture broke')\n\n"
        "def test_setup_error(broken):\n    pass\n\n"
        "def test_ok():\n    pass\n"
    )
    monkeypatch.chdir(tmp_path)
    result = pytest_run()
    assert (result.passed, result.failed, result.skipped, result.errors) == (1, 1, 1, 1)
    assert [f.test_id for f in result.failures] == [
        "test_cls.py::TestThing::test_bad",
        "test_cls.py::test_setup_error",
    ]
    assert result.failures[1].message == 'failed on setup with "RuntimeError: fixture broke"'


def test_pytest_collection_error_counts_as_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "test_broken.py").write_text("import does_not_exist\n")
    monkeypatch.chdir(tmp_path)
    result = pytest_run()
    assert (result.passed, result.failed, result.errors, result.exit_code) == (0, 0, 1, 2)
    assert result.failures[0].test_id == "test_broken.py"
    assert (
        result.failures[0].message
        == "collection failure: ModuleNotFoundError: No module named 'does_not_exist'"
    )


def test_pytest_bad_path_raises_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ToolError, match="not found"):
        pytest_run("no_such_dir")


# --------------------------------------------------------------------------- read_file and run_command


def test_read_file_whole_and_line_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_path("inventory"))
    whole = read_file("inventory/stock.py")
    part = read_file("inventory/stock.py", start=26, end=27)
    assert isinstance(whole, FileContent)
    assert whole.total_lines == 41 and not whole.truncated
    assert whole.content.startswith('"""Items and the stock that holds them."""')
    assert part.total_lines == 41
    assert part.content == "        item.quantity -= quantity\n        return item.quantity\n"


def test_read_file_caps_big_files_and_rejects_bad_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big.txt").write_text("x" * 100 + "\n" * 1000 + "y" * tools.MAX_READ_CHARS)
    monkeypatch.chdir(tmp_path)
    big = read_file("big.txt")
    with pytest.raises(FileNotFoundError):
        read_file("missing.txt")
    assert big.truncated and len(big.content) == tools.MAX_READ_CHARS


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, None, "start=0: line numbers start at 1"),
        (None, 0, "end=0: line numbers start at 1"),
        (None, -2, "end=-2: line numbers start at 1 (there is no counting from the end)"),
        (30, 29, "end=29 is before start=30"),
        (42, None, "start=42 is past the end of inventory/stock.py (41 lines)"),
        (50, 60, "start=50 is past the end"),
    ],
)
def test_read_file_refuses_ranges_outside_the_file(
    start: int | None, end: int | None, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace_path("inventory"))
    with pytest.raises(ToolError) as exc:
        read_file("inventory/stock.py", start=start, end=end)
    assert message in str(exc.value)


def test_read_file_edges_that_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace_path("inventory"))
    last = read_file("inventory/stock.py", start=41, end=500)  # end past the last line reads to the end
    assert last.content.count("\n") == 1 and last.total_lines == 41
    (tmp_path / "empty.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    empty = read_file("empty.txt", start=1)
    assert (empty.content, empty.total_lines) == ("", 0)


def test_run_command_output_exit_code_and_timeout() -> None:
    done = run_command("echo out; echo err >&2; exit 3")
    assert (done.stdout, done.stderr, done.exit_code, done.timed_out) == ("out\n", "err\n", 3, False)
    started = time.monotonic()
    slow = run_command("sleep 20", timeout=0.5)
    assert slow.timed_out and slow.exit_code < 0
    assert time.monotonic() - started < 5


def test_run_command_caps_output() -> None:
    loud = run_command("head -c 5000000 /dev/zero")
    assert len(loud.stdout) == tools.MAX_COMMAND_OUTPUT


# --------------------------------------------------------------------------- side effects


def test_tools_write_nothing_into_the_workspace(
    tree_state: Callable[[Path], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace_path("inventory")
    before = tree_state(root)
    monkeypatch.chdir(root)
    ruff_check()
    pytest_run()
    assert tree_state(root) == before


def test_mypy_text_output_is_parsed_for_older_mypy() -> None:
    text = (
        'pkg/a.py:3:5: error: Incompatible return value type (got "str", expected "int")  [return-value]\n'
        "pkg/a.py:3:5: note: See https://mypy.rtfd.io\n"
        "Success: no issues found\n"
    )
    items = tools._mypy_text(text)
    assert [(i.file, i.line, i.column, i.severity, i.code) for i in items] == [
        ("pkg/a.py", 3, 5, "error", "return-value"),
        ("pkg/a.py", 3, 5, "note", None),
    ]
    assert items[0].message == 'Incompatible return value type (got "str", expected "int")'
