"""The child side of the Linux confinement: a new root holding only what the policy lists.

Standard library only. The executor prepends this file's source to ``_harness.py``'s, so the
harness calls these functions without importing anything from ``core``. Inside fresh mount,
pid and network namespaces (made by ``unshare``, as root or in an unprivileged user
namespace), ``enter_new_root`` builds an empty tmpfs, binds into it the read-only paths (the
system folders, the Python install, the project), the writable run folder (the workspace copy,
its HOME and TMPDIR), a minimal ``/dev``, a fresh ``/proc``, and empty private ``/tmp`` and
``/dev/shm``; makes every mount read-only except the writable ones; and moves its root there
(``pivot_root``), detaching the old one. Nothing else on disk is reachable afterwards: not the
home folder, not other users' temporary files, not the original workspace.

``drop_user_namespace`` (without root) then enters a nested user namespace mapped to the
caller's own uid: the process keeps no capability over its mounts, its network or its pids, and
cannot create further user namespaces. As root, the harness drops to ``nobody`` instead.
"""

import ctypes
import os

_SYSCALLS = {
    # name: (x86_64, aarch64)
    "mount_setattr": (442, 442),
    "pivot_root": (155, 41),
    "capset": (126, 91),
    "unshare": (272, 97),
}
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC = 4096, 16384
_MNT_DETACH, _AT_RECURSIVE, _ATTR_RDONLY = 2, 0x8000, 0x1
_CLONE_NEWUSER = 0x10000000
_DEVICES = ("null", "zero", "full", "random", "urandom")


def _cdll() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _nr(name: str) -> int:
    machine = os.uname().machine
    if machine == "x86_64":
        return _SYSCALLS[name][0]
    if machine in ("aarch64", "arm64"):
        return _SYSCALLS[name][1]
    raise OSError(f"{name}: unknown syscall number on {machine}")


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    libc = _cdll()
    rc = libc.mount(
        src.encode(), target.encode(), fstype.encode() if fstype else None, ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    _check(rc, f"mount {src} on {target}")


def _set_readonly(path: str, readonly: bool, recursive: bool) -> None:
    libc = _cdll()

    class MountAttr(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint64) for n in ("attr_set", "attr_clr", "propagation", "userns_fd")]

    attr = MountAttr(_ATTR_RDONLY if readonly else 0, 0 if readonly else _ATTR_RDONLY, 0, 0)
    flags = _AT_RECURSIVE if recursive else 0
    rc = libc.syscall(_nr("mount_setattr"), -100, path.encode(), flags, ctypes.byref(attr), ctypes.sizeof(attr))
    _check(rc, f"mount_setattr {path}")


def _mount_point(target: str, like: str) -> None:
    """Create ``target`` (a folder, or an empty file when ``like`` is not a folder) inside the new root."""
    if os.path.isdir(like):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()


def _minimal_dev(dev: str, notes: dict[str, object]) -> None:
    os.makedirs(dev, exist_ok=True)
    _mount("tmpfs", dev, "tmpfs", _MS_NOSUID | _MS_NOEXEC, "mode=0755,size=64k")
    for name in _DEVICES:
        if os.path.exists(f"/dev/{name}"):
            _mount_point(f"{dev}/{name}", f"/dev/{name}")
            _mount(f"/dev/{name}", f"{dev}/{name}", None, _MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.mkdir(f"{dev}/shm")


def enter_new_root(plan: dict[str, object], notes: dict[str, object]) -> None:
    """Build the new root described by ``plan`` at ``plan["new_root"]`` and move into it.

    ``plan``: ``new_root`` (an empty folder inside the writable run folder), ``readonly`` and
    ``writable`` (absolute host paths, bound at the same place), ``tmpfs`` (fresh empty folders,
    e.g. ``/tmp``), ``size`` (tmpfs size option). Raises ``OSError`` when any step fails.
    """
    new_root = str(plan["new_root"])
    readonly = [str(p) for p in plan.get("readonly", []) or []]  # type: ignore[attr-defined]
    writable = [str(p) for p in plan.get("writable", []) or []]  # type: ignore[attr-defined]
    tmpfs = [str(p) for p in plan.get("tmpfs", []) or []]  # type: ignore[attr-defined]
    size = str(plan.get("size") or "64m")
    old_umask = os.umask(0o022)
    try:
        _mount("tmpfs", new_root, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for path, points_to in dict(plan.get("links") or {}).items():  # type: ignore[call-overload]
            os.makedirs(os.path.dirname(new_root + path), exist_ok=True)
            os.symlink(points_to, new_root + path)
        ops = [(p, "ro") for p in readonly] + [(p, "rw") for p in writable] + [(p, "tmpfs") for p in tmpfs]
        # Parents before children: /tmp's tmpfs before the run folder bound inside it.
        for path, kind in sorted(ops, key=lambda op: (op[0].rstrip("/").count("/"), op[0])):
            target = new_root + path
            if kind == "tmpfs":
                os.makedirs(target, exist_ok=True)
                _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=1777,size={size}")
                continue
            _mount_point(target, path)
            # The run folder holds the new root itself: bind it alone, not its mounts.
            _mount(path, target, None, _MS_BIND | (_MS_REC if kind == "ro" else 0))
        _minimal_dev(new_root + "/dev", notes)
        _mount("tmpfs", new_root + "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=1777,size={size}")
        os.makedirs(new_root + "/proc", exist_ok=True)
        try:
            _mount("proc", new_root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
            notes["fresh_proc"] = True
        except OSError as exc:  # e.g. a container that masks parts of /proc
            # Never the host's /proc: its /proc/<pid>/root would lead back to the real root.
            notes["fresh_proc"] = f"no /proc in the sandbox (a fresh one could not be mounted: {exc})"
        _set_readonly(new_root, True, recursive=True)
        for path in [*writable, *tmpfs, "/dev/shm", *(["/proc"] if notes.get("fresh_proc") is True else [])]:
            _set_readonly(new_root + path, False, recursive=False)
    finally:
        os.umask(old_umask)
    libc = _cdll()
    os.chdir(new_root)
    _check(libc.syscall(_nr("pivot_root"), b".", b"."), "pivot_root")
    _check(libc.umount2(b".", _MNT_DETACH), "detach the old root")
    os.chdir("/")
    notes["new_root"] = True


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(text)


def drop_bounding_set() -> None:
    """Empty the capability bounding set and the ambient set: no later execve can grant any."""
    libc = _cdll()
    pr_capbset_drop, pr_cap_ambient, pr_cap_ambient_clear_all = 24, 47, 4
    for cap in range(64):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    libc.prctl(pr_cap_ambient, pr_cap_ambient_clear_all, 0, 0, 0)


def _drop_capabilities() -> None:
    libc = _cdll()
    drop_bounding_set()
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (x2): all empty
    _check(libc.syscall(_nr("capset"), header, data), "capset")


def drop_user_namespace(uid: int, gid: int, notes: dict[str, object]) -> None:
    """Leave every capability behind: a nested user namespace mapped to the caller's ``uid``/``gid``,
    no capabilities in it, no new privileges, and no further user namespaces."""
    libc = _cdll()
    # This namespace's own limit: the nested one below is the last user namespace allowed.
    _write("/proc/sys/user/max_user_namespaces", "1")
    _check(libc.syscall(_nr("unshare"), _CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} 0 1\n")
    _write("/proc/self/gid_map", f"{gid} 0 1\n")
    _drop_capabilities()
    notes["no_new_privs"] = libc.prctl(38, 1, 0, 0, 0) == 0
    notes["privileges_dropped"] = os.getuid() == uid and os.geteuid() == uid
