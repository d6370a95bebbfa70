"""What confinement this machine allows, probed once per process.

Linux with util-linux ``unshare``: as root, fresh mount, pid and network
namespaces and a drop to ``nobody``; without root, an unprivileged user
namespace (network and pid) where the kernel allows one. Elsewhere (macOS, no
``unshare``): none of these, only rlimits, the timeout and the process group.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
UNPRIVILEGED_USER = "nobody"
NS_FLAGS = ["--mount", "--pid", "--fork", "--kill-child", "--propagation", "private"]
"""``unshare`` flags as root (``--net`` is added when the network is isolated)."""
USER_NS_FLAGS = ["--user", "--map-root-user", "--pid", "--fork", "--kill-child"]
"""``unshare`` flags without root."""


class SandboxInfo(BaseModel):
    """What confinement this machine allows (probed once per process)."""

    is_root: bool
    namespaces: str | None = Field(description='"root" (mount+pid+net), "user" (user+pid+net) or None')
    network_isolation: bool
    pid_namespace: bool
    privilege_drop: bool = Field(description=f"root and able to run the child as {UNPRIVILEGED_USER!r}")
    process_cap_enforced: bool = Field(description="RLIMIT_NPROC binds the child (it does not bind root)")
    notes: list[str] = Field(default_factory=list)


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
def mount_plan(uid: int, gid: int) -> tuple[list[list[Any]] | None, str]:
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


def private_tmp(root: Path) -> str | None:
    """The temp folder holding ``root``, to cover with a private tmpfs, unless the interpreter lives there."""
    parent = os.path.realpath(root.parent)
    if parent == "/" or any(p == parent or p.startswith(parent + "/") for p in _needed_paths()):
        return None
    return parent


@functools.cache
def unshare_path() -> str | None:
    """The ``unshare`` binary (util-linux), on Linux."""
    return shutil.which("unshare") if sys.platform.startswith("linux") else None


@functools.cache
def sandbox_info() -> SandboxInfo:
    """Probe what this machine allows: namespaces, privilege drop, process caps."""
    notes: list[str] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    unshare = unshare_path()
    namespaces: str | None = None
    if unshare and is_root and _probe([unshare, "--net", *NS_FLAGS, "true"]):
        namespaces = "root"
    elif unshare and not is_root and _probe([unshare, *USER_NS_FLAGS, "--net", "true"]):
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
            plan, why = mount_plan(entry.pw_uid, entry.pw_gid)
            if plan is None:
                notes.append(f"cannot drop privileges: {why}")
            elif plan and namespaces != "root":  # the mounts need a mount namespace
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


def count_processes(uid: int) -> int:
    """How many processes the user ``uid`` has now (RLIMIT_NPROC counts them all)."""
    count = 0
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids is not None and uids.real == uid:
            count += 1
    return count


__all__ = ["SandboxInfo", "count_processes", "mount_plan", "private_tmp", "sandbox_info", "unshare_path"]
