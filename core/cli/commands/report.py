"""``phase25 report [--config C] [--file F]``: print the last comparison from phase25_results.json
(the verdict, the checks, all 20 queries side by side) and where the markdown report is."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

MARK = {True: "✓", False: "✗", None: "–"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("report", help="print the last comparison (verdict and all 20 queries)")
    p.add_argument("--config", help="experiment config (default: the last one used, else phase25.toml)")
    p.add_argument("--file", help="a phase25_results.json to print (default: the config's outputs.results)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from core.cli.common import load_or_exit, load_results_or_none
    from core.evaluation.deliverables import stale_parity
    from core.evaluation.schema import CHECKS

    if args.file:
        path, report_path = Path(args.file), None
    else:
        cfg = load_or_exit(console, args.config, [])
        path, report_path = cfg.resolve(cfg.outputs.results), cfg.resolve(cfg.outputs.report)
    doc = load_results_or_none(console, path)
    if doc is None:
        return 2
    v = doc.comparison.verdict
    if doc.demo:
        console.print("[cyan]demo run: tiny stand-in models; the scores say nothing about the real models[/]")
    ratio = f"{v.ratio:.2f}" if v.ratio is not None else "undefined"
    console.print(f"[bold]{v.label}[/] · candidate {doc.candidate.aggregates.strict_passes}/{doc.candidate.aggregates.n}"
                  f" · baseline {doc.baseline.aggregates.strict_passes}/{doc.baseline.aggregates.n} · ratio {ratio}"
                  f" ({v.reason}) · run {doc.run_id}")
    _scopes(doc, console)
    t = Table(box=None, header_style="bold", caption="F format · D discrimination · T typed · Q quality",
              pad_edge=False)
    t.add_column("query", no_wrap=True, overflow="ellipsis", ratio=1)
    for role in ("7B", "30B"):
        for c in CHECKS:
            t.add_column(c[0].upper(), justify="center", no_wrap=True)
        t.add_column(role, justify="center", no_wrap=True, style="bold")
    t.add_column("class", no_wrap=True)
    base = doc.baseline.by_id()
    for q in doc.candidate.queries:
        cells = [q.query_id]
        for rec in (q, base.get(q.query_id)):
            checks = rec.score.checks() if rec else {}
            cells += [MARK[checks.get(c)] for c in CHECKS] + [MARK[rec.score.strict_pass] if rec else "–"]
        t.add_row(*cells, doc.comparison.classes.get(q.query_id, "–"))
    console.print(t)
    stale = stale_parity(doc)
    if stale:
        console.print(Text(f"warning: {stale}", style="yellow"), soft_wrap=True)
    console.print(f"results: {path}" + (f"\nreport: {report_path}" if report_path else ""))
    return 0


def _scopes(doc: Any, console: Console) -> None:
    """Each verdict (the seed's core, and the extended one when it ran) with its uncertainty and power."""
    from core.evaluation.verdict_md import interval_words, margin_words, power_words, share

    for s in doc.comparison.scopes.values():
        c, b = s.candidate, s.baseline
        console.print(Text.assemble((f"{s.title}: ", "bold"), (s.verdict.label, "bold"),
                                    (f" ({s.tentative})" if s.tentative else "", "yellow")), soft_wrap=True)
        console.print(f"  7B {share(c.passes, c.n)} (tool {share(c.tool_passes, c.tool_n)}, direct "
                      f"{share(c.direct_passes, c.direct_n)}) · 30B {share(b.passes, b.n)} (tool "
                      f"{share(b.tool_passes, b.tool_n)}, direct {share(b.direct_passes, b.direct_n)})", soft_wrap=True)
        console.print(f"  95% interval {interval_words(s)} · margin {margin_words(s)} · McNemar p "
                      f"{s.mcnemar.p_value:.3f}", soft_wrap=True)
        console.print(f"  power: {power_words(s.power)}", soft_wrap=True)
        if s.recommendation:
            console.print(f"  recommendation: {s.recommendation}", soft_wrap=True)
    ph = doc.comparison.physics
    if ph is not None:
        for line in ph.statements[:2]:
            console.print(f"physics: {line}", soft_wrap=True)
