"""The child side of ``execute_code``: confine this process, then run the snippet.

The executor starts the interpreter with ``-c BOOTSTRAP``, this file's source
and the path of a JSON config as arguments (so nothing from ``core`` is
imported unless the snippet uses a tool). In order, it:

1. Linux: builds the new root the policy describes (``core.codemode._mounts``, whose
   source the executor prepends to this one) and moves into it; under Seatbelt the
   confinement comes from ``sandbox-exec`` outside;
2. sets the resource limits (CPU, address space, open files, processes, file size);
3. gives up its privileges: drops to ``nobody`` as root, or enters a nested user namespace
   mapped to the caller's uid with no capabilities; sets no_new_privs. If any step of the
   confinement failed and the run requires it, exits with ``REFUSED_EXIT`` without running
   the snippet;
4. binds the tools as stubs (``core.codemode._stubs``: each call goes over a pipe
   to the executor, which runs the real tool; lazily: Pydantic is imported only
   when the snippet mentions a tool) and runs the snippet as ``__main__``,
   tracing which of its lines run;
5. writes what happened (exception type and message, setup notes, the fields of
   returned models the code read, the lines that ran, what each of its prints
   wrote) to a result file; the
   snippet's stdout/stderr go straight to the parent's pipes.

In tool mode (an inline config with ``tools``, started by the executor's broker)
steps 1-3 are the same; then it runs the real tools, one call per line of stdin,
and writes each reply as a JSON line to the stdout only the executor reads.

Only the standard library is imported here before the snippet runs.
"""

import json
import os
import sys

if __name__ != "__main__":  # imported for its names; the executor prepends _mounts.py's source
    from core.codemode._mounts import drop_bounding_set, drop_user_namespace, enter_new_root

HARNESS_FILENAME = "<codemode-harness>"
REFUSED_EXIT = 97
"""Exit status when the confinement did not hold and the snippet was not run."""
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


def _confine(cfg: dict[str, object], notes: dict[str, object]) -> bool:
    """Build the new root (Linux); True when it holds. Never mounts in the caller's namespace."""
    plan = cfg.get("mount_plan")
    if not isinstance(plan, dict):
        seatbelt = cfg.get("engine") == "seatbelt"  # confined from outside by sandbox-exec
        notes["readonly_outside"] = seatbelt
        return seatbelt
    if not _in_own_mount_namespace(cfg.get("parent_mount_ns")):
        notes["confine_error"] = "not in a private mount namespace"
        return False
    try:
        enter_new_root(plan, notes)
    except Exception as exc:  # any failure means: not confined, so the snippet must not run
        notes["confine_error"] = f"{type(exc).__name__}: {exc}"
        return False
    notes["readonly_outside"] = True
    return True


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


def _drop_to_user(uid: int, gid: int, notes: dict[str, object]) -> None:
    drop_bounding_set()
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


def _import_stubs(project_root: str, channel: dict[str, int]):  # type: ignore[no-untyped-def]
    sys.path.insert(0, project_root)
    try:
        import core.codemode._stubs as stubs
    finally:
        sys.path.remove(project_root)
    stubs.connect(int(channel["request_fd"]), int(channel["reply_fd"]))
    return stubs


def _lazy_tool(name: str, project_root: str, channel: dict[str, int]):  # type: ignore[no-untyped-def]
    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        return _import_stubs(project_root, channel).stubs()[name](*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _trace_lines(filename: str, lines: set):  # type: ignore[no-untyped-def,type-arg]
    """Record which lines of the snippet run (only its own frames are traced)."""
    import threading

    def local(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            lines.add(frame.f_lineno)
        return local

    def start(frame, event, arg):  # type: ignore[no-untyped-def]
        if frame.f_code.co_filename != filename:
            return None
        lines.add(frame.f_lineno)
        return local

    sys.settrace(start)
    threading.settrace(start)


def _raise_on_cpu_limit() -> None:
    import signal

    def on_xcpu(signum: int, frame: object) -> None:
        raise TimeoutError("CPU time limit exceeded")

    if hasattr(signal, "SIGXCPU"):
        signal.signal(signal.SIGXCPU, on_xcpu)


def _trace_prints(filename: str, prints: list):  # type: ignore[no-untyped-def,type-arg]
    """Record what each ``print`` called from the snippet's own lines writes to stdout, by line."""
    import builtins

    original = builtins.print
    budget = [64_000]

    def print(*args, sep=None, end=None, file=None, flush=False):  # type: ignore[no-untyped-def]  # noqa: A001
        caller = sys._getframe(1)
        if caller.f_code.co_filename == filename and file in (None, sys.stdout) and budget[0] > 0:
            try:
                text = (" " if sep is None else str(sep)).join(str(a) for a in args) + ("\n" if end is None else str(end))
            except Exception:
                text = ""
            prints.append([caller.f_lineno, text[:budget[0]]])
            budget[0] -= len(text)
        return original(*args, sep=sep, end=end, file=file, flush=flush)

    builtins.print = print


def _run_snippet(source: str, cfg: dict, result: dict[str, object]) -> int:  # type: ignore[type-arg]
    import builtins
    import linecache
    import traceback
    import types

    names, project_root, channel = list(cfg.get("names", [])), cfg["project_root"], cfg["broker"]
    filename = "<execute_code>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    if any(name in source for name in names):
        # The tools are stubs that ask the executor to run the real tool outside this process.
        tools = _import_tools(project_root)
        module.__dict__.update({name: getattr(tools, name) for name in names if hasattr(tools, name)})
        module.__dict__.update(_import_stubs(project_root, channel).stubs())
    else:
        module.__dict__.update({name: _lazy_tool(name, project_root, channel) for name in names if name.islower()})
    sys.modules["__main__"] = module
    sys.argv = [filename]
    _raise_on_cpu_limit()
    exit_code = 0
    lines: set[int] = set()
    prints: list[list[object]] = []
    try:
        code = compile(source, filename, "exec")
        _trace_lines(filename, lines)
        _trace_prints(filename, prints)
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
    finally:
        sys.settrace(None)
    stubs = sys.modules.get("core.codemode._stubs")
    result["field_reads"] = stubs.reads() if stubs is not None else []
    result["lines_run"] = sorted(n for n in lines if n > 0)
    result["prints"] = prints
    return exit_code


def _serve_tools(cfg: dict) -> None:  # type: ignore[type-arg]
    """Tool mode: read one call per line (JSON: name, arguments) on stdin, run the real tool, write
    its reply as one JSON line to the original stdout, which only the executor reads; anything else
    the tools print goes to stderr. Ends at the end of stdin."""
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    try:
        _ctypes, libc = _libc()
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: programs the tools run cannot reach into this process
    except Exception:  # no prctl (macOS): Seatbelt's profile is the confinement there
        pass
    tools = _import_tools(cfg["project_root"])
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            result = tools.TOOLS[request["name"]](**request["arguments"])
            reply = {"ok": True, "result_type": type(result).__name__, "result": result.model_dump(mode="json")}
        except BaseException as exc:  # the tool's own error goes back to the snippet
            reply = {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:2000]}
        data = (json.dumps(reply) + "\n").encode("utf-8")
        while data:
            data = data[os.write(reply_fd, data):]
    sys.exit(0)


def main(config: str) -> None:
    if config.startswith("{"):  # a tool process gets its config inline: the run folder is the snippet's to write
        cfg = json.loads(config)
    else:
        with open(config, encoding="utf-8") as fh:
            cfg = json.load(fh)
    notes: dict[str, object] = {"privileges_dropped": False, "readonly_outside": False}
    confined = _confine(cfg, notes)
    _set_limits(cfg.get("limits", {}), notes)
    drop = cfg.get("drop")
    if confined and isinstance(drop, dict):
        try:
            if drop.get("how") == "user":
                _drop_to_user(int(drop["uid"]), int(drop["gid"]), notes)
            else:
                drop_user_namespace(int(drop["uid"]), int(drop["gid"]), notes)
        except Exception as exc:
            notes["drop_error"] = f"{type(exc).__name__}: {exc}"
            confined = False
    notes["confined"] = confined
    if cfg.get("require_confined") and not confined:
        # Fail closed: the snippet never runs outside its confinement.
        if not cfg.get("tools"):
            with open(cfg["result_path"], "w", encoding="utf-8") as fh:
                json.dump({"setup": notes, "refused": True}, fh)
        sys.exit(REFUSED_EXIT)
    os.chdir(cfg["workdir"])
    if cfg.get("tools"):
        _serve_tools(cfg)
    with open(cfg["code_path"], encoding="utf-8") as fh:
        source = fh.read()
    result: dict[str, object] = {"setup": notes, "exception_type": None, "exception_message": None}
    try:
        with open(cfg["result_path"], "w", encoding="utf-8") as fh:
            json.dump(result, fh)  # setup notes survive even if the snippet kills this process
    except OSError:
        pass
    exit_code = _run_snippet(source, cfg, result)
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
