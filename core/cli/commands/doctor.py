"""``phase25 doctor [--config FILE] [--json]``: before minute one, whether the experiment fits this
machine: memory, disk and time per stage (need against have), where the models are, the data.

Exit codes: 0 everything fits (tight included), 1 something won't fit, 2 bad config.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

STYLE = {"fits": "green", "tight": "yellow", "won't fit": "bold red", "info": "dim"}
SECTIONS = ("platform", "models", "data", "memory", "disk", "time")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("doctor", help="does the experiment fit this machine? memory, disk, time, models, data")
    p.add_argument("--config", help="experiment config (default: the last one used, else phase25.toml)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--no-bench", action="store_true",
                   help="skip the micro-benchmark unless it is cached (no time predictions without it)")
    p.set_defaults(func=cmd_doctor)


def render(report: Any, console: Console) -> None:
    if report.demo:
        console.print("[cyan]demo config: tiny stand-in models built locally[/]")
    console.print(f"config: {report.config}")
    for section in SECTIONS:
        checks = report.section(section)
        if not checks:
            continue
        t = Table(box=None, header_style="bold", pad_edge=False, title=section, title_justify="left",
                  title_style="bold")
        t.add_column("check", no_wrap=True)
        t.add_column("need")
        t.add_column("have")
        t.add_column("verdict", no_wrap=True)
        for c in checks:
            verdict = Text("" if c.verdict == "info" else c.verdict, style=STYLE[c.verdict])
            t.add_row(c.name, c.need, c.have, verdict)
        console.print(t)
        for c in checks:
            if c.advice:
                style = STYLE[c.verdict] if c.verdict in ("tight", "won't fit") else "dim"
                console.print(Text(f"  {c.name}: {c.advice}", style=style), soft_wrap=True)
    for n in report.notes:
        console.print(Text(f"note: {n}", style="dim"), soft_wrap=True)
    worst = report.worst
    summary = {"fits": "everything fits", "info": "everything fits", "tight": "it fits, but some checks are tight",
               "won't fit": "something won't fit (see above for what to change)"}[worst]
    console.print(Text(summary, style=STYLE[worst] if worst != "info" else "green"))


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    from core.cli.common import load_or_exit
    from core.doctor.checks import diagnose

    cfg = load_or_exit(console, args.config, args.set)
    if not args.json:
        console.print("[dim]checking: platform, models, data (tokenizing every row), suite prompts, benchmark...[/]")
    report = diagnose(cfg, bench=not args.no_bench)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, default=str))
    else:
        render(report, console)
    return report.exit_code
