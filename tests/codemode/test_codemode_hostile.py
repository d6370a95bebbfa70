"""Hostile snippets: each is contained, and nothing outside the temporary copy changes.

Every case runs twice (the ``side`` fixture, tests/codemode/sandbox_sides.py): called by this
test process (root in CI, where the child drops to ``nobody``) and by an unprivileged caller
started with ``runuser -u nobody`` (the child confines itself in a user namespace), each with its
own files at stake. A side that cannot run here (not root, no ``nobody``, no confinement) is
skipped with the reason. The fork bomb is bounded twice: by RLIMIT_NPROC and by its own loop
(at most 2**8 = 256 processes even if the limit did not hold).
"""

from __future__ import annotations

import ast
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
import uuid
from pathlib import Path

import psutil  # type: ignore[import-untyped,unused-ignore]
import pytest
from sandbox_sides import FIXTURE, REFUSED, Side, linux_only  # the `side` fixture comes from conftest.py

from core.codemode.executor import PROJECT_ROOT, ExecutionLimits, ExecutionResult, execute_code, sandbox_info

WS = FIXTURE
INFO = sandbox_info()


def processes_with_cmdline(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info.get("cmdline") or []):
            found.append(proc)
    return found


def wait_until_gone(marker: str, within_s: float = 3.0) -> list[psutil.Process]:
    deadline = time.monotonic() + within_s
    while True:
        left = [p for p in processes_with_cmdline(marker) if p.status() != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


class OthersEnded:
    """Processes of the snippet's user that existed before the run and ended during it. The
    process cap is that user's count at the start plus the headroom, so each of them leaves one
    more slot: another test worker's sandbox runs as the same user (``nobody``)."""

    def __init__(self, side: Side) -> None:
        import pwd

        from core.codemode.sandbox import UNPRIVILEGED_USER

        drops = side.uid == 0 and sandbox_info().privilege_drop
        self.uid = pwd.getpwnam(UNPRIVILEGED_USER).pw_uid if drops else side.uid
        self.count = 0

    def _pids(self) -> set[int]:
        return {p.pid for p in psutil.process_iter(["uids"])
                if p.info.get("uids") is not None and p.info["uids"].real == self.uid}

    def __enter__(self) -> OthersEnded:
        self._before = self._pids()
        return self

    def __exit__(self, *exc: object) -> None:
        self.count = len(self._before - self._pids())


# --------------------------------------------------------------------------- runaway code


def test_infinite_loop_is_killed_at_the_timeout(side: Side) -> None:
    started = time.monotonic()
    result = side.run("while True:\n    pass\n", side.workspace, ExecutionLimits(timeout_s=1.0))
    assert result.timed_out and not result.ok
    assert result.exit_code is not None and result.exit_code < 0
    assert time.monotonic() - started < 8
    assert "killed after the 1 s timeout" in result.notes


def test_cpu_limit_raises_in_the_snippet(side: Side) -> None:
    result = side.run("while True:\n    pass\n", side.workspace, ExecutionLimits(cpu_seconds=1, timeout_s=10))
    assert not result.timed_out
    assert (result.exception_type, result.exception_message) == ("TimeoutError", "CPU time limit exceeded")


def test_fork_bomb_is_capped_and_every_process_is_reaped(side: Side) -> None:
    marker = f"61.{uuid.uuid4().int % 10**6:06d}"
    bomb = (
        "import os\n"
        "failed = 0\n"
        "for _ in range(8):  # at most 2**8 processes even without the cap\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        failed += 1\n"
        f"os.execv('/bin/sleep', ['sleep', '{marker}'])\n"
    )
    with OthersEnded(side) as ended:
        result = side.run(bomb, side.workspace, ExecutionLimits(timeout_s=3.0, processes=16))
    assert result.timed_out
    # About 16 new processes: the cap is the user's process count when the run starts plus 16, so
    # processes of the same user that end during the run leave room, one each. Far below 2**8.
    assert result.peak_processes <= 16 + 8 + ended.count
    assert wait_until_gone(marker) == []


@linux_only
def test_processes_that_leave_the_session_die_with_the_snippet(side: Side) -> None:
    marker = f"62.{uuid.uuid4().int % 10**6:06d}"
    code = (
        "import os\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        f"        os.execv('/bin/sleep', ['sleep', '{marker}'])\n"
        "print('parent done')\n"
    )
    result = side.run(code, side.workspace)
    assert result.ok and result.stdout == "parent done\n"
    assert result.pid_namespace
    assert wait_until_gone(marker) == []


def test_memory_hog_gets_a_memory_error(side: Side) -> None:
    result = side.run(
        "x = bytearray(1024**3)\nprint(len(x))\n", side.workspace, ExecutionLimits(memory_bytes=512 * 1024**2)
    )
    if "memory_bytes" in " ".join(result.notes):
        pytest.skip("RLIMIT_AS is not enforced on this OS")
    assert result.exception_type == "MemoryError"
    assert result.stdout == ""


def test_huge_print_is_truncated_and_the_parent_stays_small() -> None:
    tracemalloc.start()
    try:
        result = execute_code("import sys\nsys.stdout.write('x' * 50_000_000)\n", WS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok
    assert result.stdout_truncated and len(result.stdout) == ExecutionLimits().max_output_bytes
    assert peak < 5 * 1024**2, f"the parent held {peak / 1e6:.1f} MB"


def test_big_files_and_many_open_files_are_refused(side: Side) -> None:
    big = side.run(
        "open('big.bin', 'wb').write(b'x' * 2_000_000)\n", side.workspace, ExecutionLimits(file_size_bytes=10**6)
    )
    assert (big.exception_type, big.exception_message) == ("OSError", "[Errno 27] File too large")
    many = side.run(
        "files = [open('README.md') for _ in range(500)]\n", side.workspace, ExecutionLimits(open_files=64)
    )
    assert many.exception_type == "OSError" and "Too many open files" in (many.exception_message or "")


# --------------------------------------------------------------------------- the filesystem


def test_home_is_the_temporary_directory_and_deleting_it_harms_nothing(side: Side) -> None:
    code = (
        "import os, shutil\n"
        "home = os.path.expanduser('~')\n"
        "print(home.endswith('/home'), os.path.exists(os.path.join(home, '.ssh')))\n"
        "shutil.rmtree(home)\n"
        "print(os.path.exists(home))\n"
    )
    result = side.run(code, side.workspace)
    assert result.ok, result.stderr
    assert result.stdout == "True False\nFalse\n"
    assert Path.home().exists()


def test_writing_outside_the_copy_is_refused(side: Side) -> None:
    tag = uuid.uuid4().hex
    in_tmp = Path(tempfile.gettempdir()) / f"codemode-stray-{tag}"
    in_project = PROJECT_ROOT / f"codemode-stray-{tag}"
    targets = [side.sentinel, side.outside / "new.txt", in_project, in_tmp]
    code = (
        "import pathlib, shutil\n"
        f"for target in {[str(t) for t in targets]!r}:\n"
        "    try:\n"
        "        pathlib.Path(target).write_text('pwned')\n"
        "        print('wrote')\n"
        "    except OSError as exc:\n"
        "        print(type(exc).__name__)\n"
        "try:\n"
        f"    shutil.rmtree({str(side.secret.parent.parent)!r})\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    result = side.run(code, side.workspace)
    lines = result.stdout.splitlines()
    # The user's folder does not exist in the sandbox's root (its private /tmp is empty).
    assert {lines[0], lines[1], lines[4]} <= REFUSED, lines
    # The project is on a read-only mount (and not writable by the unprivileged user anyway).
    assert lines[2] in ("PermissionError", "OSError")
    # /tmp is a private, empty tmpfs: the write lands there and vanishes with the sandbox.
    assert lines[3] in ("wrote", "PermissionError", "OSError")
    assert not any(t.exists() for t in targets[1:])
    assert result.privileges_dropped and result.readonly_outside


@linux_only
def test_other_temporary_files_are_hidden(side: Side) -> None:
    mine = Path(tempfile.gettempdir()) / f"codemode-visible-{uuid.uuid4().hex}.txt"
    mine.write_text("a world-readable temporary file of someone else")
    mine.chmod(0o644)
    try:
        result = side.run(f"import os\nprint(os.path.exists({str(mine)!r}))\n", side.workspace)
    finally:
        mine.unlink()
    assert result.stdout == "False\n"


def test_reading_a_secret_outside_is_refused(side: Side) -> None:
    result = side.run(f"print(open(r'{side.secret}').read())\n", side.workspace)
    assert result.exception_type in REFUSED
    assert "FAKE PRIVATE KEY" not in result.stdout + result.stderr


def test_the_callers_home_is_hidden(side: Side) -> None:
    real_home = os.path.expanduser("~root") if side.name == "caller" and INFO.is_root else str(Path.home())
    code = f"import os\nprint(sorted(os.listdir(r'{real_home}')))\n"
    result = side.run(code, side.workspace)
    visible = set(ast.literal_eval(result.stdout)) if result.ok else set()
    assert not visible & {".ssh", ".bash_history", ".netrc", ".aws", ".config", ".bashrc", ".profile"}


# --------------------------------------------------------------------------- network, signals, ctypes


def test_network_is_unreachable(side: Side) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            f"for address in [('127.0.0.1', {port}), ('1.1.1.1', 80)]:\n"
            "    try:\n"
            "        socket.create_connection(address, timeout=2)\n"
            "        print('connected', address)\n"
            "    except OSError as exc:\n"
            "        print(type(exc).__name__)\n"
        )
        result = side.run(code, side.workspace)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody knocked
    assert "connected" not in result.stdout
    assert len(result.stdout.splitlines()) == 2
    assert result.network_isolated


def test_killing_the_parent_does_not_kill_the_caller() -> None:
    code = (
        "import os, signal\n"
        "try:\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
        "print('still here')\n"
    )
    # The caller is a separate process, so that if the kill reached it, it would die, not pytest.
    caller = textwrap.dedent(f"""
        from core.codemode.executor import execute_code
        print(execute_code({code!r}, {str(WS)!r}).model_dump_json())
    """)
    proc = subprocess.run([sys.executable, "-c", caller], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT)
    assert proc.returncode == 0, f"the caller died ({proc.returncode}): {proc.stderr[-2000:]}"
    result = ExecutionResult.model_validate_json(proc.stdout.strip().splitlines()[-1])
    assert result.stdout.endswith("still here\n"), result.stdout + result.stderr
    assert result.exception_type is None and not result.timed_out


def test_signalling_the_caller_by_pid_fails(side: Side) -> None:
    me = os.getpid()
    code = (
        "import os, signal\n"
        "for sig in (signal.SIGKILL,):\n"
        "    try:\n"
        f"        os.kill({me}, sig)\n"
        "        print('sent')\n"
        "    except OSError as exc:\n"
        "        print(type(exc).__name__)\n"
        f"    try:\n        os.killpg(os.getpgid({me}), sig)\n        print('sent')\n"
        "    except OSError as exc:\n"
        "        print(type(exc).__name__)\n"
    )
    result = side.run(code, side.workspace)
    assert "sent" not in result.stdout
    assert set(result.stdout.split()) <= {"ProcessLookupError", "PermissionError"}
    assert os.getpid() == me and signal.SIGKILL  # alive


def test_ctypes_imports_but_cannot_regain_privileges(side: Side) -> None:
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.getuid() == os.getuid())\n"
        "print(libc.setuid(0), libc.unshare(0x40000000))\n"
        "print(libc.unshare(0x10000000))  # CLONE_NEWUSER\n"
    )
    result = side.run(code, side.workspace)
    assert result.ok, result.stderr
    first, second, third = result.stdout.splitlines()
    assert first == "True"  # ctypes works: it is not blocked, the OS decides what it may do
    assert result.privileges_dropped
    assert second == "-1 -1"  # no setuid(0), no new namespaces: no capabilities left
    if result.confinement.startswith("namespaces-user"):
        assert third == "-1"  # and no further user namespace either
