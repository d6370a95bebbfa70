"""``phase25 demo build``: build the tiny stand-in models the demo config and the tests run on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from core.cli.common import print_error


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("demo", help="the tiny local stand-in models used by the demo and the tests")
    sub = p.add_subparsers(dest="demo_command", required=True)
    b = sub.add_parser("build", help="build the tiny demo models (skipped when they are up to date)")
    b.add_argument("--force", action="store_true", help="rebuild even when the models are up to date")
    b.add_argument("--out", help="folder for the models (default: data/demo/models)")
    b.add_argument("--corpus", help="training set folder with train.jsonl/valid.jsonl (default: data/demo/compact)")
    b.add_argument("--seed", type=int, default=0, help="seed for the tokenizers, weights and batches")
    b.add_argument("--parallel", action="store_true",
                   help="train the two models side by side, one process each (torch backend)")
    b.add_argument("--only", choices=("candidate", "baseline"),
                   help="rebuild this model only, keeping the other (built with the same recipe for it)")
    b.set_defaults(func=cmd_build)
    c = sub.add_parser("corpus", help="regenerate the baseline's generated Code Mode rows (data/demo/finetune)")
    c.set_defaults(func=cmd_corpus)
    s = sub.add_parser("status", help="say whether the demo models exist and are up to date")
    s.add_argument("--out", help="folder for the models (default: data/demo/models)")
    s.add_argument("--corpus", help="training set folder (default: data/demo/compact)")
    s.set_defaults(func=cmd_status)


def _dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    from core.demo import DEFAULT_CORPUS_DIR, DEMO_MODELS_DIR

    out = Path(args.out).expanduser().resolve() if args.out else DEMO_MODELS_DIR
    corpus = Path(args.corpus).expanduser().resolve() if args.corpus else DEFAULT_CORPUS_DIR
    return out, corpus


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    from core.demo import STAND_IN_NOTE, CorpusError, build_demo_models

    out, corpus = _dirs(args)
    console.print(f"[cyan]{STAND_IN_NOTE}[/cyan]")
    try:
        record = build_demo_models(out, corpus, seed=args.seed, force=args.force, parallel=args.parallel,
                                   only=args.only,
                                   log=lambda s: console.print(s, markup=False, highlight=False))
    except CorpusError as exc:
        print_error(console, exc)
        return 2
    if record["action"] == "kept":
        console.print(f"the demo models in {out} are up to date (built {record.get('built_at', '?')} from "
                      f"the same corpus and recipe); nothing to do. Use --force to rebuild.")
    else:
        console.print(f"wrote {out} ({', '.join(m['name'] for m in record['models'].values())}, BUILD.json)")
    for role in ("candidate", "baseline"):
        m = record["models"][role]
        console.print(f"  {m['name']}: {m['model_type']} standing in for {m['stands_in_for']}, "
                      f"{m['parameters']:,} parameters, {m['bytes'] / 1024:.0f} KB", markup=False)
    return 0


def cmd_corpus(args: argparse.Namespace, console: Console) -> int:
    from core.demo.codemode_gen import generate, write

    rows, report = generate(log=lambda s: console.print(s, markup=False, highlight=False))
    path = write(rows, report)
    console.print(f"wrote {path}: {report.rows} rows from {report.tasks} tasks ({report.distinct} distinct, "
                  f"{report.programs} programs, {report.executed} tool calls run); dropped "
                  f"{sum(report.dropped_leak.values())} that the leakage check flagged "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(report.dropped_leak.items())) or 'none'}) and "
                  f"{report.dropped_valid_prompt} whose prompt is a validation prompt", markup=False)
    return 0


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    from core.demo import demo_status

    out, corpus = _dirs(args)
    status = demo_status(out, corpus)
    text = {
        "missing": "missing: run `phase25 demo build`",
        "stale": "stale: built from another corpus or recipe; run `phase25 demo build` to rebuild",
        "current": "up to date",
    }[status]
    console.print(f"{out}: {text}", markup=False)
    return 0 if status == "current" else 1
