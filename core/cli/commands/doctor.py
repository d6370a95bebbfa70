"""``phase25 doctor [--config FILE] [--json]``: before minute one, whether the experiment fits this
machine: memory, disk and time per stage (need against have), where the models are, the data.

Exit codes: 0 everything fits (tight included), 1 something won't fit, 2 bad config.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

STYLE = {"fits": "green", "tight": "yellow", "won't fit": "bold red", "info": "dim"}
SECTIONS = ("platform", "models", "data", "memory", "disk", "time")
WIDE = 110
"""From this width need and have sit side by side; narrower, they stack under each other."""
NARROW_CHECK = 20


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("doctor", help="does the experiment fit this machine? memory, disk, time, models, data")
    p.add_argument("--config", help="experiment config (default: the last one used, else phase25.toml)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--no-bench", action="store_true",
                   help="skip the micro-benchmark unless it is cached (no time predictions without it)")
    p.set_defaults(func=cmd_doctor)


def need_have(need: str, have: str) -> Table:
    """'need' and 'have' as labels, their text wrapping beside them (long paths folded, not cut)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for label, text in (("need", need), ("have", have)):
        if text:
            grid.add_row(label, text)
    return grid


def _table(section: str, checks: list[Any], wide: bool) -> Table:
    """Need and have side by side when there is room; narrower (80 columns), stacked in one column
    beside the check and its verdict, so no column is squeezed to a few characters."""
    t = Table(box=None, header_style="bold", pad_edge=False, title=section, title_justify="left",
              title_style="bold", expand=not wide)
    t.add_column("check", no_wrap=wide, max_width=None if wide else NARROW_CHECK, overflow="fold")
    if wide:
        t.add_column("need")
        t.add_column("have")
    t.add_column("verdict", no_wrap=True)
    if not wide:
        t.add_column("need / have", ratio=1)
    for c in checks:
        verdict = Text("" if c.verdict == "info" else c.verdict, style=STYLE[c.verdict])
        if wide:
            t.add_row(c.name, c.need, c.have, verdict)
            continue
        t.add_row(c.name, verdict, need_have(c.need, c.have))
    return t


def render(report: Any, console: Console) -> None:
    if report.demo:
        console.print("[cyan]demo config: tiny stand-in models built locally[/]")
    console.print(Text(f"config: {report.config}"), soft_wrap=False)
    wide = console.width >= WIDE
    for section in SECTIONS:
        checks = report.section(section)
        if not checks:
            continue
        console.print(_table(section, checks, wide))
        for c in checks:
            if c.advice:
                style = STYLE[c.verdict] if c.verdict in ("tight", "won't fit") else "dim"
                console.print(Padding(Text(f"{c.name}: {c.advice}", style=style), (0, 0, 0, 2)))
    for n in report.notes:
        console.print(Text(f"note: {n}", style="dim"))
    worst = report.worst
    summary = {"fits": "everything fits", "info": "everything fits", "tight": "it fits, but some checks are tight",
               "won't fit": "something won't fit (see above for what to change)"}[worst]
    console.print(Text(summary, style=STYLE[worst] if worst != "info" else "green"))


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    from core.cli.common import load_or_exit
    from core.doctor.checks import diagnose

    cfg = load_or_exit(console, args.config, args.set)
    if not args.json:
        console.print("[dim]checking the platform, models, data, suite and this machine's speed...[/]")
    report = diagnose(cfg, bench=not args.no_bench)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, default=str))
    else:
        render(report, console)
    return report.exit_code
