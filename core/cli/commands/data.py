"""``phase25 data``: build the training set, check a data folder, write or check the suite.

    phase25 data build [--check] [--offline] [--jobs N]
    phase25 data check PATH [--config C] [--no-tokenizers] [--limit N]
    phase25 data leakage [PATH ...] [--limit N]
    phase25 data suite [--check]
"""

from __future__ import annotations

import argparse
import filecmp
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from core.paths import DEMO_CONFIG, REAL_CONFIG, default_config


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("data", help="build and check the training data and the suite")
    sub = p.add_subparsers(dest="data_command", required=True)

    b = sub.add_parser("build", help="build data/phase24_merged and data/demo/compact from the seed")
    b.add_argument("--check", action="store_true",
                   help="rebuild into a temporary folder and compare with the committed files byte for byte")
    b.add_argument("--offline", action="store_true", help="fail instead of running programs that aren't cached")
    b.add_argument("--jobs", type=int, default=2, help="programs run at once (default 2)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="preflight a data folder (or one .jsonl file)")
    c.add_argument("path")
    c.add_argument("--config", "-c", help="experiment TOML whose models' tokenizers to use "
                   "(default: the config whose data.train is PATH, else the last used)")
    c.add_argument("--no-tokenizers", action="store_true", help="skip the per-model tokenizer checks")
    c.add_argument("--limit", type=int, default=40, help="problems listed per kind (default 40; 0 lists every one)")
    c.set_defaults(func=cmd_check)

    lk = sub.add_parser("leakage", help="check every training and pretraining corpus against the suite "
                        "(core and extended) and the held-out workspaces")
    lk.add_argument("paths", nargs="*", help="corpus files or folders (default: every registered corpus)")
    lk.add_argument("--limit", type=int, default=40, help="errors listed (default 40; 0 lists every one)")
    lk.set_defaults(func=cmd_leakage)

    s = sub.add_parser("suite", help="write data/suite/suite.json and extended.json from real tool runs, "
                       "or check them")
    s.add_argument("--check", action="store_true", help="re-derive every fact and compare with the files")
    s.set_defaults(func=cmd_suite)


# ------------------------------------------------------------------------------------ build
def cmd_build(args: argparse.Namespace, console: Console) -> int:
    from rich.markup import escape

    from core.data.build.builder import CACHE_PATH, DEMO_DIR, OUT_DIR, BuildError, build
    from core.data.build.execcache import CacheError, CacheMiss, ExecCache
    from core.data.suite import SuiteError

    def log(msg: str) -> None:
        console.print(msg, markup=False, highlight=False, soft_wrap=True)

    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] > 2 or done == total:
            last[0] = time.monotonic()
            log(f"  ran {done}/{total} programs")

    try:
        if args.check:
            with tempfile.TemporaryDirectory(prefix="phase25-data-") as tmp:
                out, demo = Path(tmp) / "full", Path(tmp) / "compact"
                # The committed cache is read, never rewritten, by a check.
                cache_copy = Path(tmp) / "executions.jsonl"
                if CACHE_PATH.is_file():
                    ExecCache(CACHE_PATH)  # a damaged line is reported against the committed file
                    cache_copy.write_bytes(CACHE_PATH.read_bytes())
                report = build(out, demo, cache_path=cache_copy, offline=args.offline, workers=args.jobs,
                               log=log, progress=progress)
                diffs = [f"{committed}" for built, committed in
                         [(out / n, OUT_DIR / n) for n in ("train.jsonl", "valid.jsonl")]
                         + [(demo / n, DEMO_DIR / n) for n in ("train.jsonl", "valid.jsonl")]
                         if not committed.is_file() or not filecmp.cmp(built, committed, shallow=False)]
            if diffs:
                log("the committed data differs from a rebuild: " + ", ".join(diffs)
                    + "\nrun `phase25 data build` and commit the result")
                return 1
            log(f"the committed data matches a rebuild ({report.train + report.valid} rows, "
                f"{report.seconds:.1f} s)")
            return 0
        report = build(offline=args.offline, workers=args.jobs, log=log, progress=progress)
    except (BuildError, CacheMiss, CacheError) as exc:
        console.print(f"[red]data build failed:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 1
    except SuiteError as exc:
        console.print(exc.render(), markup=False, highlight=False, soft_wrap=True)
        return 1
    log(f"{report.train + report.valid} rows ({report.train} train / {report.valid} valid) · "
        f"{report.tool} tool / {report.direct} direct · {report.executed} programs run, {report.cached} cached · "
        f"{report.seconds:.1f} s")
    log("per tool: " + " · ".join(f"{k} {v}" for k, v in report.per_tool.items()))
    for f in report.files:
        log(f"  wrote {f}")
    return 0


# ------------------------------------------------------------------------------------ check
def choose_config(path: Path, explicit: str | None) -> Path:
    """The config to check PATH against: --config, else the one whose data.train is PATH."""
    if explicit:
        return Path(explicit)
    from core.config import ConfigError, load_config

    target = path.resolve()
    for candidate in (REAL_CONFIG, DEMO_CONFIG):
        try:
            cfg = load_config(candidate)
        except ConfigError:
            continue
        train = cfg.resolve(cfg.data.train)
        if target == train or (target.parent == train and target.suffix == ".jsonl"):
            return candidate
    return default_config()


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from core.cli.common import load_or_exit
    from core.data.preflight import preflight
    from core.data.preflight_text import render

    path = Path(args.path)
    cfg = None
    if not args.no_tokenizers:
        cfg_path = choose_config(path, args.config)
        cfg = load_or_exit(console, str(cfg_path), [])
        console.print(f"config: {cfg_path}", markup=False, highlight=False, soft_wrap=True)
    report = preflight(path, cfg)
    for line in render(report, limit=args.limit):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    leaks_ok = _print_leakage(console, [path], args.limit, cfg)
    return 0 if report.ok and leaks_ok else 1


# ------------------------------------------------------------------------------------ leakage
def _print_leakage(console: Console, paths: list[Path], limit: int, cfg: Any = None) -> bool:
    """Run the leakage check on ``paths`` (every registered corpus when empty) and print it."""
    from core.data.build.builder import SUITE, WORKSPACES
    from core.data.corpora import training_corpora
    from core.data.heldout import HeldoutError
    from core.data.leakage import check
    from core.data.suite import SuiteError
    from core.data.suite_tier import extended_suite_path

    suite = cfg.resolve(cfg.data.suite) if cfg is not None else SUITE
    workspaces = cfg.resolve(cfg.data.workspaces) if cfg is not None else WORKSPACES
    corpora = training_corpora(tuple(paths)) if paths else training_corpora()
    try:
        report = check(corpora, suite, workspaces,
                       hold_out_leaking=cfg.data.hold_out_leaking if cfg is not None else True,
                       extended_suite=extended_suite_path(cfg) if cfg is not None else None)
    except SuiteError as exc:
        console.print(exc.render(), markup=False, highlight=False, soft_wrap=True)
        return False
    except HeldoutError as exc:
        console.print(f"leakage: {exc}", markup=False, highlight=False, soft_wrap=True)
        return False
    for line in report.lines(limit):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return report.ok


def cmd_leakage(args: argparse.Namespace, console: Console) -> int:
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        console.print(f"no such corpus: {', '.join(missing)}", markup=False, highlight=False, soft_wrap=True)
        return 2
    return 0 if _print_leakage(console, [Path(p) for p in args.paths], args.limit) else 1


# ------------------------------------------------------------------------------------ suite
def cmd_suite(args: argparse.Namespace, console: Console) -> int:
    from core.data.build.builder import SUITE, WORKSPACES
    from core.data.suite import SuiteError, load_suite
    from core.data.suite_build import EXTENDED_FILE, all_data
    from core.data.suite_build import render as render_suite
    from core.runs import atomic_write_text

    def say(msg: str) -> None:
        console.print(msg, markup=False, highlight=False, soft_wrap=True)

    paths = {name: SUITE.parent / name for name in (SUITE.name, EXTENDED_FILE)}
    try:
        fresh = {name: render_suite(data) for name, data in all_data(WORKSPACES).items()}
        if args.check:
            stale = [p for name, p in paths.items()
                     if not p.is_file() or fresh[name] != p.read_text(encoding="utf-8")]
            if stale:
                say(f"{', '.join(map(str, stale))}: differs from the facts the tools report now; "
                    "run `phase25 data suite`")
                return 1
        else:
            for name, p in paths.items():
                atomic_write_text(p, fresh[name])
        for p in paths.values():
            suite = load_suite(p, WORKSPACES)
            done = "matches real tool runs" if args.check else "written"
            say(f"{p}: {done} · {len(suite.tool_queries)} tool + {len(suite.direct_queries)} direct queries "
                f"({suite.tier}) · sha256 {suite.sha256}")
    except SuiteError as exc:
        say(exc.render())
        return 1
    except (RuntimeError, ValueError) as exc:
        say(f"suite build failed: {exc}")
        return 1
    return 0
