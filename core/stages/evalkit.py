"""What the test and parity stages share: loading the suite, running one model, saving and
announcing its results, reusing an equal earlier run."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from core import events as ev
from core.data.suite import Suite
from core.evaluation.generation import Cancelled
from core.evaluation.schema import QueryRecord, ResultsError, ResultsFile, load_results
from core.evaluation.suite_run import ModelLoadError, ModelToTest, describe, run_suite
from core.runs import atomic_write_text
from core.stage_summaries import TestSummary
from core.stages.base import StageCancelledError, StageContext, StageError


def query_event(role: str, rec: QueryRecord) -> ev.QueryResult:
    return ev.QueryResult(
        model=role,
        query_id=rec.query_id,
        strict_pass=rec.score.strict_pass,
        checks=rec.score.checks(),
        latency_s=rec.measurements.latency_s,
        generation_tps=rec.measurements.generation_tps,
        result=rec,
    )


def announce(ctx: StageContext, role: str, results: ResultsFile) -> None:
    """Re-emit every query of an existing results file (a reused or cached run) for the dashboard."""
    n = len(results.queries)
    for i, rec in enumerate(results.queries, start=1):
        ctx.emit(query_event(role, rec))
        ctx.progress(i, n, f"{role}: {rec.query_id} (reused)")


def equivalent_command(target: ModelToTest, max_tokens: int, temperature: float) -> str:
    parts = ["mlx_lm.generate", "--model", target.load_path]
    if target.adapter_path:
        parts += ["--adapter-path", target.adapter_path]
    parts += ["--max-tokens", str(max_tokens), "--temp", str(temperature), "--prompt", "<each suite query>"]
    return shlex.join(parts) + "   # once per query; the stage prefills the system prompt once and batches"


def run_target(ctx: StageContext, role: str, target: ModelToTest, suite: Suite, suite_path: Path) -> ResultsFile:
    """Run the suite on one model, emitting a QueryResult per query as it is scored."""
    n = len(suite.queries)

    def on_query(rec: QueryRecord, done: int) -> None:
        ctx.emit(query_event(role, rec))
        mark = "pass" if rec.score.strict_pass else "fail"
        ctx.progress(done, n, f"{role}: {rec.query_id} {mark}")

    ctx.log(f"{role}: running the {n}-query suite on {target.load_path}")
    try:
        with ctx.deferred_interrupts():
            results = run_suite(ctx.cfg, suite, target, suite_path=suite_path, on_query=on_query,
                                log=ctx.log, should_stop=ctx.cancelled.is_set, run_id=ctx.run.id)
    except Cancelled:
        raise StageCancelledError(None) from None
    except ModelLoadError as exc:
        raise StageError(str(exc)) from None
    if ctx.cfg.evaluation.judge is not None:
        from core.evaluation.judge import judge_results

        results = judge_results(ctx.cfg, suite, results, log=ctx.log)
    ctx.log(f"{role}: {describe(results)}; suite took {results.wall_s:.1f}s")
    return results


def save_results(ctx: StageContext, role: str, results: ResultsFile, *paths: Path) -> list[Path]:
    text = results.model_dump_json(indent=2) + "\n"
    out = [ctx.run.path / "results" / f"{role}.json", *paths]
    for p in out:
        atomic_write_text(p, text)
    ctx.artifact(f"results_{role}", out[0])
    return out


def try_load(path: Path) -> tuple[ResultsFile | None, str]:
    try:
        return load_results(path), ""
    except ResultsError as exc:
        return None, str(exc)


def same_run(results: ResultsFile, suite: Suite, settings: dict[str, Any]) -> str | None:
    """None when ``results`` can stand for a fresh run with these settings; else why not."""
    if results.suite_hash != suite.sha256:
        return f"its suite hash {results.suite_hash[:12]} differs from this suite's {suite.sha256[:12]}"
    got = results.settings.model_dump()
    for k, v in settings.items():
        if got.get(k) != v:
            return f"its {k} was {got.get(k)!r}, this run uses {v!r}"
    return None


def outcome_summary(role: str, results: ResultsFile, paths: list[Path]) -> TestSummary:
    a = results.aggregates
    return TestSummary(
        role=role,
        model=results.model.model_dump(mode="json"),
        accuracy=a.accuracy,
        strict_passes=a.strict_passes,
        n=a.n,
        partial_credit=a.partial_credit,
        checks=dict(a.checks),
        generation_tps_mean=a.generation_tps_mean,
        latency_s_median=a.latency_s_median,
        peak_memory_bytes=a.peak_memory_bytes,
        wall_s=results.wall_s,
        results=str(paths[0]),
        results_copies=[str(p) for p in paths[1:]],
        reused_from=results.reused_from,
        suite_hash=results.suite_hash,
    )
