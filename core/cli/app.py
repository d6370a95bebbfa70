"""The ``phase25`` command line: the parser, the pipeline subcommands (run, runs, show, stages,
config) and the live view of a run. Other subcommands are plug-ins in ``core/cli/commands/``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from core import events as ev
from core.cli.common import fmt_bytes, fmt_duration, load_or_exit, print_error
from core.fmt import STATUS_STYLE
from core.paths import remember_config
from core.pipeline import BY_NAME, STAGE_NAMES, UnknownStage, parse_stage_list
from core.run_index import UnreadableRun, index, unreadable_reason
from core.runs import LockedError, list_runs, open_run
from core.state import RunState, StageState

DEMO_NOTE = "demo config: tiny stand-in models built locally; their scores say nothing about the real models"


# -- rendering -----------------------------------------------------------------------------
def stage_table(state: RunState, names: list[str], now: float | None = None) -> Table:
    now = now or time.time()
    t = Table(show_header=True, header_style="bold", expand=False, box=None, pad_edge=False)
    t.add_column("stage")
    t.add_column("status")
    t.add_column("time", justify="right")
    t.add_column("")
    for n in names:
        st = state.stages[n]
        t.add_row(
            BY_NAME[n].title if n in BY_NAME else n,
            Text(st.status, style=STATUS_STYLE.get(st.status, "")),
            fmt_duration(st.elapsed(now)),
            st.headline or ((st.reason.splitlines() or [""])[0] if st.status == "failed" else ""),
        )
    return t


def live_line(state: RunState) -> Text:
    running = [s for s in state.stages.values() if s.status == "running"]
    if not running:
        return Text("")
    st = running[0]
    parts = [f"{BY_NAME[st.name].title if st.name in BY_NAME else st.name}"]
    tr = st.last_train
    if tr is not None:
        parts.append(f"iter {tr.iteration}/{tr.total_iters}")
        parts.append(f"loss {tr.train_loss:.3f}")
        if st.last_val is not None:
            parts.append(f"val {st.last_val.val_loss:.3f}")
        parts.append(f"{tr.tokens_per_second:.0f} tok/s")
        if tr.eta_s is not None:
            parts.append(f"ETA {fmt_duration(tr.eta_s)}")
    elif st.progress is not None:
        p = st.progress
        parts.append(f"{p.current}/{p.total}" if p.total else str(p.current))
        if p.message:
            parts.append(p.message)
    mem = [m for m in state.memory[-8:] if m.stage == st.name]
    rss = next((m.rss_bytes for m in reversed(mem) if m.rss_bytes), None)
    mlx = next((m.mlx_active_bytes for m in reversed(mem) if m.mlx_active_bytes is not None), None)
    if rss:
        parts.append(f"RSS {fmt_bytes(rss)}")
    if mlx is not None:
        parts.append(f"MLX {fmt_bytes(mlx)}")
    return Text(" · ".join(parts), style="yellow")


def plain_line(e: Any) -> str | None:
    """One line per notable event, for logs and non-terminals."""
    stage = getattr(e, "stage", None) or ""
    if isinstance(e, ev.RunStarted):
        return f"run {e.run_id}: {', '.join(e.stages)}"
    if isinstance(e, ev.StageStarted):
        return f"[{stage}] started (pid {e.pid})"
    if isinstance(e, ev.StageFinished):
        tag = "cached" if e.cached else "done"
        return f"[{stage}] {tag} in {fmt_duration(e.duration_s)}" + (f": {e.headline}" if e.headline else "")
    if isinstance(e, ev.StageFailed):
        tail = "\n".join("    " + ln for ln in e.stderr_tail[-15:])
        return f"[{stage}] FAILED: {e.reason}" + (f"\n{tail}" if tail else "")
    if isinstance(e, ev.StageCancelled):
        return f"[{stage}] cancelled" + (f"; checkpoint {e.checkpoint}" if e.checkpoint else "")
    if isinstance(e, (ev.TrainReport, ev.ValReport)) and e.replayed:
        return None  # the curve before a resume, re-sent from the checkpoint
    if isinstance(e, ev.TrainReport):
        eta = f" · ETA {fmt_duration(e.eta_s)}" if e.eta_s is not None else ""
        return (f"[{stage}] iter {e.iteration}/{e.total_iters} · loss {e.train_loss:.3f} · "
                f"{e.tokens_per_second:.0f} tok/s{eta}")
    if isinstance(e, ev.ValReport):
        return f"[{stage}] iter {e.iteration} · val loss {e.val_loss:.3f}"
    if isinstance(e, ev.LogLine) and e.level in ("warning", "error"):
        return f"[{stage}] {e.level}: {e.text}"
    if isinstance(e, ev.QueryResult):
        return f"[{stage}] {e.model} {e.query_id}: {'pass' if e.strict_pass else 'fail'}"
    if isinstance(e, ev.RunFinished):
        return f"run {e.status} in {fmt_duration(e.duration_s)}"
    return None


def new_equivalent(state: RunState, e: Any, shown: dict[str, str]) -> str | None:
    """``[stage] equivalent: COMMAND`` the first time a stage's plain mlx_lm command is known."""
    st = state.stages.get(getattr(e, "stage", None) or "")
    if st is None or not st.equivalent or shown.get(st.name) == st.equivalent:
        return None
    shown[st.name] = st.equivalent
    return f"[{st.name}] equivalent: {st.equivalent}"


def summary_table(state: RunState, names: list[str]) -> Table:
    t = Table(title=f"run {state.run_id} · {state.status}", show_lines=False)
    t.add_column("stage")
    t.add_column("status")
    t.add_column("time", justify="right")
    t.add_column("peak RSS", justify="right")
    t.add_column("peak MLX", justify="right")
    t.add_column("result")
    for n in names:
        st: StageState = state.stages[n]
        t.add_row(
            BY_NAME[n].title if n in BY_NAME else n,
            Text(st.status, style=STATUS_STYLE.get(st.status, "")),
            fmt_duration(st.elapsed(state.ended or time.time())),
            fmt_bytes(st.peak_rss),
            fmt_bytes(st.peak_mlx),
            st.headline or (st.reason.splitlines() or [""])[0],
        )
    return t


# -- commands ------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from core.runner import Pipeline

    cfg = load_or_exit(console, args.config, args.set or [])
    try:
        stages = parse_stage_list(args.stages)
        force = set(parse_stage_list(args.force)) if args.force else set()
    except UnknownStage as exc:
        print_error(console, exc)
        return 2
    if cfg.source:
        remember_config(cfg.source)
    console.print(f"config: {cfg.source}")
    if cfg.experiment.demo:
        console.print(f"[cyan]{DEMO_NOTE}[/cyan]")
    pipe = Pipeline(cfg, stages, force=force, grace_s=args.grace)
    state = RunState()
    interrupts = 0
    announced = False

    def on_sigint(signum: int, frame: Any) -> None:
        # A signal handler runs between two bytecodes of the main thread, which may be in the
        # middle of writing to stdout: printing here would be a reentrant write (RuntimeError).
        # So it only asks the pipeline to cancel; the loop below tells the user.
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            pipe.cancel()
        else:
            pipe.grace_s = 0
            if pipe.current is not None:
                pipe.current.cancel(0)

    def cancel_notice() -> str | None:
        nonlocal announced
        if interrupts and not announced:
            announced = True
            return "cancelling: the running stage saves its work (Ctrl-C again to stop now)"
        return None

    previous = signal.signal(signal.SIGINT, on_sigint)
    interactive = console.is_terminal and not args.plain
    shown: dict[str, str] = {}
    try:
        if interactive:
            with Live(console=console, refresh_per_second=4, transient=True) as live:
                for e in pipe.events():
                    if notice := cancel_notice():
                        live.console.print(Text(notice, style="magenta"))
                    state.apply(e)
                    line = plain_line(e)
                    if line and not isinstance(e, (ev.TrainReport, ev.QueryResult)):
                        live.console.print(line)
                    if equivalent := new_equivalent(state, e, shown):
                        live.console.print(Text(equivalent, style="dim"))
                    live.update(Group(stage_table(state, stages), live_line(state)))
        else:
            for e in pipe.events():
                state.apply(e)
                for line in (cancel_notice(), plain_line(e), new_equivalent(state, e, shown)):
                    if line:
                        print(line, flush=True)
        if notice := cancel_notice():
            console.print(Text(notice, style="magenta"))
    except LockedError as exc:
        print_error(console, exc)
        return 3
    finally:
        signal.signal(signal.SIGINT, previous)
    console.print(summary_table(state, stages))
    if pipe.run is not None:
        console.print(f"run directory: {pipe.run.path}")
    return {"done": 0, "cancelled": 130}.get(pipe.status, 1)


def cmd_runs(args: argparse.Namespace, console: Console) -> int:
    cfg = load_or_exit(console, args.config, [])
    runs = list_runs(cfg.runs_dir)
    if not runs:
        console.print(f"no runs yet in {cfg.runs_dir}")
        return 0
    t = Table(title=f"runs in {cfg.runs_dir}")
    # The id is what `phase25 show` takes: never cut; the other columns fold instead.
    t.add_column("id", no_wrap=True, min_width=max(len(r.id) for r in runs[: args.limit]))
    t.add_column("config", overflow="fold")
    t.add_column("stages", overflow="fold")
    t.add_column("status", no_wrap=True)
    t.add_column("duration", overflow="fold")
    problems: list[str] = []
    for row in index(cfg.runs_dir, args.limit):
        if isinstance(row, UnreadableRun):
            t.add_row(row.run.id, "-", "-", Text("unreadable", style="red"), "-")
            problems.append(f"{row.run.path / 'run.json'}: unreadable run.json: {row.reason}")
            continue
        t.add_row(
            row.run.id,
            row.config + (" (demo)" if row.demo else ""),
            ",".join(row.stages),
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            fmt_duration(row.state.duration_s),
        )
    console.print(t)
    for line in problems:
        console.print(line, style="yellow", markup=False, highlight=False, soft_wrap=True)
    return 0


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    cfg = load_or_exit(console, args.config, [])
    try:
        run = open_run(cfg.runs_dir, args.run)
    except FileNotFoundError as exc:
        print_error(console, exc)
        return 2
    try:
        info = run.info()
    except (OSError, ValueError) as exc:
        console.print(f"{run.path / 'run.json'}: unreadable run.json: {unreadable_reason(exc)}",
                      style="red", markup=False, highlight=False, soft_wrap=True)
        return 1
    events, bad = run.read_events()
    state = RunState.from_events(events)
    console.print(f"run {run.id}  ·  {run.path}")
    console.print(f"config: {info.config_path}" + ("  (demo: tiny stand-in models)" if info.demo else ""))
    console.print(f"events: {len(events)}" + (f", {len(bad)} unreadable line(s) skipped" if bad else ""))
    for b in bad:
        console.print(f"  [yellow]{b.path}:{b.line}: {b.reason}[/yellow]")
    console.print(summary_table(state, info.stages or list(STAGE_NAMES)))
    for n in info.stages:
        st = state.stages[n]
        if st.status == "failed" and st.stderr_tail:
            console.print(f"[red]{n} stderr (last lines):[/red]")
            for ln in st.stderr_tail[-20:]:
                console.print("  " + ln, markup=False, highlight=False)
        if st.equivalent:
            console.print(f"{n} equivalent: {st.equivalent}", markup=False)
    arts = run.manifest()
    if arts:
        t = Table(title="artifacts")
        for col in ("name", "size", "sha256", "path"):
            t.add_column(col)
        for a in arts.values():
            t.add_row(a.name, fmt_bytes(a.bytes), a.sha256[:12], a.path)
        console.print(t)
    return 0


def cmd_stages(args: argparse.Namespace, console: Console) -> int:
    t = Table(title="pipeline stages")
    for col in ("stage", "title", "needs"):
        t.add_column(col)
    for n in STAGE_NAMES:
        t.add_row(n, BY_NAME[n].title, ", ".join(BY_NAME[n].needs))
    console.print(t)
    return 0


def cmd_config(args: argparse.Namespace, console: Console) -> int:
    from core.config import dump_config

    cfg = load_or_exit(console, args.config, args.set or [])
    console.print(f"# {cfg.source}: valid")
    if cfg.experiment.demo:
        console.print(f"# {DEMO_NOTE}")
    from core.evaluation.reuse import check_baseline_results

    reuse = check_baseline_results(cfg)
    if reuse:
        style = {"ok": "", "warning": "yellow", "error": "red"}[reuse[0]]
        console.print(f"# {reuse[1]}", style=style, markup=False, highlight=False, soft_wrap=True)
    console.print(dump_config(cfg), markup=False, highlight=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="phase25", description="Phase 25: Qwen2.5-Coder-7B Code Mode vs the 30B.")
    sub = p.add_subparsers(dest="command", required=True)

    def with_config(sp: argparse.ArgumentParser, overrides: bool = True) -> None:
        sp.add_argument("--config", "-c", help="experiment TOML (default: the last used, else the demo)")
        if overrides:
            sp.add_argument("--set", action="append", metavar="KEY=VALUE",
                            help="override a config key, e.g. --set train.iters=50 (repeatable)")

    r = sub.add_parser("run", help="run pipeline stages")
    with_config(r)
    r.add_argument("--stages", default="all",
                   help=f"comma-separated stages, 'all', or NAME+ for a stage and its prerequisites "
                        f"({', '.join(STAGE_NAMES)})")
    r.add_argument("--force", default="", help="stages to re-run even when cached (comma-separated)")
    r.add_argument("--grace", type=float, default=15.0, help="seconds a cancelled stage gets to save")
    r.add_argument("--plain", action="store_true", help="one line per event, no live display")
    r.set_defaults(func=cmd_run)

    rs = sub.add_parser("runs", help="list past runs")
    with_config(rs, overrides=False)
    rs.add_argument("--limit", type=int, default=30)
    rs.set_defaults(func=cmd_runs)

    sh = sub.add_parser("show", help="print one run")
    with_config(sh, overrides=False)
    sh.add_argument("run", nargs="?", default="last", help="run id, id prefix, 'last', or a path")
    sh.set_defaults(func=cmd_show)

    st = sub.add_parser("stages", help="list the pipeline's stages")
    st.set_defaults(func=cmd_stages)

    cf = sub.add_parser("config", help="validate a config and print it resolved")
    with_config(cf)
    cf.set_defaults(func=cmd_config)

    import core.cli.commands

    for mod in pkgutil.iter_modules(core.cli.commands.__path__):
        module = importlib.import_module(f"core.cli.commands.{mod.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    try:
        return int(args.func(args, console) or 0)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
