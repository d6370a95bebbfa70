"""Quantize a fused model with mlx-lm's convert, and measure what came out.

``mlx_lm.convert.convert`` refuses an existing output path, so the model is built at a new path
beside the target and swapped in when complete: an existing output is replaced cleanly, and a
failed or cancelled run leaves it as it was.

The figures come from the saved files, not from the library's own print-out:
bits per weight = all bits on disk in the weight files / the model's parameter count (a packed
weight of ``b`` bits holds ``32 / b`` parameters per uint32; scales and biases count as overhead).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.staging import staged_dir


def weight_stats(model_dir: Path, group_size: int | None = None) -> dict[str, Any]:
    """Bits per weight, parameters and the 2-D weights left unquantized, from the saved model."""
    import mlx.core as mx

    weights: dict[str, Any] = {}
    files = sorted(Path(model_dir).glob("*.safetensors"))
    for f in files:
        loaded: Any = mx.load(str(f))
        weights.update(loaded)
    config = json.loads((Path(model_dir) / "config.json").read_text())
    q: dict[str, Any] = config.get("quantization") or {}
    total_bits, params = 0, 0
    quantized: list[str] = []
    skipped: list[dict[str, Any]] = []
    for name, w in weights.items():
        total_bits += w.nbytes * 8
        prefix = name.rsplit(".", 1)[0]
        has_scales = f"{prefix}.scales" in weights
        if has_scales and name.endswith((".scales", ".biases")):
            continue  # quantization overhead, not parameters
        if name.endswith(".weight") and has_scales:
            layer_q: dict[str, Any] = q[prefix] if isinstance(q.get(prefix), dict) else {}
            bits = int(layer_q.get("bits", q.get("bits", 32)))
            params += w.size * 32 // bits
            quantized.append(prefix)
            continue
        params += w.size
        if name.endswith(".weight") and w.ndim >= 2 and q:
            last = int(w.shape[-1])
            gs = int(group_size or q.get("group_size", 64))
            reason = (f"last dim {last} not divisible by group size {gs}" if last % gs
                      else "left in float by the model's quantization rule")
            skipped.append({"layer": prefix, "shape": list(w.shape), "reason": reason})
    return {
        "bits_per_weight": total_bits / params if params else None,
        "parameters": params,
        "weight_bytes": total_bits // 8,
        "quantized_layers": len(quantized),
        "skipped_layers": len(skipped),
        "skipped": skipped,
    }


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def quantize_model(fused_dir: Path | str, out_dir: Path | str, bits: int, group_size: int) -> dict[str, Any]:
    """Quantize ``fused_dir`` to ``bits`` with ``group_size`` into ``out_dir`` (replaced atomically).

    Returns: path, bits, group_size, bits_per_weight, bytes (on disk), parameters,
    quantized_layers, skipped_layers (count) and skipped (each layer with its shape and reason).
    """
    from mlx_lm.convert import convert

    fused_dir, out_dir = Path(fused_dir), Path(out_dir)
    with staged_dir(out_dir, create=False) as tmp:
        convert(str(fused_dir), str(tmp), quantize=True, q_bits=bits, q_group_size=group_size)
        stats = weight_stats(tmp, group_size)
    return {"path": str(out_dir), "bits": bits, "group_size": group_size, "bytes": dir_size(out_dir), **stats}
