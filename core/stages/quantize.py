"""quantize: the fused float16 model quantized with mlx-lm's convert, into ``outputs.quantized``.

``--bits N`` quantizes at N bits instead of ``quantize.bits`` (the parity stage asks for the
fallback this way: ``python -m core.stages quantize --run-dir D --bits 8``); other code can call
:func:`core.convert.quantize.quantize_model` directly. Each bit width has its own output folder
and its own cache entry. The model is built in ``.NAME.staging`` beside its folder and swapped in
only when complete, so a failed or killed run leaves the earlier one as it was. The summary gives
the bits per weight measured from the saved weights, the size on disk and the layers left unquantized.
"""

from __future__ import annotations

import argparse

from core.convert.quantize import quantize_model
from core.fmt import nbytes
from core.stage_summaries import QuantizeSummary
from core.stages.base import StageContext, StageError, StageOutcome
from core.staging import fresh_staging, looks_generated, swap_in
from core.training.mlx_commands import convert_command

__all__ = ["quantize_model", "add_arguments", "run"]

BITS = (2, 3, 4, 5, 6, 8)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bits", type=int, choices=BITS, default=None,
                        help="quantize at these bits instead of quantize.bits (e.g. the 8-bit fallback)")


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    bits = getattr(ctx.args, "bits", None) or cfg.quantize.bits
    group = cfg.quantize.group_size
    fused = cfg.resolve(cfg.outputs.fused)
    if not (fused / "config.json").is_file():
        raise StageError(f"no fused model to quantize: {fused} (outputs.fused) has no config.json; "
                         "run the fuse stage first")
    out = cfg.quantized_dir(bits)
    if out.resolve() == fused.resolve():
        raise StageError(f"outputs.quantized for {bits} bits is the fused model's own folder ({out})")
    if out.exists() and not looks_generated(out):
        raise StageError(f"{out} (outputs.quantized) exists and does not look like a model folder; "
                         "not replacing it. Move it away or point outputs.quantized elsewhere")
    equivalent = convert_command(fused, out, bits, group)
    slot = f"quantize-{bits}bit"
    key = ctx.cache_key({"bits": bits, "group_size": group, "out": str(out)}, inputs=[fused])
    hit = ctx.cached(key, slot=slot)
    if hit is not None:
        ctx.log(f"cached: the {bits}-bit model in {out} is up to date")
        ctx.equivalent(equivalent)
        return hit
    ctx.equivalent(equivalent)
    ctx.start_mlx_memory()
    staged = fresh_staging(out)  # the earlier model stays as it was until this one is complete
    info = quantize_model(fused, staged, bits, group)
    swap_in(staged, out)
    art = ctx.artifact(f"quantized_{bits}bit", out)
    summary = QuantizeSummary(**{**info, "path": str(out), "bytes": art.bytes, "sha256": art.sha256,
                                 "fallback": bits != cfg.quantize.bits})
    if info["skipped_layers"]:
        ctx.log(f"{info['skipped_layers']} layers left unquantized: "
                + ", ".join(f"{s['layer']} ({s['reason']})" for s in info["skipped"][:4])
                + (" ..." if info["skipped_layers"] > 4 else ""), "warning")
    bpw = info["bits_per_weight"]
    headline = f"{bits}-bit · {bpw:.2f} bpw · {nbytes(art.bytes)}" if bpw else f"{bits}-bit · {nbytes(art.bytes)}"
    if info["skipped_layers"]:
        headline += f" · {info['skipped_layers']} skipped"
    outcome = StageOutcome(summary=summary, headline=headline)
    ctx.store_cache(key, outcome, outputs=[out], slot=slot)
    return outcome
