"""Who runs the hostile snippets: this test process itself, and an unprivileged caller (``nobody``).

``side`` is a parametrized fixture: every test using it runs twice. Each side has its own
folder of files belonging to the user who runs the executor (a sentinel, a fake ``~/.ssh`` key,
a copy of a fixture workspace): what a careless or hostile snippet could damage or steal from
that user. After each test, the fixture checks that none of it changed and no copy was left.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sandbox_user as as_user

from core.codemode.executor import PROJECT_ROOT, ExecutionLimits, ExecutionResult, execute_code, sandbox_info
from core.codemode.workspaces import workspace_path

FIXTURE = workspace_path("clean_service")
REFUSED = {"PermissionError", "FileNotFoundError"}  # hidden, or not permitted
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="tests a Linux mechanism (pid namespace, /proc, private /dev/shm); the macOS Seatbelt "
    "profile denies reads of the home and temporary folders, writes and the network, nothing more",
)


@dataclass
class Side:
    """One way of calling the executor, and the files of the user who calls it."""

    name: str
    run: Callable[..., ExecutionResult]
    uid: int
    outside: Path = field(default_factory=Path)
    workspace: Path = FIXTURE

    @property
    def sentinel(self) -> Path:
        return self.outside / "sentinel.txt"

    @property
    def victim(self) -> Path:
        """A file of the user's that a snippet might try to delete."""
        return self.outside / "victim.txt"

    @property
    def secret(self) -> Path:
        return self.outside / "home" / ".ssh" / "id_ed25519"

    def own(self, path: Path) -> Path:
        """Give ``path`` (and what it holds) to this side's user, as their own files."""
        entry = pwd.getpwuid(self.uid)
        for p in [path, *path.rglob("*")]:
            os.lchown(p, entry.pw_uid, entry.pw_gid)
        return path


def _copies() -> set[str]:
    """The temporary copies made by this process or by the callers it started."""
    pids = [os.getpid(), *as_user.CALLER_PIDS]
    return {p.name for pid in pids for p in Path(tempfile.gettempdir()).glob(f"codemode-{pid}-*")}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _user_probe() -> str | None:
    """Why the ``nobody`` side cannot run here, or None (probed once)."""
    if (why := as_user.why_not()) is not None:
        return why
    try:
        result, refused = as_user.run_as_user("print('ok')", FIXTURE)
    except RuntimeError as exc:  # e.g. no mount namespace for the helper, or nobody cannot run Python
        return f"cannot start a {as_user.USER} caller here: {exc}"
    if result is None:
        return f"the {as_user.USER} caller is refused here: {refused}"
    return None


_PROBE: list[str | None] = []


def _in_process(code: str, workspace: Path, limits: ExecutionLimits | None = None) -> ExecutionResult:
    return execute_code(code, workspace, limits)


@pytest.fixture(params=["caller", as_user.USER])
def side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    if request.param == "caller":
        if not sandbox_info().confined:
            pytest.skip(f"no confinement on this machine: {sandbox_info().unconfined_reason}")
        s = Side("caller", _in_process, os.getuid(), outside=tmp_path)
    else:
        if not _PROBE:
            _PROBE.append(_user_probe())
        if _PROBE[0]:
            pytest.skip(_PROBE[0])
        area = Path(tempfile.mkdtemp(prefix="hostile-user-"))
        s = Side(as_user.USER, as_user.execute_as_user, pwd.getpwnam(as_user.USER).pw_uid, outside=area)
    s.sentinel.write_text("keep me")
    s.victim.write_text("delete me not")
    s.secret.parent.mkdir(parents=True)
    s.secret.write_text("FAKE PRIVATE KEY")
    s.secret.chmod(0o600)
    if s.name != "caller":
        s.workspace = as_user.user_owned_copy(FIXTURE, s.outside / "workspace")
        s.own(s.outside)
        s.outside.chmod(0o700)
    before = (_tree(s.workspace), _tree(s.outside), _stray_in_project(), _copies())
    yield s
    try:
        assert _tree(s.workspace) == before[0], "the workspace changed"
        assert s.sentinel.read_text() == "keep me" and s.secret.read_text() == "FAKE PRIVATE KEY"
        assert s.victim.read_text() == "delete me not"
        assert _tree(s.outside) == before[1], "files outside the copy changed"
        assert _stray_in_project() == before[2], "something was written into the project folder"
        assert _copies() == before[3], "a temporary copy was left behind"
    finally:
        if s.name != "caller":
            shutil.rmtree(s.outside, ignore_errors=True)


def _stray_in_project() -> set[str]:
    return {p.name for p in PROJECT_ROOT.iterdir() if p.name.startswith("codemode-")}


def lines_of(result: ExecutionResult) -> list[str]:
    assert result.exception_type is None, result.stderr
    return result.stdout.splitlines()


def attempts(checks: dict[str, str]) -> str:
    """A snippet that tries each expression and prints ``name: outcome`` (the value, or the error type)."""
    body = ["def attempt(name, fn):", "    try:",
            "        print(f'{name}: {fn()!r}')",
            "    except Exception as exc:", "        print(f'{name}: {type(exc).__name__}')"]
    body += [f"attempt({name!r}, lambda: {expr})" for name, expr in checks.items()]
    return "import os, shutil, socket, ctypes\n" + "\n".join(body) + "\n"


def outcomes(result: ExecutionResult) -> dict[str, Any]:
    out = {}
    for line in lines_of(result):
        name, _, value = line.partition(": ")
        out[name] = value
    return out
