"""compare: the candidate's results against the baseline's: verdict, per-query classes, speed and
memory side by side, and the physics prediction beside the measurements. No model is loaded."""

from __future__ import annotations

from pathlib import Path

from core.data.suite import Suite, SuiteError, load_suite
from core.evaluation.compare import compare, headline_figures
from core.evaluation.schema import ResultsFile
from core.evaluation.targets import results_path
from core.runs import atomic_write_text
from core.stage_summaries import CompareSummary
from core.stages.base import StageContext, StageError, StageOutcome
from core.stages.evalkit import try_load


def comparison_path(ctx: StageContext) -> Path:
    return ctx.run.path / "results" / "comparison.json"


def load_role(ctx: StageContext, role: str) -> tuple[ResultsFile, Path]:
    """This run's results for ``role``, else the latest ones next to the outputs."""
    stage = "test_candidate" if role == "candidate" else "test_baseline"
    for path in (ctx.run.path / "results" / f"{role}.json", results_path(ctx.cfg, role)):
        if path.is_file():
            results, err = try_load(path)
            if results is None:
                raise StageError(err)
            return results, path
    raise StageError(f"no {role} results in this run or at {results_path(ctx.cfg, role)}; "
                     f"run the {stage} stage first")


def suite_labels(ctx: StageContext) -> Suite | None:
    """The configured suite, for the topics and tiers of results written before records carried them."""
    try:
        return load_suite(ctx.cfg.resolve(ctx.cfg.data.suite))
    except (SuiteError, OSError):
        return None


def _fmt_ratio(x: float | None) -> str:
    return f"{x:.2f}x" if x is not None else "unknown"


def run(ctx: StageContext) -> StageOutcome:
    cand, cand_path = load_role(ctx, "candidate")
    base, base_path = load_role(ctx, "baseline")
    ctx.log(f"candidate: {cand_path}\nbaseline: {base_path}")
    comp = compare(ctx.cfg, cand, base, suite_labels(ctx))
    out = comparison_path(ctx)
    atomic_write_text(out, comp.model_dump_json(indent=2) + "\n")
    ctx.artifact("comparison", out)
    v = comp.verdict
    ratio = f"{v.ratio:.2f}" if v.ratio is not None else "undefined"
    ctx.log(f"verdict: {v.label} (candidate {v.candidate_accuracy:.0%} / baseline {v.baseline_accuracy:.0%} "
            f"= {ratio}; {v.reason})")
    for row in comp.measured:
        ctx.log(f"  {row.metric}: candidate {row.candidate} / baseline {row.baseline} = {_fmt_ratio(row.ratio)}")
    seed = comp.seed_expectations
    ctx.log(f"  the seed expected {seed['speedup_low']:g}-{seed['speedup_high']:g}x faster and "
            f"{seed['memory_saving']:.0%} less memory")
    for scope in comp.scopes.values():
        iv = scope.interval
        ctx.log(f"{scope.title}: {scope.verdict.label}"
                + (f", 95% interval {iv.low:.2f}-{iv.high:.2f}" if iv else "")
                + f", margin up {scope.margin.up if scope.margin.up is not None else '-'} / down "
                  f"{scope.margin.down if scope.margin.down is not None else '-'} queries"
                + (f"; {scope.tentative}" if scope.tentative else ""))
    if comp.physics is not None:
        for line in comp.physics.statements[:2]:
            ctx.log(f"  physics: {line}")
    if comp.bits_note:
        ctx.log(comp.bits_note)
    for note in comp.notes:
        ctx.log(note, "warning")
    summary = CompareSummary(
        **headline_figures(comp),
        class_counts=comp.class_counts,
        measured=[r.model_dump() for r in comp.measured],
        seed_expectations=seed,
        comparison=str(out),
        candidate_results=str(cand_path),
        baseline_results=str(base_path),
    )
    ctx.equivalent("# no mlx-lm equivalent: compares two results files")
    return StageOutcome(summary=summary, headline=f"{v.label} ({ratio})")
