"""fuse: the adapter fused into the base model, saved in float16 at ``outputs.fused``.

Loads with plain ``mlx_lm.load``. A quantized base is dequantized first. The folder is built in
``.NAME.staging`` beside the target and swapped in only when the stage has succeeded: until then the
earlier fused model stays as it was. Cached on the adapter's and the base model's content.
"""

from __future__ import annotations

from pathlib import Path

from core.fmt import nbytes
from core.stage_summaries import FuseSummary
from core.stages.base import StageCancelledError, StageContext, StageError, StageOutcome
from core.staging import fresh_staging, looks_generated, swap_in
from core.training.mlx_commands import fuse_command
from core.training.plan import PlanError, resolve_base_model


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    try:
        base, is_local = resolve_base_model(cfg)
    except PlanError as exc:
        raise StageError(str(exc)) from None
    adapter = cfg.resolve(cfg.outputs.adapter)
    files = [adapter / "adapters.safetensors", adapter / "adapter_config.json"]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise StageError(f"no adapter to fuse: {missing[0]} is missing (outputs.adapter); run the train stage first")
    out = cfg.resolve(cfg.outputs.fused)
    if out.exists() and not looks_generated(out):
        raise StageError(f"{out} (outputs.fused) exists and does not look like a model folder; "
                         "not replacing it. Move it away or point outputs.fused elsewhere")
    from core.convert.fuse import base_is_quantized

    quantized = bool(base_is_quantized(base)) if is_local else False
    equivalent = fuse_command(base, adapter, out, dequantize=quantized, cast_f16=_needs_cast(base))
    key = ctx.cache_key({"dtype": "float16", "out": str(out)},
                        inputs=files + ([Path(base)] if is_local else []), model=base)
    hit = ctx.cached(key)
    if hit is not None:
        ctx.log(f"cached: the fused model in {out} is up to date")
        ctx.equivalent(equivalent)
        return hit
    ctx.equivalent(equivalent)
    ctx.start_mlx_memory()
    from core.convert.fuse import FuseCancelled, fuse_model

    staged = fresh_staging(out)
    with ctx.deferred_interrupts():
        try:
            info = fuse_model(base, adapter, staged, should_stop=ctx.cancelled.is_set)
        except FuseCancelled:
            raise StageCancelledError(None) from None
        swap_in(staged, out)
    art = ctx.artifact("fused_model", out)
    summary = FuseSummary(**{**info, "path": str(out), "bytes": art.bytes, "sha256": art.sha256})
    headline = f"float16 · {nbytes(art.bytes)}" + (" · dequantized" if summary.dequantized else "")
    outcome = StageOutcome(summary=summary, headline=headline)
    ctx.store_cache(key, outcome, outputs=[out])
    return outcome


def _needs_cast(base: str) -> bool:
    """True unless the base's config already says float16 (then mlx_lm fuse alone is equivalent)."""
    import json

    try:
        config = json.loads((Path(base) / "config.json").read_text())
    except (OSError, ValueError):
        return True
    return config.get("torch_dtype", config.get("dtype")) != "float16"
