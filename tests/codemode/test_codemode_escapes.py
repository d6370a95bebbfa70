"""Escapes a snippet might try: each is contained, both as root and as an unprivileged caller.

The first test holds the four escapes that once worked for an unprivileged user (deleting and
creating a file outside the copy, writing into the original workspace, reading a secret). Each
case runs once per ``side`` (tests/codemode/sandbox_sides.py), and the fixture checks afterwards
that the user's files, the workspace and the project are as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_sides import (  # the `side` fixture comes from conftest.py
    REFUSED,
    Side,
    attempts,
    linux_only,
    outcomes,
)
from test_codemode_hostile import OthersEnded, wait_until_gone

from core.codemode.executor import ExecutionLimits


def test_the_escapes_once_open_to_an_unprivileged_user_are_closed(side: Side) -> None:
    victim = side.victim
    result = side.run(attempts({
        "delete": f"os.remove({str(victim)!r})",
        "create": f"open({str(side.outside / 'created.txt')!r}, 'w').write('x')",
        "write_workspace": f"open({str(side.workspace / 'README.md')!r}, 'a').write('pwned')",
        "read_secret": f"open({str(side.secret)!r}).read()",
    }), side.workspace)
    out = outcomes(result)
    assert set(out.values()) <= REFUSED, out
    assert victim.read_text() == "delete me not"
    assert not (side.outside / "created.txt").exists()


def test_symlinks_made_by_the_snippet_lead_nowhere(side: Side) -> None:
    result = side.run(attempts({
        "link_write": f"(os.symlink({str(side.sentinel)!r}, 'out.txt'), open('out.txt', 'w').write('pwned'))",
        "link_read": f"(os.symlink({str(side.secret)!r}, 'key'), open('key').read())",
        "link_dir": f"(os.symlink({str(side.outside)!r}, 'dir'), os.listdir('dir'))",
        "link_workspace": f"(os.symlink({str(side.workspace)!r}, 'ws'), open('ws/README.md', 'a').write('x'))",
    }), side.workspace)
    assert set(outcomes(result).values()) <= REFUSED, result.stdout


@pytest.fixture
def hard_linked(side: Side) -> Iterator[tuple[Path, Path]]:
    """A workspace of the side's user whose ``notes.txt`` is a hard link to a file outside it."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-hardlink-"))
    (folder / "ws").mkdir()
    original = folder / "important.txt"
    original.write_text("keep me")
    os.link(original, folder / "ws" / "notes.txt")
    side.own(folder)
    yield folder / "ws", original
    shutil.rmtree(folder, ignore_errors=True)


def test_hard_links_do_not_reach_outside_files(side: Side, hard_linked: tuple[Path, Path]) -> None:
    ws, original = hard_linked
    result = side.run(attempts({
        "through_workspace_link": "open('notes.txt', 'w').write('pwned')",
        "new_link_to_sentinel": f"os.link({str(side.sentinel)!r}, 'hard.txt')",
        "new_link_to_original": f"os.link({str(original)!r}, 'hard2.txt')",
    }), ws)
    out = outcomes(result)
    assert out["through_workspace_link"] == "5"  # the copy's own file, not a link any more
    assert {out["new_link_to_sentinel"], out["new_link_to_original"]} <= REFUSED, out
    assert original.read_text() == "keep me" and (ws / "notes.txt").read_text() == "keep me"


@linux_only
def test_proc_self_root_is_the_sandbox_root(side: Side) -> None:
    result = side.run(attempts({
        "read_secret": f"open('/proc/self/root' + {str(side.secret)!r}).read()",
        "write_sentinel": f"open('/proc/self/root' + {str(side.sentinel)!r}, 'w').write('x')",
        "pid1_root": f"open('/proc/1/root' + {str(side.secret)!r}).read()",
        "same_root": "sorted(os.listdir('/proc/self/root/')) == sorted(os.listdir('/'))",
        "home_visible": "os.path.exists('/proc/self/root/home')",
    }), side.workspace)
    out = outcomes(result)
    assert {out["read_secret"], out["write_sentinel"], out["pid1_root"]} <= REFUSED, out
    assert (out["same_root"], out["home_visible"]) == ("True", "False")


def _sleeper(uid: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "30"], env=env or {"PATH": "/usr/bin:/bin"},
                            user=uid if uid != os.getuid() else None)


@linux_only
def test_ptrace_reaches_no_process_outside(side: Side) -> None:
    same_user = _sleeper(side.uid)
    try:
        code = (
            "import ctypes, os\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"for pid in ({os.getpid()}, {same_user.pid}):\n"
            "    rc = libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH\n"
            "    print(rc, os.strerror(ctypes.get_errno()))\n"
        )
        result = side.run(code, side.workspace)
    finally:
        same_user.kill()
        same_user.wait()
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("-1 ") for line in lines), result.stdout + result.stderr


def test_raw_sockets_are_refused(side: Side) -> None:
    result = side.run(attempts({
        "icmp": "socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
        "packet": "socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)",
    }), side.workspace)
    assert set(outcomes(result).values()) <= {"PermissionError"}, result.stdout


@linux_only
def test_dev_shm_is_private(side: Side) -> None:
    name = f"codemode-shm-{uuid.uuid4().hex}"
    result = side.run(attempts({"write": f"open('/dev/shm/{name}', 'w').write('x')",
                                "others": "[n for n in os.listdir('/dev/shm') if n != " + repr(name) + "]"}),
                      side.workspace)
    out = outcomes(result)
    assert out["write"] in ("1", "PermissionError"), out
    assert out["others"] == "[]"  # nothing of anyone else's is visible
    assert not os.path.exists(f"/dev/shm/{name}")


def test_forking_past_the_limit_fails_and_every_process_is_reaped(side: Side) -> None:
    marker = f"64.{uuid.uuid4().int % 10**6:06d}"
    code = (
        "import os\n"
        "made = 0\n"
        "try:\n"
        "    for _ in range(64):\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['sleep', '{marker}'])\n"
        "        made += 1\n"
        "    print(made, 'no error')\n"
        "except OSError as exc:\n"
        "    print(made, type(exc).__name__)\n"
    )
    with OthersEnded(side) as ended:
        result = side.run(code, side.workspace, ExecutionLimits(processes=8))
    made, error = result.stdout.split()
    # The cap is the user's process count at the start plus 8; the user's other processes that
    # end meanwhile leave room, one each. Far below the 64 the snippet asked for.
    assert error == "BlockingIOError" and int(made) <= 8 + 8 + ended.count, (result.stdout, ended.count)
    assert wait_until_gone(marker) == []


@linux_only
def test_other_processes_environments_are_out_of_reach(side: Side) -> None:
    token = f"CODEMODE_SECRET_{uuid.uuid4().hex}"
    env = {"PATH": "/usr/bin:/bin", "TOKEN": token}
    others = [_sleeper(os.getuid(), env), _sleeper(side.uid, env)]
    try:
        code = (
            "import os\n"
            "found = []\n"
            "for pid in [p for p in os.listdir('/proc') if p.isdigit()] + "
            f"[str(p) for p in {[p.pid for p in others]!r}]:\n"
            "    try:\n"
            "        if " + repr(token) + ".encode() in open(f'/proc/{pid}/environ', 'rb').read():\n"
            "            found.append(pid)\n"
            "    except OSError:\n"
            "        pass\n"
            "print(found)\n"
        )
        result = side.run(code, side.workspace)
    finally:
        for proc in others:
            proc.kill()
            proc.wait()
    assert result.stdout == "[]\n", result.stdout + result.stderr


def test_a_fifo_or_link_left_in_place_of_the_result_files_does_not_stall_the_caller(side: Side) -> None:
    records = side.outside / "records.jsonl"
    code = (
        "import os\n"
        "meta = os.path.join(os.path.dirname(os.getcwd()), 'meta')\n"
        "os.remove(os.path.join(meta, 'result.json'))\n"
        "os.mkfifo(os.path.join(meta, 'result.json'))\n"
        f"os.symlink({str(records)!r}, os.path.join(meta, 'calls.jsonl'))\n"
        "print('planted')\n"
    )
    records.write_text('{"name": "typecheck", "ok": true}\n')  # what a followed link would read
    side.own(records)
    try:
        result = side.run(code, side.workspace, ExecutionLimits(timeout_s=3))
    finally:
        records.unlink()
    assert result.stdout == "planted\n"
    assert result.tool_calls == []  # the link was not followed
    assert result.duration_s < 6


@linux_only
def test_the_snippet_cannot_undo_its_confinement(side: Side) -> None:
    code = (
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.umount2(b'/tmp', 2), libc.umount2(b'/', 2))  # MNT_DETACH\n"
        "print(libc.mount(None, b'/', None, 32 | 4096, None))  # MS_REMOUNT | MS_BIND, read-write\n"
        "print(libc.mount(b'tmpfs', b'/usr', b'tmpfs', 0, None), libc.chroot(b'/tmp'))\n"
        "print(sorted({l.split()[1] for l in open('/proc/self/status') if l.startswith('Cap')}))\n"
    )
    result = side.run(code, side.workspace)
    assert result.stdout.splitlines() == ["-1 -1", "-1", "-1 -1", "['0000000000000000']"], result.stderr
