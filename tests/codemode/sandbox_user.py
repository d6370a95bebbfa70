"""Run ``execute_code`` as an unprivileged caller (``nobody``), from a test running as root.

The caller is a separate process started with ``runuser -u nobody``: it holds no capability and
confines its child the way any user's phase25 would (an unprivileged user namespace). The
interpreter may live where ``nobody`` cannot go (e.g. ``/root/.pyenv``): the caller then runs in
a mount namespace of its own where root has covered each such folder with an empty tmpfs and
bound back only the interpreter and the project (nothing of the caller's namespace changes).
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from core.codemode.executor import ExecutionLimits, ExecutionResult, UnconfinedError
from core.codemode.sandbox import PROJECT_ROOT, needed_paths

USER = "nobody"
CALLER_PIDS: list[int] = []
"""The pids of the callers started so far (their temporary copies are named after them)."""

CALLER = r"""
import json, os, sys
from core.codemode.executor import ExecutionLimits, execute_code
try:
    from core.codemode.executor import UnconfinedError
except ImportError:  # a version of the project that ran everything
    UnconfinedError = RuntimeError
code, workspace, limits = json.loads(sys.stdin.read())
try:
    result = execute_code(code, workspace, ExecutionLimits.model_validate(limits))
    print(json.dumps({"result": result.model_dump(mode="json"), "pid": os.getpid()}))
except UnconfinedError as exc:
    print(json.dumps({"refused": str(exc), "pid": os.getpid()}))
"""


def why_not() -> str | None:
    """Why the test cannot run a caller as ``nobody`` here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to start a caller as another user"
    if not shutil.which("runuser") or not shutil.which("unshare") or not shutil.which("mount"):
        return "needs runuser, unshare and mount (util-linux)"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return f"no user {USER!r}"
    return None


def _blocked(path: str, uid: int, gid: int) -> str | None:
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        ancestor = str(Path(*parts[:i]))
        st = os.stat(ancestor)
        bits = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
        if not st.st_mode & bits:
            return ancestor
    return None


def _reach_script(uid: int, gid: int, stage: str) -> str:
    """Shell commands (run as root in a private mount namespace) that make the interpreter reachable."""
    groups: dict[str, list[str]] = {}
    for path in needed_paths():
        blocked = _blocked(path, uid, gid)
        if blocked and blocked != path:
            groups.setdefault(blocked, []).append(path)
    lines = ["set -e"]
    for g, (blocked, paths) in enumerate(sorted(groups.items(), key=lambda kv: len(kv[0]))):
        for i, path in enumerate(paths):
            aside = f"{stage}/{g}_{i}"
            lines += [f"mkdir -p {shlex.quote(aside)}", f"mount --rbind {shlex.quote(path)} {shlex.quote(aside)}"]
        lines.append(f"mount -t tmpfs -o mode=0755,size=1m tmpfs {shlex.quote(blocked)}")
        for i, path in enumerate(paths):
            aside = f"{stage}/{g}_{i}"
            lines += [f"mkdir -p {shlex.quote(path)}", f"mount --move {shlex.quote(aside)} {shlex.quote(path)}"]
    return "\n".join(lines)


def run_as_user(code: str, workspace: Path, limits: ExecutionLimits | None = None,
                project_root: Path = PROJECT_ROOT, timeout_s: float = 120) -> tuple[ExecutionResult | None, str]:
    """``execute_code`` run by a ``nobody`` caller: (its result, or None and the refusal message)."""
    entry = pwd.getpwnam(USER)
    stage = tempfile.mkdtemp(prefix="codemode-reach-")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(project_root),
           "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": tempfile.gettempdir()}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    script = (_reach_script(entry.pw_uid, entry.pw_gid, stage)
              + f"\nexec runuser -u {USER} -- env -i {exports} HOME=/nonexistent "
              + f"{shlex.quote(sys.executable)} -c {shlex.quote(CALLER)}\n")
    payload = json.dumps([code, str(workspace), (limits or ExecutionLimits()).model_dump(mode="json")])
    try:
        proc = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script],
            input=payload, capture_output=True, text=True, timeout=timeout_s, cwd="/",
        )
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"the {USER} caller failed ({proc.returncode}): {proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    CALLER_PIDS.append(int(out["pid"]))
    if "refused" in out:
        return None, out["refused"]
    return ExecutionResult.model_validate(out["result"]), ""


def execute_as_user(code: str, workspace: Path, limits: ExecutionLimits | None = None) -> ExecutionResult:
    """Like ``execute_code``, but run by a ``nobody`` caller; raises ``UnconfinedError`` like it."""
    result, refused = run_as_user(code, workspace, limits)
    if result is None:
        raise UnconfinedError(refused)
    return result


def user_owned_copy(src: Path, dest: Path) -> Path:
    """A copy of ``src`` at ``dest`` owned by ``nobody`` (its own files: what the user would risk)."""
    entry = pwd.getpwnam(USER)
    shutil.copytree(src, dest)
    for path in [dest, *dest.rglob("*")]:
        os.lchown(path, entry.pw_uid, entry.pw_gid)
    return dest
