"""``phase25 rescore RESULTS.json|RUN_DIR [--suite S] [--execute] [--out F | --in-place]``: score a
saved results file (or a run folder's recorded queries) again without running a model, and list every
query whose verdict changed, with the reason."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("rescore", help="score a saved results file again, without the model")
    p.add_argument("results", help="a per-model results file, a combined phase25_results.json, or a run folder "
                   "(its events.jsonl)")
    p.add_argument("--suite", help="the suite to score against (default: the one the results name)")
    p.add_argument("--workspaces", default=None, help="fixture workspaces, for --execute (default: data/workspaces)")
    p.add_argument("--execute", action="store_true", help="run each saved execute_code snippet again")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", help="write the re-scored file here (default: NAME.rescored.json beside it)")
    where.add_argument("--in-place", action="store_true", help="replace the results file")
    p.set_defaults(func=cmd_rescore)


def cmd_rescore(args: argparse.Namespace, console: Console) -> int:
    from core.data.suite import SuiteError
    from core.evaluation.rescore import rescore_file
    from core.evaluation.schema import ResultsError
    from core.paths import DATA_DIR
    from core.runs import atomic_write_text

    src = Path(args.results)
    workspaces = Path(args.workspaces) if args.workspaces else DATA_DIR / "workspaces"
    if src.is_dir():
        return _rescore_run_dir(args, src, console)
    try:
        data, parts, changes, notes = rescore_file(src, Path(args.suite) if args.suite else None,
                                                   workspaces, execute=args.execute)
    except ResultsError as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        return 2
    except SuiteError as exc:
        console.print(Text(exc.render(), style="red"), soft_wrap=True)
        return 2
    for n in notes:
        console.print(Text(n, style="yellow"), soft_wrap=True)
    t = Table(box=None, header_style="bold")
    for col in ("model", "strict", "accuracy", "partial", "format", "discrimination", "typed", "quality"):
        t.add_column(col)
    for res in parts:
        a = res.aggregates
        t.add_row(res.model.role, f"{a.strict_passes}/{a.n}", f"{a.accuracy:.0%}", f"{a.partial_credit:.0%}",
                  *(f"{a.checks[c][0]}/{a.checks[c][1]}" for c in ("format", "discrimination", "typed", "quality")))
    console.print(t)
    _print_changes(changes, console)
    if "verdict" in data:
        console.print(f"verdict: {data['verdict']['label']}")
    out = src if args.in_place else (Path(args.out) if args.out else src.with_name(f"{src.stem}.rescored.json"))
    atomic_write_text(out, json.dumps(data, indent=2) + "\n")
    console.print(f"wrote {out}")
    return 0


def _print_changes(changes: list[Any], console: Console) -> None:
    if not changes:
        console.print("no strict pass changed")
        return
    console.print(f"{len(changes)} strict pass{'es' if len(changes) != 1 else ''} changed:")
    for c in changes:
        console.print(Text(c.describe()), soft_wrap=True)


def _rescore_run_dir(args: argparse.Namespace, run_dir: Path, console: Console) -> int:
    """A run folder: its events hold every scored query; re-score them (written only with --out)."""
    from core.data.suite import SuiteError
    from core.evaluation.rescore import rescore_events
    from core.evaluation.schema import ResultsError
    from core.paths import DATA_DIR
    from core.runs import atomic_write_text

    suite = Path(args.suite) if args.suite else DATA_DIR / "suite" / "suite.json"
    if args.execute or args.in_place:
        console.print(Text("--execute and --in-place need a results file, not a run folder", style="red"))
        return 2
    try:
        done = rescore_events(run_dir, suite)
    except ResultsError as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        return 2
    except SuiteError as exc:
        console.print(Text(exc.render(), style="red"), soft_wrap=True)
        return 2
    console.print(f"run {run_dir.name}: queries from events.jsonl, scored against {suite}")
    for n in done.notes:
        console.print(Text(n, style="yellow"), soft_wrap=True)
    t = Table(box=None, header_style="bold")
    for col in ("model", "strict before", "strict now", "checks changed"):
        t.add_column(col)
    for model, recs in done.records.items():
        flips = ", ".join(f"{k} {v}" for k, v in done.flips[model].items() if v) or "none"
        t.add_row(model, f"{done.before[model]}/{len(recs)}", f"{sum(r.score.strict_pass for r in recs)}/{len(recs)}",
                  flips)
    console.print(t)
    _print_changes(done.changes, console)
    if args.out:
        data = {model: [json.loads(r.model_dump_json()) for r in recs] for model, recs in done.records.items()}
        atomic_write_text(Path(args.out), json.dumps(data, indent=2) + "\n")
        console.print(f"wrote {args.out}")
    return 0
