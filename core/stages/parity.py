"""parity (seed risk 2): does quantization cost accuracy?

Runs the suite on the adapter (base + adapter), the fused 16-bit model and the quantized model.
If the quantized model fails more queries that the 16-bit model passed than
``quantize.parity_tolerance``, it re-quantizes at ``quantize.fallback_bits`` and tests that.
The decision (bits, path, reason) goes to a decision file beside the results, which
test_candidate reads, and into the stage summary.
"""

from __future__ import annotations

import gc
import shlex
from pathlib import Path
from typing import Any

from core.evaluation.schema import ResultsFile
from core.evaluation.suite_run import ModelToTest
from core.evaluation.targets import (
    TargetError,
    parity_decision_path,
    quantized_target,
    results_path,
    variant_targets,
)
from core.runs import atomic_write_json
from core.stage_summaries import ParitySummary
from core.stages.base import StageContext, StageError, StageOutcome
from core.stages.evalkit import run_target, save_results
from core.stages.suite_choice import configured_suite_files, load_stage_suite


def lost_against(reference: ResultsFile, other: ResultsFile) -> list[str]:
    """Queries the reference passed strictly and ``other`` did not."""
    theirs = other.by_id()
    return [q.query_id for q in reference.queries
            if q.score.strict_pass and q.query_id in theirs and not theirs[q.query_id].score.strict_pass]


def requantize(ctx: StageContext, bits: int) -> Path:
    """The fused model quantized at ``bits`` with the quantize stage's own function (always made
    afresh: a folder left from an earlier fused model would not be the model parity judged)."""
    from core.stages.quantize import convert_command, quantize_model

    cfg = ctx.cfg
    fused, out = cfg.resolve(cfg.outputs.fused), cfg.quantized_dir(bits)
    ctx.log(f"re-quantizing {fused} at {bits} bits into {out}")
    ctx.equivalent(convert_command(fused, out, bits, cfg.quantize.group_size))
    info = quantize_model(fused, out, bits, cfg.quantize.group_size)
    ctx.artifact(f"quantized_{bits}bit", out)
    ctx.log(f"{bits}-bit model: {info.get('bits_per_weight') or '?'} bits per weight, {info.get('bytes')} bytes")
    return out


def _variant_summary(res: ResultsFile, lost: list[str] | None) -> dict[str, Any]:
    a = res.aggregates
    return {"path": res.model.path, "strict_passes": a.strict_passes, "n": a.n, "accuracy": a.accuracy,
            "lost": lost, "generation_tps_mean": a.generation_tps_mean, "peak_memory_bytes": a.peak_memory_bytes}


def decide(bits: int, lost: list[str], tolerance: int, fallback: int) -> tuple[bool, str]:
    """(fall back?, reason) for a quantized model that lost ``lost`` queries against f16."""
    if len(lost) > tolerance:
        return True, (f"{bits}-bit lost {len(lost)} quer{'y' if len(lost) == 1 else 'ies'} the f16 model passed "
                      f"({', '.join(lost)}), more than the tolerance of {tolerance}; falling back to {fallback}-bit")
    return False, (f"{bits}-bit lost {len(lost)} quer{'y' if len(lost) == 1 else 'ies'} against f16, within the "
                   f"tolerance of {tolerance}; keeping {bits}-bit")


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    q = cfg.quantize
    suite, suite_path = load_stage_suite(ctx)
    try:
        variants = variant_targets(cfg)
    except TargetError as exc:
        raise StageError(str(exc)) from None
    inputs = [*configured_suite_files(cfg), cfg.resolve(cfg.data.workspaces)]
    inputs += [Path(t.adapter_path or t.load_path) for t in variants.values() if Path(t.adapter_path or t.load_path).exists()]
    key = ctx.cache_key({"evaluation": cfg.evaluation.model_dump(), "quantize": q.model_dump()}, inputs=inputs)
    decision_file = parity_decision_path(cfg)
    ctx.equivalent(shlex.join([
        "mlx_lm", "convert", "--hf-path", str(cfg.resolve(cfg.outputs.fused)), "--mlx-path",
        str(cfg.quantized_dir(q.fallback_bits)), "-q", "--q-bits", str(q.fallback_bits), "--q-group-size",
        str(q.group_size)]) + "   # only when falling back")
    hit = ctx.cached(key)
    if hit is not None and decision_file.is_file():
        ctx.log(f"parity: unchanged since the last run; decision in {decision_file}")
        return hit

    ctx.start_mlx_memory()
    results: dict[str, ResultsFile] = {}
    saved: dict[str, str] = {}

    def test(name: str, target: ModelToTest) -> ResultsFile:
        res = run_target(ctx, name, target, suite, suite_path)
        paths = save_results(ctx, name, res, results_path(cfg, name))
        saved[target.load_path] = str(paths[-1])
        results[name] = res
        gc.collect()
        return res

    for name, target in variants.items():
        test(name, target)
    f16 = results["f16"]
    first = f"q{q.bits}"
    lost = {first: lost_against(f16, results[first])}
    fall_back, reason = decide(q.bits, lost[first], q.parity_tolerance, q.fallback_bits)
    ctx.log(reason)
    chosen_bits, chosen = q.bits, results[first]
    if fall_back:
        requantize(ctx, q.fallback_bits)
        try:
            target = quantized_target(cfg, q.fallback_bits)
        except TargetError as exc:
            raise StageError(str(exc)) from None
        name = f"q{q.fallback_bits}"
        res = test(name, target)
        lost[name] = lost_against(f16, res)
        chosen_bits, chosen = q.fallback_bits, res
        if len(lost[name]) > q.parity_tolerance:
            reason += (f"; {q.fallback_bits}-bit still lost {len(lost[name])} ({', '.join(lost[name])}), "
                       f"kept as the closest to f16")
            ctx.log(reason, "warning")
    decision: dict[str, Any] = {
        "run_id": ctx.run.id,
        "suite_hash": suite.sha256,
        "chosen_bits": chosen_bits,
        "chosen_path": chosen.model.path,
        "reason": reason,
        "tolerance": q.parity_tolerance,
        "variants": {n: _variant_summary(r, lost.get(n)) for n, r in results.items()},
        "results": saved,
        "fingerprints": {chosen.model.path: ctx.fingerprint(Path(chosen.model.path))},
    }
    atomic_write_json(decision_file, decision)
    atomic_write_json(ctx.run.path / "results" / "parity.json", decision)
    ctx.artifact("parity_decision", decision_file)
    line = ", ".join(f"{n} {r.aggregates.strict_passes}/{r.aggregates.n}" for n, r in results.items())
    outcome = StageOutcome(summary=ParitySummary(**decision), headline=f"{chosen_bits}-bit ({line})")
    ctx.store_cache(key, outcome, outputs=[decision_file])
    return outcome
