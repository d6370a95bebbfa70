"""``execute_code``: run a Code Mode snippet in a separate, confined Python process.

The snippet runs in a fresh temporary copy of the workspace (its working
directory), with a minimal environment, resource limits and a wall-clock
timeout. Symbolic links that would lead out of the copy are replaced
(``core.codemode.workcopy``), and the copy is deleted afterwards, so the
user's files are never touched.

The tools the snippet calls are stubs: each call goes over a pipe to this
process, whose ``ToolBroker`` (``core.codemode.broker``) runs the real tool in
a confined process of its own, records the call here, and sends the result
back. Only these records reach the scorer; the snippet cannot write one. The
tool process starts beside the snippet when its code names a tool, so its start
overlaps the snippet's own.

The confinement (``core.codemode.confine``, ``core.codemode.policy``): on Linux
the child sees a new root holding only the run folder (read-write), the Python
install, the project and the system folders (read-only), empty private
``/tmp`` and ``/dev/shm``, no home folder, no network, its own pids, and keeps
no privileges (``nobody`` as root, a capability-less nested user namespace
otherwise). On macOS a Seatbelt profile generated from the same policy (never
run by this project's developers). Where neither is possible, ``execute_code``
raises ``UnconfinedError`` unless ``ExecutionLimits.allow_unconfined``. It is
not a VM: the kernel is shared and there is no seccomp filter.

Each of these is recorded in the ``ExecutionResult`` (``network_isolated``,
``privileges_dropped``, ``readonly_outside``, ``pid_namespace``, ``confinement``,
``notes``) so a report never claims more than held. ``core.codemode.sandbox``
probes what the machine allows; ``core.codemode._harness`` is the child side;
``core.codemode.runfolder`` prepares the run folder and each process's command.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from core.codemode import confine
from core.codemode._capture import Captured, collect, kill_group
from core.codemode._harness import REFUSED_EXIT
from core.codemode.broker import ToolBroker
from core.codemode.confine import UnconfinedError
from core.codemode.pristine import Baseline
from core.codemode.results import (
    ExecutionLimits,
    ExecutionResult,
    FieldRead,
    PrintRecord,
    ToolCallRecord,
    platform_notes,
    printable,
)
from core.codemode.runfolder import HARNESS_SOURCE, Run, child_env, prepare
from core.codemode.sandbox import PROJECT_ROOT, SandboxInfo, sandbox_info
from core.codemode.tools import TOOLS
from core.codemode.workcopy import new_run_dir, read_regular, remove_tree, sweep_now_and_then

_PLATFORM = sys.platform


def _spawn_tools(run: Run) -> Any:
    def spawn() -> subprocess.Popen[bytes]:
        argv, _net, _pid = run.command(run.tool_config())
        return subprocess.Popen(argv, cwd=run.work, env=child_env(run), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    return spawn


def _run_child(run: Run, argv: list[str], broker: ToolBroker) -> tuple[Captured, int, int, float]:
    """Start the child, serve its tool calls, drain its output, kill whatever is left.
    Returns (output, exit code, peak processes, seconds)."""
    limits = run.limits
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, cwd=run.work, env=child_env(run), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                pass_fds=broker.child_fds)
    except BaseException:
        broker.close_unstarted()
        raise
    broker.start(warm=any(name in run.code for name in TOOLS))
    seen: dict[int, psutil.Process] = {}
    peak = 1

    def sample() -> None:
        nonlocal peak
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            return
        peak = max(peak, len(children) + 1)
        for child in children:
            seen.setdefault(child.pid, child)

    cap = Captured()
    try:
        cap = collect(proc, max_bytes=limits.max_output_bytes, timeout=limits.timeout_s, on_tick=sample)
    finally:
        kill_group(proc)
        for child in seen.values():  # descendants that left the process group
            try:
                child.kill()
            except psutil.Error:
                pass
        proc.wait()
        broker.stop(f"the run's {limits.timeout_s:g} s timeout expired before the call returned" if cap.timed_out
                    else "the snippet's process ended before the call returned")
    return cap, proc.returncode, peak, time.perf_counter() - started


def _field_reads(outcome: dict[str, Any]) -> list[FieldRead] | None:
    raw = outcome.get("field_reads")
    if not isinstance(raw, list):
        return None
    out: list[FieldRead] = []
    for item in raw[:2000]:
        try:
            out.append(FieldRead.model_validate(item))
        except ValueError:
            continue
    return out


def _prints(outcome: dict[str, Any]) -> list[PrintRecord] | None:
    raw = outcome.get("prints")
    if not isinstance(raw, list):
        return None
    return [PrintRecord(line=p[0], text=p[1]) for p in raw[:1000]
            if isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and isinstance(p[1], str)]


def _outcome(run: Run, exit_code: int) -> dict[str, Any]:
    """What the harness reported (result.json), checked for a refused confinement."""
    outcome: dict[str, Any] = {}
    try:
        outcome = json.loads(read_regular(run.meta / "result.json") or b"{}")
    except ValueError:
        pass
    if not isinstance(outcome, dict):
        outcome = {}
    setup = outcome.get("setup") or {}
    if outcome.get("refused") or (exit_code == REFUSED_EXIT and run.config["require_confined"]):
        raise UnconfinedError(confine.refusal(
            f"the {run.info.engine} confinement failed: {setup.get('confine_error') or setup.get('drop_error')}"
        ))
    if setup.get("fresh_proc") not in (None, True):
        run.notes.append(str(setup["fresh_proc"]))
    if setup.get("limits_failed"):
        run.notes.append(f"limits not applied: {', '.join(setup['limits_failed'])}")
    if not setup:
        run.notes.append("the child ended before reporting its setup")
    return outcome


def execute_code(code: str, workspace: Path | str, limits: ExecutionLimits | None = None) -> ExecutionResult:
    """Run ``code`` in a confined child process inside a temporary copy of ``workspace``.

    The five tools (stubs served by the executor) and their result models are pre-bound in the
    snippet's namespace. Returns what it printed, what it raised, the tool calls the executor ran
    for it, the fields it read, and which defences were in force. Never raises for anything the
    snippet does.
    """
    limits = limits or ExecutionLimits()
    info = sandbox_info()
    workspace = Path(workspace)
    if not workspace.is_dir():
        raise FileNotFoundError(f"workspace {workspace} is not a directory")
    confine.require_confinement(limits.allow_unconfined, info)

    sweep_now_and_then()  # copies left behind by processes that died before removing them
    run = Run(root=new_run_dir(), notes=[*info.notes, *platform_notes(_PLATFORM)], info=info, limits=limits)
    broker = ToolBroker(_spawn_tools(run), deadline=time.monotonic() + limits.timeout_s, timeout_s=limits.timeout_s)
    try:
        try:
            prepare(run, code, workspace, broker.child_fds)
            broker.baseline = Baseline(run.work)
            argv, network_isolated, pid_namespace = run.command(str(run.meta / "config.json"))
        except BaseException:
            broker.close_unstarted()
            raise
        if not network_isolated:
            run.notes.append("network is NOT isolated")
        broker.deadline = time.monotonic() + limits.timeout_s
        cap, exit_code, peak, duration = _run_child(run, argv, broker)
        outcome = _outcome(run, exit_code)
        setup = outcome.get("setup") or {}
        if cap.timed_out:
            run.notes.append(f"killed after the {limits.timeout_s:g} s timeout")
        run.notes.extend(broker.notes)
        lines = outcome.get("lines_run")
        result = ExecutionResult(
            stdout=cap.stdout.decode("utf-8", errors="replace"),
            stderr=cap.stderr.decode("utf-8", errors="replace"),
            stdout_truncated=cap.stdout_truncated,
            stderr_truncated=cap.stderr_truncated,
            exception_type=outcome.get("exception_type"),
            exception_message=outcome.get("exception_message"),
            timed_out=cap.timed_out,
            exit_code=exit_code,
            duration_s=round(duration, 4),
            tool_calls=broker.records,
            field_reads=_field_reads(outcome),
            lines_run=[n for n in lines if isinstance(n, int)][:10_000] if isinstance(lines, list) else None,
            prints=_prints(outcome),
            network_isolated=network_isolated,
            privileges_dropped=bool(setup.get("privileges_dropped")),
            readonly_outside=bool(setup.get("readonly_outside")),
            pid_namespace=pid_namespace,
            peak_processes=peak,
            confinement=confine.describe(info, run.policy),
            notes=run.notes,
        )
        # file names the code made (b"\xff.py") reach the records as surrogates, which JSON cannot hold
        return ExecutionResult.model_validate(printable(result.model_dump()))
    finally:
        remove_tree(run.root)


__all__ = [
    "HARNESS_SOURCE",
    "PROJECT_ROOT",
    "ExecutionLimits",
    "ExecutionResult",
    "FieldRead",
    "SandboxInfo",
    "ToolCallRecord",
    "UnconfinedError",
    "execute_code",
    "sandbox_info",
]
