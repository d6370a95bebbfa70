"""How much execute_code costs over a plain interpreter start, measured side by side.

Run with ``pytest -s tests/bench/test_bench_executor.py``. Prints the numbers;
asserts only that both ran correctly (timings on shared machines are noisy).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest

from core.codemode.executor import execute_code, sandbox_info
from core.codemode.workspaces import workspace_path

pytestmark = pytest.mark.bench

REPEATS = 7


def _plain() -> float:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    assert out.stdout == "1\n"
    return elapsed


def _sandboxed(workspace: object, code: str = "print(1)", out: str = "1\n") -> float:
    started = time.perf_counter()
    result = execute_code(code, workspace)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert result.ok and result.stdout == out, result
    return elapsed


def test_executor_overhead_against_plain_python() -> None:
    workspace = workspace_path("clean_service")
    info = sandbox_info()  # probe once, outside the timings
    _plain(), _sandboxed(workspace)  # warm caches
    plain: list[float] = []
    sandboxed: list[float] = []
    for _ in range(REPEATS):  # interleaved, so both see the same machine load
        plain.append(_plain())
        sandboxed.append(_sandboxed(workspace))
    p, s = statistics.median(plain), statistics.median(sandboxed)
    defences = [
        name
        for name, on in (
            ("network namespace", info.network_isolation),
            ("pid namespace", info.pid_namespace),
            ("runs as nobody", info.privilege_drop),
        )
        if on
    ] or ["rlimits and timeout only"]
    print()
    print(f"execute_code('print(1)') vs python -c 'print(1)', median of {REPEATS} interleaved runs")
    print(f"  plain python : {p * 1000:7.1f} ms  (min {min(plain) * 1000:.1f})")
    print(f"  execute_code : {s * 1000:7.1f} ms  (min {min(sandboxed) * 1000:.1f})")
    print(f"  overhead     : {(s - p) * 1000:7.1f} ms   ratio {s / p:.2f}x")
    print(f"  defences     : {', '.join(defences)}")


def test_one_tool_call_against_a_snippet_without_one() -> None:
    """What one tool call adds (here ``read_file``, the cheapest tool, so the call's own cost is small)."""
    workspace = workspace_path("clean_service")
    with_call = "print(read_file('README.md').total_lines > 0)"
    _sandboxed(workspace), _sandboxed(workspace, with_call, "True\n")  # warm caches
    bare: list[float] = []
    called: list[float] = []
    for _ in range(REPEATS):
        bare.append(_sandboxed(workspace))
        called.append(_sandboxed(workspace, with_call, "True\n"))
    b, c = statistics.median(bare), statistics.median(called)
    print()
    print(f"execute_code with one read_file call vs without, median of {REPEATS} interleaved runs")
    print(f"  print(1)          : {b * 1000:7.1f} ms")
    print(f"  one read_file call: {c * 1000:7.1f} ms   (+{(c - b) * 1000:.1f} ms)")
