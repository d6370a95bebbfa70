"""The five Code Mode tools: typed Python functions over a workspace.

Each tool runs the real program (mypy, ruff, pytest, a shell) against paths
relative to the current working directory and returns a Pydantic model from
``core.codemode.models``. Inside ``execute_code`` they are pre-bound, and
``from core.codemode.tools import *`` brings in the tools and their result
models.

Inside ``execute_code`` the snippet gets stubs of these functions: each call is
run by the executor in a confined process of its own and recorded there
(``core.codemode.broker``), never by the snippet's process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.codemode._capture import collect, kill_group
from core.codemode.models import (
    CommandResult,
    FileContent,
    PytestResult,
    RuffResult,
    TestFailure,
    TypecheckResult,
    TypeErrorItem,
    Violation,
)

TOOL_TIMEOUT_S = 300.0
"""Upper bound on one mypy/ruff/pytest run (the executor's own timeout is usually lower)."""

MAX_READ_CHARS = 20_000
"""``read_file`` returns at most this many characters."""

MAX_COMMAND_OUTPUT = 20_000
"""``run_command`` keeps at most this many bytes of stdout and of stderr."""

MAX_FAILURE_MESSAGE = 500

class ToolError(RuntimeError):
    """The tool could not do what was asked (a missing path, a line range outside the file, a broken
    config); the message says why."""


# --------------------------------------------------------------------------- helpers


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(argv: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            env=env or _tool_env(),
            timeout=TOOL_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{' '.join(argv[:3])} did not finish in {TOOL_TIMEOUT_S:.0f} s") from exc


def _tail(text: str, n: int = 800) -> str:
    text = text.strip()
    return text if len(text) <= n else "..." + text[-n:]


def _relative(path: str) -> str:
    try:
        return os.path.relpath(path) if os.path.isabs(path) else path
    except ValueError:
        return path


# --------------------------------------------------------------------------- typecheck


def _mypy_json(stdout: str) -> list[TypeErrorItem]:
    items: list[TypeErrorItem] = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        items.append(
            TypeErrorItem(
                file=str(raw.get("file", "")),
                line=int(raw.get("line") or 0),
                column=max(1, int(raw.get("column") or 0) + 1),  # mypy's JSON column is 0-based
                severity=str(raw.get("severity", "error")),
                message=str(raw.get("message", "")),
                code=raw.get("code"),
            )
        )
    return items


def _mypy_text(stdout: str) -> list[TypeErrorItem]:
    # file:line:column: severity: message  [code]
    items: list[TypeErrorItem] = []
    for line in stdout.splitlines():
        parts = line.split(":", 4)
        if len(parts) < 5 or not parts[1].strip().isdigit():
            continue
        file, lineno, col, severity, message = parts
        severity = severity.strip()
        if severity not in ("error", "note", "warning"):
            continue
        message = message.strip()
        code = None
        if message.endswith("]") and "  [" in message:
            message, _, code = message.rpartition("  [")
            code = code[:-1]
        items.append(
            TypeErrorItem(
                file=file,
                line=int(lineno),
                column=int(col) if col.strip().isdigit() else 1,
                severity=severity,
                message=message,
                code=code,
            )
        )
    return items


def typecheck(path: str = ".") -> TypecheckResult:
    """Type-check a file or directory with mypy (the workspace's own mypy config applies)."""
    # -I: the workspace's own files (a planted ``mypy/`` folder) cannot stand in for mypy
    base = [sys.executable, "-I", "-B", "-m", "mypy", "--no-incremental", f"--cache-dir={os.devnull}"]
    flags = ["--show-column-numbers", "--show-error-codes", "--no-color-output", "--no-error-summary"]
    proc = _run([*base, "--output", "json", *flags, path])
    items = _mypy_json(proc.stdout)
    if proc.returncode == 2 and not items and "--output" in proc.stderr:
        # An older mypy without --output json: parse the text format instead.
        proc = _run([*base, *flags, path])
        items = _mypy_text(proc.stdout)
    if proc.returncode not in (0, 1) and not items:
        raise ToolError(f"mypy failed (exit {proc.returncode}): {_tail(proc.stderr or proc.stdout)}")
    error_count = sum(1 for item in items if item.severity == "error")
    return TypecheckResult(
        error_count=error_count,
        errors=items,
        passed=proc.returncode == 0 and error_count == 0,
    )


# --------------------------------------------------------------------------- ruff


def _ruff_argv() -> list[str]:
    beside = Path(sys.executable).parent / "ruff"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    if found:
        return [found]
    return [sys.executable, "-m", "ruff"]


def ruff_check(path: str = ".") -> RuffResult:
    """Lint a file or directory with ruff (the workspace's own ruff config applies)."""
    if not os.path.exists(path):
        # ruff itself reports a missing path as one E902 "violation"; it is a bad path, like in the other tools
        raise ToolError(f"ruff failed: {path}: file or directory not found")
    proc = _run([*_ruff_argv(), "check", "--output-format", "json", "--no-cache", path])
    if proc.returncode not in (0, 1):
        raise ToolError(f"ruff failed (exit {proc.returncode}): {_tail(proc.stderr or proc.stdout)}")
    try:
        raw_items = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ToolError(f"ruff printed something that is not JSON: {_tail(proc.stdout)}") from exc
    violations = []
    for raw in raw_items:
        fix = raw.get("fix") or {}
        location = raw.get("location") or {}
        violations.append(
            Violation(
                code=str(raw.get("code") or raw.get("name") or "syntax-error"),
                message=str(raw.get("message", "")),
                file=_relative(str(raw.get("filename", ""))),
                line=int(location.get("row") or 0),
                column=int(location.get("column") or 0),
                fixable=bool(fix) and fix.get("applicability") == "safe",
            )
        )
    violations.sort(key=lambda v: (v.file, v.line, v.column, v.code))
    return RuffResult(violation_count=len(violations), violations=violations, passed=not violations)


# --------------------------------------------------------------------------- pytest


def _node_id(case: ET.Element) -> str:
    name = case.get("name", "")
    classname = case.get("classname", "")
    file = case.get("file")
    if file and not classname:  # a module that failed to collect
        return file.replace("\\", "/")
    if not file:
        return f"{classname}::{name}" if classname else name
    module = file[:-3].replace("/", ".").replace("\\", ".") if file.endswith(".py") else ""
    parts = [file.replace("\\", "/")]
    if module and classname.startswith(module + "."):
        parts.extend(classname[len(module) + 1 :].split("."))
    parts.append(name)
    return "::".join(parts)


def _short(message: str) -> str:
    message = message.strip()
    return message if len(message) <= MAX_FAILURE_MESSAGE else message[: MAX_FAILURE_MESSAGE - 3] + "..."


_PYTEST_MAIN = "import sys, pytest; sys.path.append(''); sys.exit(pytest.main(sys.argv[1:]))"
"""Like ``python -m pytest``, but pytest is imported before the working directory joins the path
(at its end), so a planted ``pytest`` or ``json.py`` in the workspace cannot stand in for them."""


def pytest_run(path: str = ".", *, k: str | None = None) -> PytestResult:
    """Run the tests under ``path`` with pytest; ``k`` selects tests by keyword like ``pytest -k``.

    Third-party pytest plugins are not auto-loaded; a workspace that needs one
    names it in its own config (``addopts = "-p plugin"``).
    """
    with tempfile.TemporaryDirectory(prefix="pytest-run-") as tmp:
        report = Path(tmp) / "report.xml"
        argv = [
            sys.executable, "-I", "-B", "-c", _PYTEST_MAIN, "-q", "-p", "no:cacheprovider",
            f"--junitxml={report}", "-o", "junit_family=xunit1", path,
        ]  # fmt: skip
        if k is not None:
            argv += ["-k", k]
        env = _tool_env()
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        started = time.perf_counter()
        proc = _run(argv, env=env)
        duration = time.perf_counter() - started
        if proc.returncode in (3, 4) or not report.exists():  # internal error, usage error
            raise ToolError(f"pytest failed (exit {proc.returncode}): {_tail(proc.stdout + proc.stderr)}")
        root = ET.parse(report).getroot()
    passed = failed = skipped = errors = 0
    failures: list[TestFailure] = []
    for case in root.iter("testcase"):
        failure = case.find("failure")
        case_errors = case.findall("error")
        if failure is not None:
            failed += 1
            failures.append(
                TestFailure(
                    test_id=_node_id(case), message=_short(failure.get("message") or failure.text or "")
                )
            )
        for error in case_errors:
            errors += 1
            message = error.get("message") or ""
            if message == "collection failure" and error.text:
                # The useful part is the last "E   ..." line of the traceback.
                lines = [ln[1:].strip() for ln in error.text.splitlines() if ln.startswith("E ")]
                message = f"collection failure: {lines[-1]}" if lines else message
            failures.append(TestFailure(test_id=_node_id(case), message=_short(message or error.text or "")))
        if case.find("skipped") is not None:
            skipped += 1
        elif failure is None and not case_errors:
            passed += 1
    return PytestResult(
        passed=passed,
        failed=failed,
        skipped=skipped,
        errors=errors,
        failures=failures,
        duration_s=round(duration, 3),
        exit_code=proc.returncode,
    )


# --------------------------------------------------------------------------- files and commands


def read_file(path: str, *, start: int | None = None, end: int | None = None) -> FileContent:
    """Read a text file; ``start``/``end`` pick 1-based inclusive line numbers.

    ``end`` past the last line reads to the end. A ``start`` or ``end`` below 1, ``end`` before
    ``start``, or a ``start`` past the last line raises ``ToolError`` (never an empty read).
    """
    if start is not None and start < 1:
        raise ToolError(f"start={start}: line numbers start at 1")
    if end is not None and end < 1:
        raise ToolError(f"end={end}: line numbers start at 1 (there is no counting from the end)")
    if start is not None and end is not None and end < start:
        raise ToolError(f"end={end} is before start={start}")
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if start is not None and start > max(len(lines), 1):
        raise ToolError(f"start={start} is past the end of {path} ({len(lines)} lines)")
    first = (start or 1) - 1
    selected = "".join(lines[first:end])
    truncated = len(selected) > MAX_READ_CHARS
    return FileContent(
        path=path,
        content=selected[:MAX_READ_CHARS],
        total_lines=len(lines),
        truncated=truncated,
    )


def run_command(cmd: str, *, timeout: float = 30) -> CommandResult:
    """Run a shell command in the working directory; it is killed after ``timeout`` seconds."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        shell=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_tool_env(),
        start_new_session=True,
    )
    try:
        cap = collect(proc, max_bytes=MAX_COMMAND_OUTPUT, timeout=timeout)
    finally:
        if proc.poll() is None:
            kill_group(proc)
            proc.wait()
    return CommandResult(
        stdout=cap.stdout.decode("utf-8", errors="replace"),
        stderr=cap.stderr.decode("utf-8", errors="replace"),
        exit_code=proc.returncode,
        duration_s=round(time.perf_counter() - started, 3),
        timed_out=cap.timed_out,
    )


TOOLS: dict[str, Callable[..., Any]] = {
    "typecheck": typecheck,
    "ruff_check": ruff_check,
    "pytest_run": pytest_run,
    "read_file": read_file,
    "run_command": run_command,
}
"""The tools in the order the prompt presents them."""

__all__ = [
    "TOOLS",
    "CommandResult",
    "FileContent",
    "PytestResult",
    "RuffResult",
    "TestFailure",
    "ToolError",
    "TypeErrorItem",
    "TypecheckResult",
    "Violation",
    "pytest_run",
    "read_file",
    "ruff_check",
    "run_command",
    "typecheck",
]
