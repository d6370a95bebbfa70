"""The demo build recipe (everything that decides the weights, besides the corpus) and config.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Backend = Literal["torch", "mlx"]


@dataclass(frozen=True)
class DemoRecipe:
    """Everything that decides the built weights, besides the corpus. Recorded in BUILD.json.

    The candidate stays small: the demo pipeline's MLX LoRA runs over all of it on a 2-core CPU.
    The baseline only runs inference in the demo, so it is larger, and it is stored at
    ``baseline_bits`` (the seed's Phase 24 model is 5-bit).
    """

    seed: int = 0
    backend: Backend = "torch"       # torch: the [build] extra (fast CPU matmul); mlx: no extra needed
    # candidate: qwen2
    vocab_size: int = 1024           # BPE vocabulary (bytes + merges); the added tokens come on top
    hidden_size: int = 96            # divisible by the demo's quantization group size (32)
    num_layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    intermediate_size: int = 192
    # baseline: qwen3_moe
    baseline_vocab_size: int = 2048
    moe_hidden_size: int = 128       # divisible by baseline_group_size
    baseline_layers: int = 3
    baseline_heads: int = 4
    baseline_kv_heads: int = 2
    num_experts: int = 8             # many experts, few active, like 30B-A3B
    experts_per_tok: int = 2
    moe_intermediate_size: int = 128
    baseline_bits: int = 5           # 0 keeps float weights
    baseline_group_size: int = 64
    # candidate "instruct" pretraining: generic tool chats + direct answers + generic code
    toolchat_rows: int = 800
    init_unseen_tokens: bool = True   # torch backend: tokens pretraining never saw get their BPE parts' mean
    more_toolchat_rows: int = 800     # tools listed in the system prompt's words, and run_python chats
    pretrain_iters: int = 1500
    pretrain_batch_size: int = 4
    pretrain_lr: float = 2e-3
    # baseline: pretraining on the same rows (generic tool chats teach it to read a request's
    # arguments and a tool's output), then the Code Mode fine-tune (Phase 24 analogue). Chosen on
    # the demo's validation prompts, never the suite: with 800 pretraining iterations the code named
    # the tools the reference rows use on 34 of 42 validation tool prompts, without it on 28
    baseline_pretrain_iters: int = 800
    finetune_iters: int = 1200
    finetune_lr: float = 2e-3
    batch_size: int = 8              # baseline batches
    max_seq_length: int = 640
    eval_every: int = 100            # validation points on the recorded curves
    val_batches: int = 8             # mlx backend: validation batches before/after each phase
    dtype: str = "float32"
    extra: dict[str, Any] = field(default_factory=dict)


def model_config(role: str, recipe: DemoRecipe, vocab_size: int, eos_id: int, pad_id: int) -> dict[str, Any]:
    """config.json of a demo model, shaped like the real model's (model_type picks the mlx-lm class)."""
    hidden = recipe.hidden_size if role == "candidate" else recipe.moe_hidden_size
    common: dict[str, Any] = {
        "hidden_size": hidden,
        "num_hidden_layers": recipe.num_layers if role == "candidate" else recipe.baseline_layers,
        "intermediate_size": recipe.intermediate_size,
        "num_attention_heads": recipe.heads if role == "candidate" else recipe.baseline_heads,
        "num_key_value_heads": recipe.kv_heads if role == "candidate" else recipe.baseline_kv_heads,
        "rms_norm_eps": 1e-6,
        "vocab_size": vocab_size,
        "max_position_embeddings": 4096,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
        "torch_dtype": recipe.dtype,
        "eos_token_id": eos_id,
        "pad_token_id": pad_id,
        "bos_token_id": None,
        "hidden_act": "silu",
    }
    if role == "candidate":
        return {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", **common}
    return {
        "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", **common,
        "head_dim": hidden // recipe.baseline_heads,
        "num_experts": recipe.num_experts,
        "num_experts_per_tok": recipe.experts_per_tok,
        "moe_intermediate_size": recipe.moe_intermediate_size,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "norm_topk_prob": True,
        "attention_bias": False,
    }
