"""``phase25 route [--config C] [--file F] [--scope core|extended] [--json]``: the routing policies
(7B only, 30B only, by topic, cascade) evaluated on the last comparison's per-query results, with
no new generation: accuracy, the share the 7B serves, expected latency and tokens/s."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("route", help="routing policies for the split outcome, from the saved results")
    p.add_argument("--config", help="experiment config (default: the last one used, else phase25.toml)")
    p.add_argument("--file", help="a phase25_results.json (default: the config's outputs.results)")
    p.add_argument("--scope", choices=("core", "extended"), default="core",
                   help="the seed's core queries (default) or every query with the extended tier")
    p.add_argument("--json", action="store_true", help="print the policies as JSON")
    p.set_defaults(func=cmd_route)


def cmd_route(args: argparse.Namespace, console: Console) -> int:
    from core.cli.common import load_or_exit, load_results_or_none

    cfg = load_or_exit(console, args.config, [])
    path = Path(args.file) if args.file else cfg.resolve(cfg.outputs.results)
    doc = load_results_or_none(console, path)
    if doc is None:
        return 2
    scope = scope_of(cfg, doc, args.scope)
    if scope is None:
        console.print(Text(f"{path}: no {args.scope} queries in these results"
                           + (" (the extended tier did not run)" if args.scope == "extended" else ""),
                           style="red"), soft_wrap=True)
        return 2
    routing = scope.routing
    if routing is None:
        console.print(Text(f"{path}: no query both models answered", style="red"), soft_wrap=True)
        return 2
    if args.json:
        print(json.dumps({"file": str(path), "scope": scope.scope, "verdict": scope.verdict.label,
                          "recommendation": scope.recommendation,
                          **routing.model_dump(mode="json")}, indent=2))
        return 0
    console.print(f"[bold]{scope.title}[/] · verdict {scope.verdict.label} · {len(scope.query_ids)} queries")
    t = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("policy", "accuracy", "served by 7B", "latency/query", "tok/s"):
        t.add_column(col, justify="left" if col == "policy" else "right", no_wrap=True)
    for p in routing.policies:
        t.add_row(p.name + (" (best)" if p.name == routing.best else ""), f"{p.accuracy:.0%}",
                  f"{p.candidate_share:.0%}",
                  f"{p.latency_s_mean:.2f} s" if p.latency_s_mean is not None else "unknown",
                  f"{p.tokens_per_s:.1f}" if p.tokens_per_s is not None else "unknown")
    console.print(t)
    topics = routing.policy("by topic").topics
    if topics:
        console.print("by topic: " + ", ".join(f"{k} -> {v}" for k, v in topics.items()), soft_wrap=True)
    if scope.recommendation:
        console.print(f"recommendation: {scope.recommendation}", soft_wrap=True)
    for note in routing.notes:
        console.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    return 0


def scope_of(cfg: Any, doc: Any, scope: str) -> Any:
    """The combined document's verdict on ``scope`` (a ScopeVerdict), computed again when the file
    predates verdict scopes; None when the scope has no query."""
    if scope in doc.comparison.scopes:
        return doc.comparison.scopes[scope]
    from core.evaluation.compare import compare

    return compare(cfg, doc.candidate, doc.baseline).scopes.get(scope)
