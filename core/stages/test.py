"""test: run the 20-query suite on the candidate (the quantized model parity chose) or the baseline.

    python -m core.stages test_candidate --run-dir DIR      (args: --model candidate)
    python -m core.stages test_baseline --run-dir DIR       (args: --model baseline)

Each query is scored the moment it finishes and reported as a QueryResult event. The results
file goes into the run (results/<role>.json) and next to the outputs (phase25_results.<role>.json).
The baseline reuses ``baseline.results`` when it was made on the same suite (same hash): a per-model
baseline file or the combined phase25_results.json (its baseline part); another model's file is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.data.suite import Suite
from core.evaluation.reuse import NotABaseline, earlier_baseline, suite_mismatch
from core.evaluation.schema import ResultsError
from core.evaluation.targets import (
    TargetError,
    baseline_target,
    candidate_target,
    read_parity_decision,
    results_path,
)
from core.stages.base import StageContext, StageError, StageOutcome
from core.stages.evalkit import (
    announce,
    equivalent_command,
    outcome_summary,
    run_target,
    same_run,
    save_results,
    try_load,
)
from core.stages.fetch import fetch_models
from core.stages.suite_choice import configured_suite_files, load_stage_suite


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=("candidate", "baseline"), required=True,
                        help="which model to test")


def _settings(ctx: StageContext) -> dict[str, object]:
    ev = ctx.cfg.evaluation
    return {"max_tokens": ev.max_tokens, "temperature": ev.temperature, "compact_prompt": ev.compact_prompt}


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    role: str = ctx.args.model
    suite, suite_path = load_stage_suite(ctx)
    out_path = results_path(cfg, role)

    if role == "baseline" and cfg.baseline.results:
        reused = _reuse_earlier_baseline(ctx, suite, suite_path, out_path)
        if reused is not None:
            return reused

    try:
        if role == "candidate":
            target, why = candidate_target(cfg)
            ctx.log(f"candidate: {why}")
        else:
            target = baseline_target(cfg)
    except TargetError as exc:
        raise StageError(str(exc)) from None

    inputs = [*configured_suite_files(cfg), cfg.resolve(cfg.data.workspaces)]
    for p in (target.load_path, target.adapter_path):
        if p and Path(p).exists():
            inputs.append(Path(p))
    key = ctx.cache_key({"role": role, "evaluation": cfg.evaluation.model_dump(), "path": target.load_path,
                         "adapter": target.adapter_path, "family": target.identity.family}, inputs=inputs)
    eq = equivalent_command(target, cfg.evaluation.max_tokens, cfg.evaluation.temperature)
    hit = ctx.cached(key)
    if hit is not None:
        results, _ = try_load(out_path)
        if results is not None:
            ctx.log(f"{role}: unchanged since the last run; results in {out_path}")
            announce(ctx, role, results)
            ctx.equivalent(eq)
            return hit
        ctx.mark_pending()  # the record's results file cannot be read: this run writes a new one

    results = None
    if role == "candidate":
        results = _parity_run_of(ctx, target.load_path, suite)
    if results is None:
        if role == "baseline":
            fetch_models(ctx, ["baseline"])  # a Hugging Face id not yet cached: downloaded first, with progress
        ctx.start_mlx_memory()
        results = run_target(ctx, role, target, suite, suite_path)
    else:
        announce(ctx, role, results)
    results = results.model_copy(update={"model": target.identity})
    paths = save_results(ctx, role, results, out_path)
    if role == "candidate":
        _unadapted_run(ctx, suite, suite_path)
    ctx.equivalent(eq)
    summary = outcome_summary(role, results, paths)
    a = results.aggregates
    tps = f", {a.generation_tps_mean:.0f} tok/s" if a.generation_tps_mean else ""
    outcome = StageOutcome(summary=summary, headline=f"{a.strict_passes}/{a.n} strict{tps}")
    ctx.store_cache(key, outcome, outputs=[out_path])
    return outcome


def _unadapted_run(ctx: StageContext, suite: Suite, suite_path: Path) -> None:
    """The unadapted candidate on the same suite, once (cached by hash), for "what LoRA changed"."""
    from core.evaluation.lora_change import unadapted_results

    try:
        unadapted_results(ctx.cfg, suite, suite_path, log=ctx.log, run_id=ctx.run.id)
    except Exception as exc:  # noqa: BLE001 - the report says it was not measured; the test stands
        ctx.log(f"unadapted candidate: not measured ({type(exc).__name__}: {exc})", "warning")


def _reuse_earlier_baseline(ctx: StageContext, suite: Suite, suite_path: Path, out_path: Path
                            ) -> StageOutcome | None:
    """Reuse ``baseline.results`` when it holds the baseline on this suite; None means run the baseline.
    A file holding another model's results stops the stage: it is never taken for the baseline."""
    earlier = ctx.cfg.resolve(ctx.cfg.baseline.results or "")
    if not earlier.exists():
        ctx.log(f"baseline: baseline.results names {earlier}, which does not exist; running the baseline",
                "warning")
        return None
    try:
        results, source = earlier_baseline(earlier)
    except NotABaseline as exc:
        raise StageError(f"baseline.results: {exc}") from None
    except ResultsError as exc:
        ctx.log(f"baseline: not reusing baseline.results: {exc}; running the baseline", "warning")
        return None
    why = suite_mismatch(results, source, suite.sha256, suite_path)
    if why:
        ctx.log(f"baseline: not reusing baseline.results: {why}; running the baseline", "warning")
        return None
    results = results.model_copy(update={"reused_from": source, "run_id": ctx.run.id})
    ctx.log(f"baseline: reusing {source} (same suite {suite.sha256[:12]}); the 30B is not run again")
    announce(ctx, "baseline", results)
    paths = save_results(ctx, "baseline", results, out_path)
    ctx.equivalent(f"# reused {source}")
    summary = outcome_summary("baseline", results, paths)
    a = results.aggregates
    return StageOutcome(summary=summary, headline=f"{a.strict_passes}/{a.n} (reused)")


def _parity_run_of(ctx: StageContext, load_path: str, suite: object):  # type: ignore[no-untyped-def]
    """Parity's run of this very model with the same settings, if it made one."""
    decision = read_parity_decision(ctx.cfg)
    if not decision:
        return None
    run_file = (decision.get("results") or {}).get(str(load_path))
    if not run_file:
        return None
    results, _ = try_load(Path(run_file))
    if results is None or results.model.path != str(load_path):
        return None
    why = same_run(results, suite, _settings(ctx))  # type: ignore[arg-type]
    if why is not None:
        ctx.log(f"candidate: not reusing parity's run ({why})")
        return None
    expected = (decision.get("fingerprints") or {}).get(str(load_path))
    if expected and expected != ctx.fingerprint(Path(load_path)):
        ctx.log("candidate: the model changed since parity ran; testing it again")
        return None
    ctx.log(f"candidate: reusing parity's run of the same model ({run_file})")
    return results.model_copy(update={"reused_from": str(run_file), "run_id": ctx.run.id})
