"""The child side of ``execute_code``: confine this process, then run the snippet.

The executor starts the interpreter with ``-c BOOTSTRAP``, this file's source
and the path of a JSON config as arguments (so nothing from ``core`` is
imported unless the snippet uses a tool). In order, it:

1. when root inside fresh mount/pid/net namespaces: re-mounts the directories
   that hold the interpreter and the project so an unprivileged user can reach
   them, hiding the rest of any unreadable parent directory (e.g. ``/root``);
2. sets the resource limits (CPU, address space, open files, processes, file size);
3. when root: drops to the unprivileged user (``nobody``) and sets no_new_privs;
4. binds the tools (lazily: the tools and Pydantic are imported only when the
   snippet mentions them) and runs the snippet as ``__main__``;
5. writes what happened (exception type and message, setup notes) to a result
   file; the snippet's stdout/stderr go straight to the parent's pipes.

Only the standard library is imported here before the snippet runs.
"""

import json
import os
import sys

HARNESS_FILENAME = "<codemode-harness>"
BOOTSTRAP = "import sys; exec(compile(sys.argv.pop(1), '<codemode-harness>', 'exec'))"
"""The ``-c`` program: compile this file's source (argv[1]) under a name tracebacks can hide."""


def _libc():  # type: ignore[no-untyped-def]
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def _in_own_mount_namespace(parent_ns: object) -> bool:
    try:
        mine = os.readlink("/proc/self/ns/mnt")
    except OSError:
        return False
    return isinstance(parent_ns, str) and bool(parent_ns) and mine != parent_ns


def _mount_plan(plan: list[list[object]], stage_dir: str) -> None:
    """Make each needed path reachable: bind it aside, cover its blocked ancestor with a tmpfs, bind it back."""
    ctypes, libc = _libc()
    ms_bind, ms_rec, ms_nosuid, ms_nodev, mnt_detach = 4096, 16384, 2, 4, 2

    def check(rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def mount(src: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
        rc = libc.mount(
            src.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        )
        check(rc, f"mount {src} on {target}")

    old_umask = os.umask(0o022)
    try:
        for group_index, (blocked, needed) in enumerate(plan):
            assert isinstance(blocked, str) and isinstance(needed, list)
            staged = []
            for i, path in enumerate(needed):
                stage = os.path.join(stage_dir, f"{group_index}_{i}")
                if os.path.isdir(path):
                    os.makedirs(stage, exist_ok=True)
                else:
                    open(stage, "a").close()
                mount(path, stage, None, ms_bind | ms_rec, None)
                staged.append((path, stage))
            mount("tmpfs", blocked, "tmpfs", ms_nosuid | ms_nodev, "mode=0755,size=1m")
            for path, stage in staged:
                if os.path.isdir(stage):
                    os.makedirs(path, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    open(path, "a").close()
                mount(stage, path, None, ms_bind | ms_rec, None)
                check(libc.umount2(stage.encode(), mnt_detach), f"umount {stage}")
    finally:
        os.umask(old_umask)


def _readonly_outside(writable: str, private_tmp: str | None) -> None:
    """Make every mount read-only except ``writable`` (the sandbox), a fresh /dev/shm and,
    when ``private_tmp`` is given, a fresh empty tmpfs over it (the sandbox re-bound inside),
    which hides other users' temporary files."""
    machine = os.uname().machine
    if machine not in ("x86_64", "aarch64", "arm64"):
        raise OSError(f"mount_setattr: unknown syscall number on {machine}")
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    class MountAttr(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint64) for n in ("attr_set", "attr_clr", "propagation", "userns_fd")]

    sys_mount_setattr, at_fdcwd, at_recursive, mount_attr_rdonly = 442, -100, 0x8000, 0x1
    ms_bind, ms_rec, ms_nosuid, ms_nodev = 4096, 16384, 2, 4
    tmpfs_flags = ctypes.c_ulong(ms_nosuid | ms_nodev)

    def check(rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def bind(source: str, target: str) -> None:
        rc = libc.mount(source.encode(), target.encode(), None, ctypes.c_ulong(ms_bind | ms_rec), None)
        check(rc, f"bind {source} on {target}")

    def set_attr(path: str, set_: int, clear: int) -> None:
        attr = MountAttr(set_, clear, 0, 0)
        rc = libc.syscall(
            sys_mount_setattr, at_fdcwd, path.encode(), at_recursive, ctypes.byref(attr), ctypes.sizeof(attr)
        )
        check(rc, f"mount_setattr {path}")

    writable_mounts = [writable]
    if private_tmp:
        keep = os.open(writable, os.O_RDONLY | os.O_DIRECTORY)
        try:
            check(
                libc.mount(b"tmpfs", private_tmp.encode(), b"tmpfs", tmpfs_flags, b"size=64m,mode=1777"),
                "tmp",
            )
            os.makedirs(writable, mode=0o700)
            bind(f"/proc/self/fd/{keep}", writable)
        finally:
            os.close(keep)
        writable_mounts.insert(0, private_tmp)
    else:
        bind(writable, writable)
    set_attr("/", mount_attr_rdonly, 0)
    for path in writable_mounts:
        set_attr(path, 0, mount_attr_rdonly)
    if os.path.isdir("/dev/shm"):
        check(
            libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", tmpfs_flags, b"size=64m,mode=1777"), "mount /dev/shm"
        )


def _set_limits(limits: dict[str, int], notes: dict[str, object]) -> None:
    import resource

    names = {
        "cpu_seconds": "RLIMIT_CPU",
        "memory_bytes": "RLIMIT_AS",
        "open_files": "RLIMIT_NOFILE",
        "processes": "RLIMIT_NPROC",
        "file_size_bytes": "RLIMIT_FSIZE",
        "core_bytes": "RLIMIT_CORE",
    }
    failed = []
    for key, rname in names.items():
        value = limits.get(key)
        rlimit = getattr(resource, rname, None)
        if value is None or rlimit is None:
            continue
        try:
            _soft, hard = resource.getrlimit(rlimit)
            # CPU: SIGXCPU at the soft limit (reported as an exception), SIGKILL a second later.
            new_hard = value + 1 if key == "cpu_seconds" else value
            if hard != resource.RLIM_INFINITY:
                value, new_hard = min(value, hard), min(new_hard, hard)
            resource.setrlimit(rlimit, (value, new_hard))
        except (ValueError, OSError):
            failed.append(key)
    notes["limits_failed"] = failed


def _drop_privileges(uid: int, gid: int, notes: dict[str, object]) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    notes["privileges_dropped"] = os.getuid() == uid and os.geteuid() == uid
    try:
        ctypes, libc = _libc()
        pr_set_no_new_privs = 38
        notes["no_new_privs"] = libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) == 0
    except OSError:
        notes["no_new_privs"] = False


def _import_tools(project_root: str):  # type: ignore[no-untyped-def]
    # The project root goes first so a workspace's own ``core`` package cannot shadow ours.
    sys.path.insert(0, project_root)
    try:
        import core.codemode.tools as tools
    finally:
        sys.path.remove(project_root)
    return tools


def _lazy_tool(name: str, project_root: str):  # type: ignore[no-untyped-def]
    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        return getattr(_import_tools(project_root), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _raise_on_cpu_limit() -> None:
    import signal

    def on_xcpu(signum: int, frame: object) -> None:
        raise TimeoutError("CPU time limit exceeded")

    if hasattr(signal, "SIGXCPU"):
        signal.signal(signal.SIGXCPU, on_xcpu)


def _run_snippet(source: str, names: list[str], project_root: str, result: dict[str, object]) -> int:
    import builtins
    import linecache
    import traceback
    import types

    filename = "<execute_code>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    if any(name in source for name in names):
        tools = _import_tools(project_root)
        module.__dict__.update({name: getattr(tools, name) for name in names if hasattr(tools, name)})
    else:
        module.__dict__.update({name: _lazy_tool(name, project_root) for name in names if name.islower()})
    sys.modules["__main__"] = module
    sys.argv = [filename]
    _raise_on_cpu_limit()
    exit_code = 0
    try:
        code = compile(source, filename, "exec")
        exec(code, module.__dict__)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result["exception_type"] = "SystemExit"
            result["exception_message"] = str(exc.code)
            exit_code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # report everything the snippet raised, KeyboardInterrupt included
        result["exception_type"] = type(exc).__name__
        result["exception_message"] = str(exc)[:2000]
        try:
            sys.stdout.flush()
        except Exception:
            pass
        # Hide the harness's own frames: the model should see only its code's frames.
        te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
        te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename != HARNESS_FILENAME])
        sys.stderr.write("".join(te.format()))
        exit_code = 1
    return exit_code


def main(config_path: str) -> None:
    with open(config_path, encoding="utf-8") as fh:
        cfg = json.load(fh)
    with open(cfg["code_path"], encoding="utf-8") as fh:
        source = fh.read()
    notes: dict[str, object] = {"privileges_dropped": False, "mounts_ok": None, "readonly_outside": False}
    drop = cfg.get("drop_to")
    wants_mounts = bool(cfg.get("mount_plan") or cfg.get("readonly_outside"))
    if wants_mounts and not _in_own_mount_namespace(cfg.get("parent_mount_ns")):
        # Never touch the caller's mounts: without a namespace of our own, mount nothing.
        notes["mounts_ok"] = False
        notes["mount_error"] = notes["readonly_error"] = "not in a private mount namespace"
        if cfg.get("mount_plan"):
            drop = None
    else:
        if cfg.get("mount_plan"):
            try:
                _mount_plan(cfg["mount_plan"], cfg["stage_dir"])
                notes["mounts_ok"] = True
            except OSError as exc:
                notes["mounts_ok"] = False
                notes["mount_error"] = str(exc)
                drop = None  # the unprivileged user could not reach the interpreter
        if cfg.get("readonly_outside"):
            try:
                _readonly_outside(cfg["readonly_outside"], cfg.get("private_tmp"))
                notes["readonly_outside"] = True
            except OSError as exc:
                notes["readonly_error"] = str(exc)
    _set_limits(cfg.get("limits", {}), notes)
    if drop:
        try:
            _drop_privileges(int(drop[0]), int(drop[1]), notes)
        except OSError as exc:
            notes["drop_error"] = str(exc)
    os.chdir(cfg["workdir"])
    result: dict[str, object] = {"setup": notes, "exception_type": None, "exception_message": None}
    try:
        with open(cfg["result_path"], "w", encoding="utf-8") as fh:
            json.dump(result, fh)  # setup notes survive even if the snippet kills this process
    except OSError:
        pass
    exit_code = _run_snippet(source, list(cfg.get("names", [])), cfg["project_root"], result)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    try:
        with open(cfg["result_path"], "w", encoding="utf-8") as fh:
            json.dump(result, fh)
    except OSError:
        pass  # the snippet may have deleted its own sandbox; the exit code still tells
    sys.exit(exit_code)


if __name__ == "__main__":
    main(sys.argv[1])
