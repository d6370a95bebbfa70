"""One ``execute_code`` run's folder: the workspace copy, the snippet, and what each confined
process is told (its config, its environment, its command line)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.codemode import confine, sandbox
from core.codemode._harness import BOOTSTRAP
from core.codemode.models import RESULT_MODELS
from core.codemode.policy import SandboxPolicy
from core.codemode.results import ExecutionLimits
from core.codemode.sandbox import PROJECT_ROOT, SandboxInfo
from core.codemode.tools import TOOLS
from core.codemode.workcopy import chown_tree, copy_workspace

HARNESS_SOURCE = "\n".join(
    Path(__file__).with_name(name).read_text(encoding="utf-8") for name in ("_mounts.py", "_harness.py")
)
"""The child program: the mount helpers, then the harness that calls them."""


@dataclass
class Run:
    """One execution's temporary directory and what the child is told."""

    root: Path
    notes: list[str]
    info: SandboxInfo
    limits: ExecutionLimits
    policy: SandboxPolicy | None = None
    config: dict[str, Any] = field(default_factory=dict)
    code: str = ""

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def meta(self) -> Path:
        return self.root / "meta"

    def command(self, config: str) -> tuple[list[str], bool, bool]:
        """The confined command for the harness with ``config`` (a file path, or inline JSON for a
        tool process, run isolated from the copy's own modules), and whether it gets its own network
        and pid namespaces."""
        flags = ["-I", "-B"] if config.startswith("{") else []
        python = [sys.executable, *flags, "-c", BOOTSTRAP, HARNESS_SOURCE, config]
        return confine.child_command(python, self.info, self.policy, self.limits.isolate_network)

    def tool_config(self) -> str:
        """The inline config of the tool process: the snippet's confinement, no snippet."""
        skip = {"code_path", "result_path", "broker", "names"}
        return json.dumps({**{k: v for k, v in self.config.items() if k not in skip}, "tools": True})


def _mount_namespace_id() -> str | None:
    try:
        return os.readlink("/proc/self/ns/mnt")
    except OSError:
        return None


def prepare(run: Run, code: str, workspace: Path, broker_fds: tuple[int, int]) -> None:
    """Copy the workspace, write the snippet and the child's config (its confinement included)."""
    info, limits = run.info, run.limits
    for name in ("home", "meta", "tmp", "newroot"):
        (run.root / name).mkdir()
    if info.confined:
        run.policy = confine.policy_for(run.root).model_copy(update={"network": not limits.isolate_network})
    part = confine.confine_config(info, run.policy, run.root)
    as_nobody = info.engine == "namespaces-root"
    run.notes.extend(copy_workspace(workspace, run.work, unprivileged=as_nobody))
    (run.meta / "code.py").write_text(code, encoding="utf-8")
    run.code = code
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
        "broker": {"request_fd": broker_fds[0], "reply_fd": broker_fds[1]},
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


def child_env(run: Run) -> dict[str, str]:
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
    }


__all__ = ["HARNESS_SOURCE", "Run", "child_env", "prepare"]
