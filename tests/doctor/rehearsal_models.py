"""Tiny random-weight models with the REAL Qwen vocabularies, for the real-vocabulary rehearsal.

* a ``qwen2`` with the real Qwen2.5-Coder tokenizer (rebuilt offline by core.tokenizers.qwen_real);
* a ``qwen3_moe`` with the real Qwen3 tokenizer.

Both have the real embedding size (151,936 rows), the real added-token ids and chat templates, one
layer, and a hidden size of 64: the smallest that phase25.toml's 5-bit group size (64) divides, as
the vocabulary's rows (embedding and output) are most of the rehearsal's work. The qwen2 is
bfloat16, as Qwen2.5-Coder-7B is; the MoE (4 experts, 2 active) is float32, as MLX's CPU backend
runs the experts' gather_mm in float32 only. Built once per test session in a temporary folder,
in seconds; never committed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

REAL_VOCAB = 151_936
HIDDEN = 64
COMMON: dict[str, Any] = {
    "hidden_size": HIDDEN, "num_hidden_layers": 1, "intermediate_size": 128, "num_attention_heads": 4,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "vocab_size": REAL_VOCAB, "max_position_embeddings": 32768,
    "rope_theta": 1_000_000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
    "bos_token_id": 151643, "eos_token_id": 151645,
}
CONFIGS: dict[str, dict[str, Any]] = {
    "qwen2.5": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", **COMMON},
    # float32: MLX's CPU backend runs the experts' gather_mm in float32 only (Metal has float16 too).
    "qwen3": {"architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", **COMMON, "torch_dtype": "float32",
              "head_dim": 16,
              "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 64, "decoder_sparse_step": 1,
              "mlp_only_layers": [], "norm_topk_prob": True, "attention_bias": False},
}


def build(family: str, out: Path, seed: int = 0) -> Path:
    """A model folder at ``out``: config.json, model.safetensors and the real tokenizer's files."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.utils import _get_classes

    from core.tokenizers.qwen_real import real_tokenizer_dir

    out.mkdir(parents=True)
    config = CONFIGS[family]
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    for f in real_tokenizer_dir(family).iterdir():
        if f.is_file():
            shutil.copy2(f, out / f.name)
    model_cls, args_cls = _get_classes(config)
    mx.random.seed(seed)
    model = model_cls(args_cls.from_dict(config))
    model.set_dtype({"float32": mx.float32, "bfloat16": mx.bfloat16}[config["torch_dtype"]])
    weights = dict(tree_flatten(model.parameters()))
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    return out
