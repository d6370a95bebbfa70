"""Running ``phase25 doctor --json`` for the Config screen, in its own process.

The doctor loads mlx (the benchmark, the tokenizers), which the dashboard never imports, so it runs
as ``python -m core.cli doctor --json --config FILE [--set KEY=VALUE ...]`` and its JSON report is
read back. Cancelling (the screen closed, the config reloaded) stops the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

TIMEOUT_S = 300.0
POLL_S = 0.1


@dataclass
class DoctorOutcome:
    status: Literal["ok", "failed", "cancelled"]
    report: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0


def doctor_argv(config: Path, overrides: list[str]) -> list[str]:
    sets = [a for o in overrides for a in ("--set", o)]
    return [sys.executable, "-m", "core.cli", "doctor", "--json", "--config", str(config), *sets]


def _tail(text: str, lines: int = 3) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " / ".join(kept[-lines:])


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_doctor(argv: list[str], cancelled: Callable[[], bool], timeout_s: float = TIMEOUT_S,
               cwd: Path | None = None) -> DoctorOutcome:
    """Run the doctor until it exits, ``cancelled()`` turns true, or ``timeout_s`` passes."""
    t0 = time.monotonic()
    command = " ".join(argv[1:]) if argv[:1] == [sys.executable] else " ".join(argv)
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                text=True, cwd=cwd)
    except OSError as exc:
        return DoctorOutcome("failed", message=f"could not start the doctor ({command}): {exc}")
    while True:
        try:
            out, err = proc.communicate(timeout=POLL_S)  # retried: no output is lost on a timeout
            break
        except subprocess.TimeoutExpired:
            elapsed = time.monotonic() - t0
            if cancelled():
                _stop(proc)
                return DoctorOutcome("cancelled", seconds=elapsed)
            if elapsed > timeout_s:
                _stop(proc)
                return DoctorOutcome("failed", seconds=elapsed, message=(
                    f"the doctor took longer than {timeout_s:.0f} s and was stopped; run `phase25 doctor` in a "
                    "terminal to see how far it gets"))
    seconds = time.monotonic() - t0
    if proc.returncode == 2:
        return DoctorOutcome("failed", seconds=seconds,
                             message=f"the doctor refused the config (exit 2): {_tail(err) or 'no message'}")
    try:
        report = json.loads(out)
        if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
            raise ValueError("no list of checks")
    except ValueError as exc:
        why = _tail(err) or f"its output is not a report ({exc})"
        return DoctorOutcome("failed", seconds=seconds, message=f"the doctor failed (exit {proc.returncode}): {why}")
    return DoctorOutcome("ok", report=report, seconds=seconds)
