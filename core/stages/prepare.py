"""prepare: preflight before anything expensive.

Checks that the models the config names are there, that the suite file is valid and its
workspaces exist, and runs the full data preflight (core.data.preflight): every row against the
chat schema, each model's tokenizer renders every row, token lengths against max_seq_length, the
tool/direct balance, per-tool counts, duplicates and how the tool markers split. Bad data stops
the pipeline with every problem listed; warnings are logged and the pipeline goes on. Nothing is
modified. The `phase25 doctor` checks (memory, disk and time per stage on this machine) are logged
too, as warnings where something is tight or won't fit; they never stop the pipeline.
"""

from __future__ import annotations

from pathlib import Path

from core import events as ev
from core.data.preflight import SPLITS, PreflightReport, preflight
from core.data.preflight_text import ordered, render
from core.data.problems import DEFAULT_LISTED, render_list
from core.data.suite import SuiteError, load_suite
from core.runs import atomic_write_text
from core.stage_summaries import PrepareSummary
from core.stages.base import StageContext, StageError, StageOutcome

PROBLEMS_FILE = "prepare.problems.txt"


def _count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def _setup_problems(ctx: StageContext) -> tuple[list[str], dict[str, object]]:
    """The existing checks: suite, workspaces, local model paths. Returns problems and suite info."""
    cfg = ctx.cfg
    problems: list[str] = []
    info: dict[str, object] = {}
    ws = cfg.resolve(cfg.data.workspaces)
    if not ws.is_dir():
        problems.append(f"{ws}: missing (data.workspaces)")
    suite = cfg.resolve(cfg.data.suite)
    if not suite.is_file():
        problems.append(f"{suite}: missing (data.suite)")
    else:
        try:
            s = load_suite(suite, ws if ws.is_dir() else None)
            info = {"path": str(suite), "sha256": s.sha256, "tool": len(s.tool_queries), "direct": len(s.direct_queries)}
        except SuiteError as exc:
            problems.extend(exc.problems)
    for role, spec in (("candidate", cfg.candidate), ("baseline", cfg.baseline)):
        if spec.is_local() and not cfg.resolve(spec.path).exists():
            hint = " (run `phase25 demo build`)" if cfg.experiment.demo else ""
            problems.append(f"{cfg.resolve(spec.path)}: missing ({role}.path){hint}")
    return problems, info


def _write_problems(ctx: StageContext, setup: list[str], report: PreflightReport) -> Path:
    """Every problem, unabridged, in the run's stages folder (the log and the message list at most 40)."""
    path = ctx.run.path / "stages" / PROBLEMS_FILE
    errors, warnings = ordered(report.problems.errors), ordered(report.problems.warnings)
    lines = [f"preflight of {report.path}: {len(setup) + len(errors)} errors, {len(warnings)} warnings"]
    if setup or errors:
        lines += ["", "errors:"] + [f"  - {p}" for p in setup] + [f"  - {p}" for p in errors]
    if warnings:
        lines += ["", "warnings:"] + [f"  - {p}" for p in warnings]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _doctor(ctx: StageContext, report: PreflightReport) -> dict[str, object]:
    """The `phase25 doctor` checks on this machine (times only from an earlier benchmark), as log
    lines: warnings for what is tight or won't fit. They never stop the pipeline."""
    from core.doctor.checks import diagnose

    try:
        doc = diagnose(ctx.cfg, bench=False, preflight_report=report)
    except Exception as exc:  # a prediction must never stop the preflight
        ctx.log(f"doctor: could not predict memory, disk and time: {type(exc).__name__}: {exc}", level="warning")
        return {"error": str(exc)}
    for level, text in doc.lines():
        ctx.log(text, level=level)
    for note in doc.notes:
        ctx.log(f"doctor · {note}")
    return {"verdict": doc.worst, "checks": [[c.section, c.name, c.verdict] for c in doc.checks if c.verdict != "info"]}


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    data_dir = cfg.resolve(cfg.data.train)
    equivalent = f"phase25 data check {data_dir}" + (f" --config {cfg.source}" if cfg.source else "")
    ctx.equivalent(equivalent)
    inputs = [data_dir / f"{s}.jsonl" for s in SPLITS] + [cfg.resolve(cfg.data.suite), cfg.resolve(cfg.data.workspaces)]
    inputs += [cfg.resolve(spec.path) for spec in (cfg.candidate, cfg.baseline) if spec.is_local()]
    key = ctx.cache_key(
        {"data": cfg.data.model_dump(), "candidate": cfg.candidate.model_dump(), "baseline": cfg.baseline.model_dump(),
         "max_seq_length": cfg.train.max_seq_length, "mask_prompt": cfg.train.mask_prompt},
        inputs=[p for p in inputs if p.exists()])
    hit = ctx.cached(key)
    if hit is not None:
        ctx.log(f"unchanged since the last preflight: {hit.headline}")
        return hit

    setup, suite_info = _setup_problems(ctx)
    report = preflight(data_dir, cfg)
    for line in render(report):
        ctx.log(line, level="error" if line.startswith("errors") else "info")
    for w in report.problems.warnings:  # already in the printed report: an event, not a second line
        ctx.emit(ev.LogLine(text=str(w), level="warning"))
    listed = None
    if setup or report.problems:
        listed = _write_problems(ctx, setup, report)
        ctx.log(f"every problem: {listed}")
    if setup or report.problems.errors:
        errors = ordered(report.problems.errors)
        listing = [f"  - {p}" for p in setup] + render_list(errors)
        total = len(setup) + len(errors)
        where = (f"all {total} are listed in {listed}" if len(errors) > DEFAULT_LISTED
                 else f"the full report: {listed}")
        raise StageError(f"preflight found problems ({total}); nothing was changed:\n" + "\n".join(listing)
                         + f"\n{where} (or run `{equivalent} --limit 0`)")
    summary = PrepareSummary(**report.summary(), doctor=_doctor(ctx, report), data_dir=str(data_dir),
                             suite=suite_info,
                             rows_per_file={s: _count_rows(data_dir / f"{s}.jsonl") for s in report.rows})
    outcome = StageOutcome(summary=summary, headline=report.headline)
    ctx.store_cache(key, outcome, outputs=[])
    return outcome
