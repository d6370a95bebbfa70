"""Tiny random-weight models with the demo's tokenizers, for exercising the evaluation code path fast.

Random weights generate noise: these check plumbing and measurements, never scores. The weights
are drawn wide enough that different prompts give different replies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from core.codemode.prompt import execute_code_tool_schema, system_prompt
from core.demo import DemoRecipe, model_config
from core.tokenizers.demo_bpe import build_demo_tokenizer

RECIPE = DemoRecipe(vocab_size=300, hidden_size=32, num_layers=1, heads=2, kv_heads=1, intermediate_size=64,
                    num_experts=4, experts_per_tok=2, moe_intermediate_size=32)


def build_tiny_model(out: Path, role: str, texts: list[str], seed: int = 0) -> Path:
    import mlx.core as mx
    from mlx.utils import tree_map
    from mlx_lm.utils import _get_classes, save_config, save_model

    family = "qwen2.5" if role == "candidate" else "qwen3"
    doc = build_demo_tokenizer(texts + [system_prompt(compact=True), json.dumps(execute_code_tool_schema())],
                               family, out, vocab_size=RECIPE.vocab_size)
    vocab = len(doc["model"]["vocab"]) + len(doc.get("added_tokens", []))
    ids = {t["content"]: t["id"] for t in doc.get("added_tokens", [])}
    config: dict[str, Any] = model_config(role, RECIPE, vocab, ids["<|im_end|>"], ids["<|endoftext|>"])
    mx.random.seed(seed)
    model_cls, args_cls = _get_classes(config)
    model = model_cls(args_cls.from_dict(config))
    model.update(tree_map(lambda p: mx.random.normal(p.shape) * 0.5 if p.ndim > 1 else p, model.parameters()))
    mx.eval(model.parameters())
    save_model(out, model)
    save_config(dict(config), out / "config.json")
    return out


def build_adapter(model_dir: Path, out: Path, rank: int = 4) -> Path:
    """A LoRA adapter for ``model_dir`` in mlx-lm's format (B = 0, so base + adapter == base)."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load_model

    model, _ = load_model(model_dir)
    params = {"rank": rank, "scale": 20.0, "dropout": 0.0}
    linear_to_lora_layers(model, 1, params)
    weights = {k: v for k, v in tree_flatten(model.parameters()) if "lora_" in k}
    out.mkdir(parents=True, exist_ok=True)
    mx.save_safetensors(str(out / "adapters.safetensors"), weights)
    (out / "adapter_config.json").write_text(json.dumps({"fine_tune_type": "lora", "num_layers": 1,
                                                         "lora_parameters": params}))
    return out


def quantize_copy(model_dir: Path, out: Path, bits: int, group_size: int = 32) -> Path:
    from mlx_lm import convert

    if out.exists():
        shutil.rmtree(out)
    convert(str(model_dir), str(out), quantize=True, q_bits=bits, q_group_size=group_size)
    return out
