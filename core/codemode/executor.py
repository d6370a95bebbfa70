"""``execute_code``: run a Code Mode snippet in a separate, confined Python process.

The snippet runs in a fresh temporary copy of the workspace (its working
directory), with the five tools pre-bound, a minimal environment, resource
limits and a wall-clock timeout. Symbolic links that would lead out of the
copy are replaced (``core.codemode.workcopy``), and the copy is deleted
afterwards, so the user's files are never touched.

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
``notes``) so
a report never claims more than held. ``core.codemode.sandbox`` probes what the
machine allows; ``core.codemode._harness`` is the child side.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, Field

from core.codemode import confine, sandbox
from core.codemode._capture import Captured, collect, kill_group
from core.codemode._harness import BOOTSTRAP, REFUSED_EXIT
from core.codemode.confine import UnconfinedError
from core.codemode.models import RESULT_MODELS
from core.codemode.policy import SandboxPolicy
from core.codemode.sandbox import PROJECT_ROOT, SandboxInfo, sandbox_info
from core.codemode.tools import RECORD_ENV, TOOLS
from core.codemode.workcopy import (
    chown_tree,
    copy_workspace,
    new_run_dir,
    read_regular,
    remove_tree,
    sweep_now_and_then,
)

HARNESS_SOURCE = "\n".join(
    Path(__file__).with_name(name).read_text(encoding="utf-8") for name in ("_mounts.py", "_harness.py")
)
"""The child program: the mount helpers, then the harness that calls them."""
_PLATFORM = sys.platform


class ExecutionLimits(BaseModel):
    """Limits applied to one ``execute_code`` run (per process where the OS works that way)."""

    timeout_s: float = Field(
        default=20.0, gt=0, description="wall-clock seconds before the whole tree is killed"
    )
    cpu_seconds: int = Field(default=20, gt=0, description="RLIMIT_CPU, per process")
    memory_bytes: int = Field(
        default=2 * 1024**3, gt=0, description="RLIMIT_AS, per process (mypy needs ~300 MB)"
    )
    open_files: int = Field(default=256, gt=16, description="RLIMIT_NOFILE")
    processes: int = Field(
        default=64, gt=1, description="RLIMIT_NPROC headroom: new processes the snippet may have"
    )
    file_size_bytes: int = Field(
        default=64 * 1024**2, gt=0, description="RLIMIT_FSIZE: largest file it may write"
    )
    max_output_bytes: int = Field(
        default=32_000, gt=0, description="stdout and stderr are each cut to this size"
    )
    isolate_network: bool = Field(
        default=True, description="run in an empty network namespace where possible"
    )
    allow_unconfined: bool = Field(
        default=False,
        description="run even where no engine confines the child (config: evaluation.allow_unconfined); "
        "otherwise such a run raises UnconfinedError",
    )

    @classmethod
    def for_timeout(cls, timeout_s: float, *, allow_unconfined: bool = False) -> ExecutionLimits:
        """The defaults with this wall-clock timeout, and a per-process CPU cap of at least as many
        seconds, so a long mypy or pytest run is stopped by the configured timeout, not a lower cap."""
        cpu_default = cls.model_fields["cpu_seconds"].default
        return cls(timeout_s=timeout_s, cpu_seconds=max(cpu_default, math.ceil(timeout_s)),
                   allow_unconfined=allow_unconfined)


class ToolCallRecord(BaseModel):
    """One tool call the snippet made, as recorded by the tool wrapper inside the child."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict, description="the arguments passed explicitly")
    result_type: str | None = Field(
        default=None, description="class name of the returned model; None if it raised"
    )
    ok: bool = Field(description="False when the tool raised")
    error: str | None = None
    duration_s: float = 0.0
    result: dict[str, Any] | None = Field(
        default=None, description="the returned model as JSON data; None if it raised or was too large"
    )


class ExecutionResult(BaseModel):
    """Everything one ``execute_code`` run produced."""

    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    exception_type: str | None = Field(
        default=None, description="type name of the exception the snippet raised"
    )
    exception_message: str | None = None
    timed_out: bool = False
    exit_code: int | None = Field(
        default=None, description="the child's exit status; -N when killed by signal N"
    )
    duration_s: float = 0.0
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    network_isolated: bool = False
    privileges_dropped: bool = False
    readonly_outside: bool = Field(
        default=False, description="only the policy's paths were visible, read-only but for the run folder"
    )
    pid_namespace: bool = False
    peak_processes: int = Field(
        default=0, description="most processes seen at once in the child's tree (sampled)"
    )
    confinement: str = Field(
        default="", description="how the code was confined: the engine and the policy, in one line"
    )
    notes: list[str] = Field(default_factory=list, description="what could not be enforced, in words")

    @property
    def ok(self) -> bool:
        """The snippet ran to the end without raising or timing out."""
        return not self.timed_out and self.exception_type is None and self.exit_code == 0

    def to_tool_response(self, max_chars: int = 4000) -> str:
        """The compact JSON fed back to the model inside ``<tool_response>``.

        Keys always appear in this order and only when they carry something:
        ``ok``, ``stdout``, ``stderr``, ``error``, ``timed_out``, ``truncated``.
        """
        out: dict[str, Any] = {"ok": self.ok, "stdout": _clip(self.stdout, max_chars)}
        if self.stderr.strip():
            out["stderr"] = _clip(self.stderr, max_chars // 2, keep_end=True)
        if self.exception_type:
            out["error"] = f"{self.exception_type}: {self.exception_message or ''}".strip()
        if self.timed_out:
            out["timed_out"] = True
        if (
            self.stdout_truncated
            or self.stderr_truncated
            or len(self.stdout) > max_chars
            or len(self.stderr) > max_chars // 2
        ):
            out["truncated"] = True
        return json.dumps(out, ensure_ascii=False)


def _clip(text: str, limit: int, *, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    if keep_end:
        return f"...[{len(text) - limit} chars cut]...\n" + text[-limit:]
    return text[:limit] + f"\n...[{len(text) - limit} chars cut]"


# --------------------------------------------------------------------------- running


def platform_notes(platform: str) -> list[str]:
    """Limits this OS accepts but does not enforce (reported on every result)."""
    if platform == "darwin":
        return ["memory_bytes not enforced: macOS accepts RLIMIT_AS but does not apply it"]
    return []


def _read_calls(path: Path) -> list[ToolCallRecord]:
    records: list[ToolCallRecord] = []
    for line in (read_regular(path) or b"").decode("utf-8", errors="replace").splitlines():
        if len(records) >= 1000:
            break
        try:
            records.append(ToolCallRecord.model_validate_json(line))
        except ValueError:
            continue
    return records


def _mount_namespace_id() -> str | None:
    try:
        return os.readlink("/proc/self/ns/mnt")
    except OSError:
        return None


@dataclass
class _Run:
    """One execution's temporary directory and what the child is told."""

    root: Path
    notes: list[str]
    policy: SandboxPolicy | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def meta(self) -> Path:
        return self.root / "meta"


def _prepare(run: _Run, code: str, workspace: Path, limits: ExecutionLimits, info: SandboxInfo) -> None:
    """Copy the workspace, write the snippet and the child's config (its confinement included)."""
    for name in ("home", "meta", "tmp", "newroot"):
        (run.root / name).mkdir()
    if info.confined:
        run.policy = confine.policy_for(run.root).model_copy(update={"network": not limits.isolate_network})
    part = confine.confine_config(info, run.policy, run.root)
    as_nobody = info.engine == "namespaces-root"
    run.notes.extend(copy_workspace(workspace, run.work, unprivileged=as_nobody))
    (run.meta / "code.py").write_text(code, encoding="utf-8")
    drop = part["drop"]
    if as_nobody:
        chown_tree(run.root, drop["uid"], drop["gid"])

    process_cap = limits.processes
    if drop is not None:
        process_cap += sandbox.count_processes(drop["uid"])
    elif not info.is_root and hasattr(os, "getuid"):
        process_cap += sandbox.count_processes(os.getuid())

    run.config = {
        "code_path": str(run.meta / "code.py"),
        "result_path": str(run.meta / "result.json"),
        "workdir": str(run.work),
        "project_root": str(PROJECT_ROOT),
        **part,
        "require_confined": part["engine"] is not None,
        # The harness refuses to mount anything if it is still in this (the caller's) mount namespace.
        "parent_mount_ns": _mount_namespace_id(),
        "names": [*TOOLS, *(m.__name__ for m in RESULT_MODELS)],
        "limits": {
            "cpu_seconds": limits.cpu_seconds,
            "memory_bytes": limits.memory_bytes,
            "open_files": limits.open_files,
            "processes": process_cap,
            "file_size_bytes": limits.file_size_bytes,
            "core_bytes": 0,
        },
    }
    (run.meta / "config.json").write_text(json.dumps(run.config), encoding="utf-8")


def _child_env(run: _Run) -> dict[str, str]:
    """A minimal environment: nothing inherited from the caller."""
    return {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(run.root / "home"),
        "TMPDIR": str(run.root / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONNOUSERSITE": "1",
        RECORD_ENV: str(run.meta / "calls.jsonl"),
    }


def _run_child(run: _Run, argv: list[str], limits: ExecutionLimits) -> tuple[Captured, int, int, float]:
    """Start the child, drain its output, kill whatever is left. Returns (output, exit code, peak, seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=run.work,
        env=_child_env(run),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
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
    return cap, proc.returncode, peak, time.perf_counter() - started


def execute_code(code: str, workspace: Path | str, limits: ExecutionLimits | None = None) -> ExecutionResult:
    """Run ``code`` in a confined child process inside a temporary copy of ``workspace``.

    The five tools (and their result models) are pre-bound in the snippet's
    namespace. Returns what it printed, what it raised, the tool calls it made
    and which defences were in force. Never raises for anything the snippet does.
    """
    limits = limits or ExecutionLimits()
    info = sandbox_info()
    workspace = Path(workspace)
    if not workspace.is_dir():
        raise FileNotFoundError(f"workspace {workspace} is not a directory")
    confine.require_confinement(limits.allow_unconfined, info)

    sweep_now_and_then()  # copies left behind by processes that died before removing them
    run = _Run(root=new_run_dir(), notes=[*info.notes, *platform_notes(_PLATFORM)])
    try:
        _prepare(run, code, workspace, limits, info)
        python = confine.python_argv(BOOTSTRAP, HARNESS_SOURCE, run.meta / "config.json")
        argv, network_isolated, pid_namespace = confine.child_command(
            python, info, run.policy, limits.isolate_network
        )
        if not network_isolated:
            run.notes.append("network is NOT isolated")
        cap, exit_code, peak, duration = _run_child(run, argv, limits)

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
                f"the {info.engine} confinement failed: {setup.get('confine_error') or setup.get('drop_error')}"
            ))
        privileges_dropped = bool(setup.get("privileges_dropped"))
        readonly_outside = bool(setup.get("readonly_outside"))
        if setup.get("fresh_proc") not in (None, True):
            run.notes.append(str(setup["fresh_proc"]))
        if setup.get("limits_failed"):
            run.notes.append(f"limits not applied: {', '.join(setup['limits_failed'])}")
        if not setup:
            run.notes.append("the child ended before reporting its setup")
        if cap.timed_out:
            run.notes.append(f"killed after the {limits.timeout_s:g} s timeout")

        return ExecutionResult(
            stdout=cap.stdout.decode("utf-8", errors="replace"),
            stderr=cap.stderr.decode("utf-8", errors="replace"),
            stdout_truncated=cap.stdout_truncated,
            stderr_truncated=cap.stderr_truncated,
            exception_type=outcome.get("exception_type"),
            exception_message=outcome.get("exception_message"),
            timed_out=cap.timed_out,
            exit_code=exit_code,
            duration_s=round(duration, 4),
            tool_calls=_read_calls(run.meta / "calls.jsonl"),
            network_isolated=network_isolated,
            privileges_dropped=privileges_dropped,
            readonly_outside=readonly_outside,
            pid_namespace=pid_namespace,
            peak_processes=peak,
            confinement=confine.describe(info, run.policy),
            notes=run.notes,
        )
    finally:
        remove_tree(run.root)


__all__ = [
    "ExecutionLimits",
    "ExecutionResult",
    "SandboxInfo",
    "ToolCallRecord",
    "UnconfinedError",
    "execute_code",
    "sandbox_info",
]
