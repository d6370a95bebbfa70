"""Fuse an adapter into its base model and save it in float16.

What ``mlx_lm fuse`` does (load with the adapter, ``fuse()`` every adapted layer, ``--dequantize``
when the base is quantized), plus what it does not: the fused weights are cast to float16 (mlx-lm
keeps the base dtype and has no --dtype), and the folder is written beside the target and swapped
in only when complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.staging import staged_dir


class FuseCancelled(Exception):
    pass


def base_is_quantized(model: str) -> bool | None:
    """From a local model's config.json; None when it cannot be read (a hub id not yet fetched)."""
    try:
        config = json.loads((Path(model) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return "quantization" in config or "quantization_config" in config


def fuse_model(base: str, adapter: Path, out: Path, should_stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Fuse ``adapter`` into ``base``; write a float16 model folder at ``out``. Returns facts about it."""
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map_with_path, tree_unflatten
    from mlx_lm.utils import dequantize_model, load, save

    loaded: Any = load(base, adapter_path=str(adapter), return_config=True)
    model, tokenizer, config = loaded

    def leaves(tree: Any) -> list[Any]:
        flat: Any = tree_flatten(tree)
        return [v for _, v in flat]

    quantized = "quantization" in config
    fused = [(n, m.fuse(dequantize=quantized)) for n, m in model.named_modules() if hasattr(m, "fuse")]
    if fused:
        model.update_modules(tree_unflatten(fused))
    if quantized:
        model = dequantize_model(model)
        config.pop("quantization", None)
        config.pop("quantization_config", None)
    cast_ok = getattr(model, "cast_predicate", lambda _: True)
    before = sorted({str(v.dtype) for v in leaves(model.parameters())})

    def to_f16(path: str, v: Any) -> Any:
        return v.astype(mx.float16) if cast_ok(path) and mx.issubdtype(v.dtype, mx.floating) else v

    model.update(tree_map_with_path(to_f16, model.parameters()))
    config["torch_dtype"] = "float16"
    params = sum(v.size for v in leaves(model.parameters()))
    if should_stop():
        raise FuseCancelled()
    with staged_dir(out, create=False) as tmp:
        save(tmp, base, model, tokenizer, config, donate_model=False)
        if should_stop():
            raise FuseCancelled()
    dtypes = sorted({str(v.dtype) for v in leaves(model.parameters())})
    return {
        "path": str(out),
        "dtype": "float16",
        "dtypes": [d.replace("mlx.core.", "") for d in dtypes],
        "base_dtypes": [d.replace("mlx.core.", "") for d in before],
        "dequantized": quantized,
        "fused_layers": len(fused),
        "parameters": int(params),
    }
