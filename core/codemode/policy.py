"""One confinement policy for model-written code, turned into Linux mounts or a macOS Seatbelt profile.

``SandboxPolicy`` says what a snippet may reach: the run folder (the workspace copy, its HOME
and TMPDIR) read-write; the Python install, the project and the system folders read-only; the
home folders not at all; no network. The same object drives both engines:

* Linux (``mount_plan``): a new root that holds *only* the readonly and writable paths, plus a
  minimal ``/dev``, a fresh ``/proc`` and empty private ``/tmp`` and ``/dev/shm``; everything
  else, the home folders included, does not exist for the snippet (``core.codemode._mounts``).
* macOS (``seatbelt_profile``): an SBPL profile for ``sandbox-exec`` that denies the network,
  every write outside the writable paths, and every read under a hidden folder (the home folder,
  the temporary folder) except the readonly and writable paths inside it. **Never run here**: nobody working on this project could
  run it on a Mac, so it is checked only as text (tests/codemode/test_codemode_policy.py).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from pydantic import BaseModel, Field

LINUX_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/nix")
"""System folders bound read-only into the Linux root (those that exist)."""
SEATBELT_DEVICES = ("/dev/null", "/dev/zero", "/dev/dtracehelper")
"""Devices a snippet may write to under Seatbelt."""


class SandboxPolicy(BaseModel):
    """What model-written code may reach (absolute, resolved paths)."""

    writable: list[str] = Field(description="read-write: the run folder (copy, HOME, TMPDIR)")
    readonly: list[str] = Field(description="read-only: the Python install, the project, system folders")
    hidden: list[str] = Field(
        default_factory=list, description="never readable: the home folders and the temporary folder"
    )
    network: bool = Field(default=False, description="network access allowed")
    private_tmp: bool = Field(default=True, description="Linux: an empty private /tmp and /dev/shm")

    def summary(self) -> str:
        """One line for reports: what the snippet could reach."""
        parts = [
            "network " + ("allowed" if self.network else "denied"),
            "writes only in the run folder " + ", ".join(self.writable),
            f"{len(self.readonly)} read-only paths (Python, project, system)",
        ]
        if self.hidden:
            parts.append("hidden: " + ", ".join(self.hidden))
        if self.private_tmp:
            parts.append("private /tmp")
        return "; ".join(parts)


def _outermost(paths: list[str]) -> list[str]:
    """Each path once, without those inside another one of the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def home_folders() -> list[str]:
    """The caller's home folder ($HOME and the password database's), resolved."""
    homes = {os.path.expanduser("~")}
    try:
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        pass
    return sorted({os.path.realpath(h) for h in homes if h and h != "/"})


def build_policy(
    run_root: Path, needed: list[str], *, system: tuple[str, ...] = LINUX_SYSTEM, temp: str | None = None
) -> SandboxPolicy:
    """The policy for one run: ``run_root`` writable, ``needed`` (interpreter, project) and the
    existing ``system`` folders read-only; the caller's home folder and the temporary folder that
    holds the run (``temp``, by default the one holding ``run_root``) hidden."""
    temp_folder = os.path.realpath(temp or os.path.dirname(os.path.realpath(run_root)))
    hidden = [*home_folders(), *([temp_folder] if temp_folder != "/" else [])]

    def reveals_home(path: str) -> bool:  # "/", "/home", or the home folder itself (a cwd in sys.path)
        return any(h == path or h.startswith(path.rstrip("/") + "/") for h in hidden)

    resolved = [os.path.realpath(p) for p in needed]
    readonly = [p for p in system if os.path.lexists(p)] + [p for p in resolved if not reveals_home(p)]
    return SandboxPolicy(writable=[os.path.realpath(run_root)], readonly=_outermost(readonly), hidden=hidden)


def mount_plan(policy: SandboxPolicy, new_root: Path, tmpfs_size: str = "64m") -> dict[str, object]:
    """What ``core.codemode._mounts.enter_new_root`` builds for this policy (JSON-ready).

    The system folders that are symbolic links (``/bin -> usr/bin``) are recreated as links."""
    links = {p: os.readlink(p) for p in policy.readonly if os.path.islink(p)}
    return {
        "new_root": str(new_root),
        "readonly": [p for p in policy.readonly if p not in links],
        "links": links,
        "writable": policy.writable,
        "tmpfs": ["/tmp"] if policy.private_tmp else [],
        "size": tmpfs_size,
    }


# --------------------------------------------------------------------------- macOS


def _sbpl(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def seatbelt_profile(policy: SandboxPolicy) -> str:
    """The SBPL profile for ``sandbox-exec -p`` (later rules win over earlier ones in SBPL)."""
    lines = ["(version 1)", "(allow default)"]
    if not policy.network:
        lines.append("(deny network*)")
    lines.append("(deny file-write*)")
    writable = " ".join(f"(subpath {_sbpl(p)})" for p in policy.writable)
    devices = " ".join(f"(literal {_sbpl(d)})" for d in SEATBELT_DEVICES)
    lines.append(f"(allow file-write* {writable} {devices})")
    if policy.hidden:
        lines.append("(deny file-read* " + " ".join(f"(subpath {_sbpl(h)})" for h in policy.hidden) + ")")
        # Walking a path through a hidden folder needs its metadata, not its contents.
        lines.append("(allow file-read-metadata)")
        inside = [p for p in policy.readonly + policy.writable
                  if any(p == h or p.startswith(h.rstrip("/") + "/") for h in policy.hidden)]
        if inside:
            lines.append("(allow file-read* " + " ".join(f"(subpath {_sbpl(p)})" for p in inside) + ")")
    return "\n".join(lines) + "\n"


def seatbelt_argv(policy: SandboxPolicy, argv: list[str]) -> list[str]:
    """``argv`` run under the profile (macOS)."""
    return ["/usr/bin/sandbox-exec", "-p", seatbelt_profile(policy), *argv]


__all__ = ["SandboxPolicy", "build_policy", "home_folders", "mount_plan", "seatbelt_argv", "seatbelt_profile"]
