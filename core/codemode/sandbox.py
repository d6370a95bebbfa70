"""What confinement this machine allows, probed once per process.

Three engines, one policy (``core.codemode.policy``):

* ``namespaces-root`` (Linux, as root): ``unshare`` makes fresh mount, pid and network
  namespaces; the child builds a new root holding only what the policy lists and drops to
  ``nobody``;
* ``namespaces-user`` (Linux, any other user): the same inside an unprivileged user namespace,
  then a nested one mapped to the caller's uid, with no capabilities left;
* ``seatbelt`` (macOS): ``sandbox-exec`` with a profile generated from the policy. It has never
  been run by anyone working on this project (no Mac to run it on); see ``SEATBELT_UNTESTED``.

When none of these is possible, ``SandboxInfo.engine`` is None, ``unconfined_reason`` says why,
and the executor refuses to run model code unless told otherwise (``allow_unconfined``).
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import psutil  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
UNPRIVILEGED_USER = "nobody"
NS_FLAGS = ["--mount", "--pid", "--fork", "--kill-child", "--propagation", "private"]
"""``unshare`` flags as root (``--net`` is added when the network is isolated)."""
USER_NS_FLAGS = ["--user", "--map-root-user", "--pid", "--fork", "--kill-child"]
"""``unshare`` flags without root (``--mount`` and ``--net`` are added)."""
SANDBOX_EXEC = "/usr/bin/sandbox-exec"
SEATBELT_UNTESTED = (
    "macOS Seatbelt profile: generated from the same policy as the Linux confinement and checked as "
    "text only; it has never been run on a Mac by anyone working on this project"
)


class SandboxInfo(BaseModel):
    """What confinement this machine allows (probed once per process)."""

    is_root: bool
    engine: str | None = Field(
        default=None, description='"namespaces-root", "namespaces-user", "seatbelt", or None: no confinement'
    )
    unconfined_reason: str | None = Field(default=None, description="why there is no engine")
    namespaces: str | None = Field(description='"root" (mount+pid+net), "user" (user+mount+pid+net) or None')
    network_isolation: bool
    pid_namespace: bool
    privilege_drop: bool = Field(
        description=f"the child keeps no privileges: {UNPRIVILEGED_USER!r} as root, a nested user namespace otherwise"
    )
    process_cap_enforced: bool = Field(description="RLIMIT_NPROC binds the child (it does not bind root)")
    notes: list[str] = Field(default_factory=list)

    @property
    def confined(self) -> bool:
        return self.engine is not None


def _probe(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=10, stdin=subprocess.DEVNULL).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def needed_paths() -> list[str]:
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


@functools.cache
def unshare_path() -> str | None:
    """The ``unshare`` binary (util-linux), on Linux."""
    return shutil.which("unshare") if sys.platform.startswith("linux") else None


def _can_drop_to_nobody() -> tuple[bool, str]:
    """As root: whether ``nobody`` may read what the child needs (its folders are bound into the new
    root, so only the paths themselves must be readable, not the folders above them)."""
    try:
        import pwd

        pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return False, f"no user {UNPRIVILEGED_USER!r}"
    for path in needed_paths():
        st = os.stat(path)
        if not st.st_mode & stat.S_IROTH or (os.path.isdir(path) and not st.st_mode & stat.S_IXOTH):
            return False, f"{path} is not readable by {UNPRIVILEGED_USER}"
    return True, ""


def _linux_engine(is_root: bool) -> tuple[str | None, str]:
    """``("namespaces-root" | "namespaces-user", "")`` or ``(None, why not)``."""
    unshare = unshare_path()
    if not unshare:
        return None, "`unshare` (util-linux) is not available"
    if is_root:
        if _probe([unshare, "--net", *NS_FLAGS, "true"]):
            return "namespaces-root", ""
        return None, "`unshare` is not permitted here (no mount, pid or network namespace as root)"
    mount = shutil.which("mount") or "/bin/mount"
    probe = [mount, "-t", "tmpfs", "tmpfs", "/tmp"] if os.path.exists(mount) else ["true"]
    if _probe([unshare, *USER_NS_FLAGS, "--mount", "--net", "--", *probe]):
        return "namespaces-user", ""
    return None, ("unprivileged user namespaces are not permitted here (`unshare --user --mount` failed; "
                  "e.g. kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0, or an AppArmor "
                  "restriction)")


@functools.cache
def sandbox_info() -> SandboxInfo:
    """Probe what this machine allows: the confinement engine, privilege drop, process caps."""
    notes: list[str] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    engine: str | None = None
    why = ""
    if sys.platform.startswith("linux"):
        engine, why = _linux_engine(is_root)
    elif sys.platform == "darwin":
        if os.path.exists(SANDBOX_EXEC):
            engine = "seatbelt"
            notes.append(SEATBELT_UNTESTED)
        else:
            why = f"{SANDBOX_EXEC} is not available"
    else:
        why = f"no confinement engine for {sys.platform}"
    if engine is None:
        notes.append(f"no confinement: {why}")
    namespaces = {"namespaces-root": "root", "namespaces-user": "user"}.get(engine or "")
    privilege_drop = False
    if is_root and namespaces == "root":
        privilege_drop, why_not = _can_drop_to_nobody()
        if not privilege_drop:
            notes.append(f"cannot drop privileges: {why_not}")
            engine, why = None, f"running as root and unable to drop to {UNPRIVILEGED_USER!r}: {why_not}"
    elif namespaces == "user":
        privilege_drop = True  # a nested user namespace without capabilities
    return SandboxInfo(
        is_root=is_root,
        engine=engine,
        unconfined_reason=why if engine is None else None,
        namespaces=namespaces,
        network_isolation=engine is not None,
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


__all__ = ["SandboxInfo", "count_processes", "needed_paths", "sandbox_info", "unshare_path"]
