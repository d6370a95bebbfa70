"""The parent side of the confinement: refusing to run unconfined, the child's command and config.

``require_confinement`` refuses (``UnconfinedError``) when this machine offers no engine and the
caller did not allow unconfined runs. ``child_command`` wraps the harness in ``unshare`` (Linux)
or ``sandbox-exec`` (macOS); ``confine_config`` is what the harness needs to confine itself.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.codemode import sandbox
from core.codemode.policy import SandboxPolicy, build_policy, mount_plan, seatbelt_argv
from core.codemode.sandbox import UNPRIVILEGED_USER, SandboxInfo

OVERRIDE = "[evaluation] allow_unconfined = true"
"""The config setting that lets model-written code run without confinement."""


class UnconfinedError(RuntimeError):
    """Model-written code was not run because it could not be confined."""


def refusal(reason: str) -> str:
    return (
        f"model-written code was not run: it cannot be confined on this machine ({reason}). "
        f"Set `{OVERRIDE}` in the experiment config to run it anyway, with your user's full access "
        "to your files and the network."
    )


def require_confinement(allow_unconfined: bool, info: SandboxInfo | None = None) -> str:
    """Raise ``UnconfinedError`` when no engine confines the child and unconfined runs are not allowed;
    otherwise say how runs will be confined (``describe``, for a run folder in the temp folder)."""
    info = info or sandbox.sandbox_info()
    if not info.confined and not allow_unconfined:
        raise UnconfinedError(refusal(info.unconfined_reason or "no engine"))
    if not info.confined:
        return describe(info, None)
    return describe(info, policy_for(Path(tempfile.gettempdir()) / "codemode-<pid>-<random>"))


def policy_for(run_root: Path) -> SandboxPolicy:
    return build_policy(run_root, sandbox.needed_paths())


def describe(info: SandboxInfo, policy: SandboxPolicy | None) -> str:
    """How a run's code was confined, in one line (stored with every result)."""
    if not info.confined or policy is None:
        return f"unconfined ({info.unconfined_reason or 'confinement not used'}): allowed by {OVERRIDE}"
    who = {
        "namespaces-root": f"as {UNPRIVILEGED_USER}, new mount/pid/network namespaces",
        "namespaces-user": "unprivileged user namespace (no capabilities), new mount/pid/network namespaces",
        "seatbelt": "sandbox-exec profile (never run on a Mac by this project's developers)",
    }[info.engine or ""]
    return f"{info.engine} ({who}): {policy.summary()}"


def confine_config(info: SandboxInfo, policy: SandboxPolicy | None, run_root: Path) -> dict[str, Any]:
    """The harness config keys for the confinement (``mount_plan``, ``drop``, ``engine``)."""
    if policy is None or info.engine is None:
        return {"engine": None, "mount_plan": None, "drop": None}
    if info.engine == "seatbelt":
        return {"engine": "seatbelt", "mount_plan": None, "drop": None}
    plan = mount_plan(policy, run_root / "newroot")
    if info.engine == "namespaces-root":
        import pwd

        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        drop = {"how": "user", "uid": entry.pw_uid, "gid": entry.pw_gid}
    else:
        drop = {"how": "userns", "uid": os.getuid(), "gid": os.getgid()}
    return {"engine": info.engine, "mount_plan": plan, "drop": drop}


def child_command(
    python: list[str], info: SandboxInfo, policy: SandboxPolicy | None, isolate_network: bool
) -> tuple[list[str], bool, bool]:
    """The child's argv, and whether it gets its own network and pid namespaces."""
    unshare = sandbox.unshare_path()
    net = ["--net"] if isolate_network else []
    if policy is not None and info.engine == "namespaces-root" and unshare:
        return [unshare, *net, *sandbox.NS_FLAGS, "--", *python], isolate_network, True
    if policy is not None and info.engine == "namespaces-user" and unshare:
        return [unshare, *sandbox.USER_NS_FLAGS, "--mount", *net, "--", *python], isolate_network, True
    if policy is not None and info.engine == "seatbelt":
        return seatbelt_argv(policy, python), not policy.network, False
    # Unconfined: an intermediate shell, so the snippet's parent is not the caller.
    return ["/bin/sh", "-c", '"$@"; exit $?', "codemode", *python], False, False


def python_argv(bootstrap: str, harness_source: str, config_path: Path) -> list[str]:
    return [sys.executable, "-c", bootstrap, harness_source, str(config_path)]


__all__ = [
    "OVERRIDE",
    "UnconfinedError",
    "child_command",
    "confine_config",
    "describe",
    "policy_for",
    "require_confinement",
]
