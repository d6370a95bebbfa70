"""Write a torch-trained demo model as an mlx-lm model folder, and quantize the baseline.

``transformers`` and mlx-lm name the dense weights alike. The differences handled here: tied
embeddings (no ``lm_head``), and ``transformers``' fused MoE experts (``experts.gate_up_proj``
``[E, 2I, H]`` and ``experts.down_proj`` ``[E, H, I]``), which mlx-lm keeps as
``switch_mlp.{gate,up,down}_proj.weight``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any


def mlx_weights(state: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """numpy float32 arrays under mlx-lm's names, from a torch ``state_dict``."""
    out: dict[str, Any] = {}
    inter = config.get("moe_intermediate_size")
    for name, t in state.items():
        a = t.detach().float().cpu().numpy()
        if name == "lm_head.weight" and config.get("tie_word_embeddings"):
            continue
        if name.endswith("mlp.experts.gate_up_proj"):
            base = name[: -len("experts.gate_up_proj")]
            out[base + "switch_mlp.gate_proj.weight"] = a[:, :inter, :].copy()
            out[base + "switch_mlp.up_proj.weight"] = a[:, inter:, :].copy()
        elif name.endswith("mlp.experts.down_proj"):
            out[name[: -len("experts.down_proj")] + "switch_mlp.down_proj.weight"] = a
        else:
            out[name] = a
    return out


def save_mlx(model: Any, config: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Save ``model``'s weights as ``folder/model.safetensors`` (mlx-lm names); returns them (mlx arrays)."""
    import mlx.core as mx

    weights = {k: mx.array(v) for k, v in mlx_weights(model.state_dict(), config).items()}
    mx.save_safetensors(str(folder / "model.safetensors"), weights, metadata={"format": "mlx"})
    return weights


def quantize_in_place(folder: Path, bits: int, group_size: int) -> None:
    """Replace the model in ``folder`` by its ``bits``-bit mlx-lm conversion (tokenizer files kept)."""
    from mlx_lm import convert

    tmp = Path(tempfile.mkdtemp(prefix=".quant-", dir=folder.parent))
    shutil.rmtree(tmp)
    try:
        convert(str(folder), str(tmp), quantize=True, q_bits=bits, q_group_size=group_size)
        for name in ("model.safetensors", "config.json"):
            shutil.copyfile(tmp / name, folder / name)
        index = folder / "model.safetensors.index.json"
        if index.exists():
            index.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
