"""execute_code with well-behaved Code Mode snippets: output, tool-call records, the tool response."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.codemode.executor import (
    ExecutionLimits,
    ExecutionResult,
    UnconfinedError,
    execute_code,
    sandbox_info,
)
from core.codemode.workspaces import workspace_path

UNCONFINED = ExecutionLimits(allow_unconfined=True)


def codemode_dirs() -> set[str]:
    """This process's temporary copies (other programs on the machine may be making their own)."""
    return {p.name for p in Path(tempfile.gettempdir()).glob(f"codemode-{os.getpid()}-*")}


def test_typecheck_snippet_prints_what_it_needs_and_records_the_call() -> None:
    code = (
        "r = typecheck()\n"
        "print(r.error_count)\n"
        "for e in r.errors:\n"
        "    print(f'{e.file}:{e.line} {e.code}')\n"
    )
    result = execute_code(code, workspace_path("inventory"))
    assert result.ok, result.stderr
    assert result.stdout.splitlines() == [
        "5",
        "inventory/stock.py:26 union-attr",
        "inventory/stock.py:27 union-attr",
        "inventory/stock.py:30 return-value",
        "inventory/stock.py:33 return-value",
        "inventory/stock.py:41 operator",
    ]
    (call,) = result.tool_calls
    assert (call.name, call.arguments, call.result_type, call.ok) == (
        "typecheck",
        {},
        "TypecheckResult",
        True,
    )
    assert call.duration_s > 0


def test_several_tools_in_one_snippet() -> None:
    code = (
        "lint = ruff_check('textstats')\n"
        "tests = pytest_run(k='word')\n"
        "readme = read_file('README.md', start=1, end=1)\n"
        "out = run_command('ls textstats')\n"
        "print(lint.violation_count, sorted({v.code for v in lint.violations if v.fixable}))\n"
        "print(tests.passed, tests.failed, tests.skipped)\n"
        "print(readme.content.strip(), readme.total_lines)\n"
        "print(out.stdout.split())\n"
    )
    result = execute_code(code, workspace_path("textstats"))
    assert result.ok, result.stderr
    assert result.stdout.splitlines() == [
        "6 ['F401', 'I001']",
        "3 0 1",
        "# textstats 9",
        "['__init__.py', 'counting.py', 'report.py']",
    ]
    assert [(c.name, c.arguments) for c in result.tool_calls] == [
        ("ruff_check", {"path": "textstats"}),
        ("pytest_run", {"k": "word"}),
        ("read_file", {"path": "README.md", "start": 1, "end": 1}),
        ("run_command", {"cmd": "ls textstats"}),
    ]
    assert [c.result_type for c in result.tool_calls] == [
        "RuffResult",
        "PytestResult",
        "FileContent",
        "CommandResult",
    ]


def test_star_import_and_model_annotations_work() -> None:
    code = (
        "from core.codemode.tools import *\n"
        "r: RuffResult = ruff_check()\n"
        "assert isinstance(r, RuffResult)\n"
        "print(r.passed)\n"
    )
    result = execute_code(code, workspace_path("clean_service"))
    assert result.ok, result.stderr
    assert result.stdout == "True\n"
    assert [c.name for c in result.tool_calls] == ["ruff_check"]


def test_tools_are_imported_only_when_the_snippet_uses_them() -> None:
    probe = "import sys\nprint('core.codemode.tools' in sys.modules, 'pydantic' in sys.modules)\n"
    assert execute_code(probe, workspace_path("clean_service")).stdout == "False False\n"
    used = execute_code("r = read_file('README.md')\n" + probe, workspace_path("clean_service"))
    assert used.stdout == "True True\n"


def test_an_exception_is_reported_with_the_snippets_own_traceback() -> None:
    code = "r = ruff_check()\nprint('before')\nr['violations']\n"
    result = execute_code(code, workspace_path("textstats"))
    assert not result.ok
    assert result.exception_type == "TypeError"
    assert "not subscriptable" in (result.exception_message or "")
    assert result.stdout == "before\n"
    assert 'File "<execute_code>", line 3' in result.stderr
    assert "    r['violations']" in result.stderr  # the source line is shown
    assert "_harness" not in result.stderr and "exec(" not in result.stderr
    assert result.exit_code == 1
    assert [c.ok for c in result.tool_calls] == [True]


def test_a_tool_that_raises_is_recorded_as_not_ok() -> None:
    result = execute_code("read_file('missing.txt')", workspace_path("clean_service"))
    assert result.exception_type == "FileNotFoundError"
    (call,) = result.tool_calls
    assert (call.name, call.ok, call.result_type) == ("read_file", False, None)
    assert call.error is not None and call.error.startswith("FileNotFoundError")


def test_system_exit_and_syntax_errors() -> None:
    ws = workspace_path("clean_service")
    assert execute_code("raise SystemExit(0)", ws).ok
    exited = execute_code("raise SystemExit(3)", ws)
    assert (exited.exit_code, exited.exception_type) == (3, "SystemExit")
    broken = execute_code("print('unclosed'", ws)
    assert broken.exception_type == "SyntaxError"
    assert "<execute_code>" in broken.stderr


def test_the_snippet_works_on_a_copy_that_is_removed_afterwards(tree_state: Callable[[Path], Any]) -> None:
    ws = workspace_path("inventory")
    before_files, before_dirs = tree_state(ws), codemode_dirs()
    code = (
        "import os, pathlib\n"
        "pathlib.Path('README.md').write_text('overwritten')\n"
        "pathlib.Path('new.txt').write_text('new')\n"
        "os.remove('inventory/stock.py')\n"
        "print(sorted(os.listdir('.')))\n"
        "print(os.getcwd() != os.environ['HOME'], os.environ['HOME'].startswith(os.path.dirname(os.getcwd())))\n"
    )
    result = execute_code(code, ws)
    assert result.ok, result.stderr
    assert result.stdout.splitlines() == [
        "['README.md', 'inventory', 'new.txt', 'pyproject.toml', 'tests']",
        "True True",
    ]
    assert tree_state(ws) == before_files
    assert codemode_dirs() == before_dirs


def test_the_child_environment_is_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHASE25_TEST_SECRET_TOKEN", "hunter2")
    code = "import os\nprint(sorted(os.environ))\nprint('hunter2' in str(os.environ))\n"
    result = execute_code(code, workspace_path("clean_service"))
    names = json.loads(result.stdout.splitlines()[0].replace("'", '"'))
    assert "PHASE25_TEST_SECRET_TOKEN" not in names
    assert {"PATH", "HOME", "LANG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "TMPDIR"} <= set(names)
    assert result.stdout.splitlines()[1] == "False"


def test_output_is_capped_per_stream() -> None:
    limits = ExecutionLimits(max_output_bytes=1000)
    result = execute_code(
        "import sys\nprint('a' * 5000)\nsys.stderr.write('b' * 3000)", workspace_path("clean_service"), limits
    )
    assert result.stdout == "a" * 1000 and result.stdout_truncated
    assert result.stderr == "b" * 1000 and result.stderr_truncated


def test_the_result_says_which_defences_held() -> None:
    info = sandbox_info()
    result = execute_code("print(1)", workspace_path("clean_service"))
    assert result.network_isolated == info.network_isolation
    assert result.pid_namespace == info.pid_namespace
    assert result.privileges_dropped == info.privilege_drop
    if not result.network_isolated:
        assert "network is NOT isolated" in result.notes


def test_a_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a directory"):
        execute_code("print(1)", tmp_path / "nope")


# --------------------------------------------------------------------------- the tool response


def test_tool_response_is_short_stable_json() -> None:
    ok = ExecutionResult(stdout="5\n", exit_code=0)
    assert ok.to_tool_response() == '{"ok": true, "stdout": "5\\n"}'
    failed = ExecutionResult(
        stdout="",
        stderr="Traceback ...\nTypeError: boom\n",
        exception_type="TypeError",
        exception_message="boom",
        exit_code=1,
    )
    assert json.loads(failed.to_tool_response()) == {
        "ok": False,
        "stdout": "",
        "stderr": "Traceback ...\nTypeError: boom\n",
        "error": "TypeError: boom",
    }
    assert list(json.loads(failed.to_tool_response())) == ["ok", "stdout", "stderr", "error"]
    slow = ExecutionResult(stdout="x" * 10, timed_out=True, exit_code=-9)
    assert json.loads(slow.to_tool_response(max_chars=4)) == {
        "ok": False,
        "stdout": "xxxx\n...[6 chars cut]",
        "timed_out": True,
        "truncated": True,
    }


def test_tool_response_from_a_real_run() -> None:
    result = execute_code("print('héllo')", workspace_path("clean_service"))
    assert result.to_tool_response() == '{"ok": true, "stdout": "héllo\\n"}'


# --------------------------------------------------------------------------- without namespaces


@pytest.fixture
def no_namespaces(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pretend `unshare` is missing: the plain fallback (as on macOS)."""
    from core.codemode import sandbox

    monkeypatch.setattr(sandbox, "unshare_path", lambda: None)
    sandbox.sandbox_info.cache_clear()
    yield sandbox.sandbox_info()
    sandbox.sandbox_info.cache_clear()


def test_without_confinement_model_code_is_refused_naming_the_reason_and_the_override(
    no_namespaces: Any, tmp_path: Path
) -> None:
    assert not no_namespaces.confined and "unshare" in (no_namespaces.unconfined_reason or "")
    marker = tmp_path / "ran"
    with pytest.raises(UnconfinedError) as refused:
        execute_code(f"open({str(marker)!r}, 'w').write('x')", workspace_path("clean_service"))
    message = str(refused.value)
    assert "`unshare` (util-linux) is not available" in message
    assert "[evaluation] allow_unconfined = true" in message
    assert not marker.exists()  # the code never ran


def test_without_namespaces_it_runs_when_allowed_and_says_what_is_missing(no_namespaces: Any) -> None:
    assert not no_namespaces.network_isolation and not no_namespaces.pid_namespace
    result = execute_code("print(read_file('README.md').total_lines)", workspace_path("clean_service"), UNCONFINED)
    assert result.ok and result.stdout == "9\n"
    assert not result.network_isolated and not result.pid_namespace
    assert "network is NOT isolated" in result.notes
    assert any("no confinement" in note for note in result.notes)
    assert result.confinement.startswith("unconfined (`unshare` (util-linux) is not available)")


def test_without_namespaces_the_parent_is_an_intermediate_process(no_namespaces: Any) -> None:
    code = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('still here')\n"
    result = execute_code(code, workspace_path("clean_service"), UNCONFINED.model_copy(update={"timeout_s": 5}))
    assert result.stdout == "still here\n"  # the intermediate shell died, this process did not


def test_without_namespaces_a_timeout_kills_the_whole_group(no_namespaces: Any) -> None:
    code = "import subprocess\nsubprocess.Popen(['sleep', '63.5'])\nwhile True:\n    pass\n"
    result = execute_code(code, workspace_path("clean_service"), UNCONFINED.model_copy(update={"timeout_s": 1}))
    assert result.timed_out
    import psutil  # type: ignore[import-untyped,unused-ignore]

    time.sleep(0.3)
    left = [p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[-1:] == ["63.5"]]
    assert [p for p in left if p.status() != psutil.STATUS_ZOMBIE] == []


def test_a_confinement_that_fails_in_the_child_refuses_the_run(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    if not sandbox_info().confined or sandbox_info().engine == "seatbelt":
        pytest.skip("no Linux confinement here")
    from core.codemode import confine

    real = confine.confine_config

    def broken(*args: Any) -> dict[str, Any]:
        part = real(*args)
        part["mount_plan"]["readonly"].append(str(tmp_path / "does-not-exist"))
        return part

    monkeypatch.setattr(confine, "confine_config", broken)
    marker = tmp_path / "ran"
    with pytest.raises(UnconfinedError, match="confinement failed: .*does-not-exist"):
        execute_code(f"open({str(marker)!r}, 'w').write('x')", workspace_path("clean_service"))
    assert not marker.exists()


def test_the_harness_never_mounts_in_the_callers_namespace() -> None:
    from core.codemode._harness import _in_own_mount_namespace

    try:
        mine = os.readlink("/proc/self/ns/mnt")
    except OSError:
        pytest.skip("no /proc/self/ns on this OS")
    assert not _in_own_mount_namespace(mine)
    assert not _in_own_mount_namespace(None)
    assert _in_own_mount_namespace("mnt:[1]")
