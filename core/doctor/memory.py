"""The memory each stage needs, from a model's ``config.json`` alone.

Weights follow ``core.evaluation.predict`` (the report's physics). Training adds, for LoRA:

* the adapter: ``rank x (in + out)`` per adapted matrix (every linear layer of the trained layers,
  each expert's too, as mlx-lm's ``linear_to_lora_layers`` does), in float32, with its gradient and
  Adam's two moments: 16 bytes per adapter parameter;
* activations kept for the backward pass, per token of the padded batch and per trained layer:
  the norms' inputs and outputs, q/k/v, the attention probabilities (``heads x sequence``: the
  backward pass of attention works on the unfused scores), the attention output, and the MLP's
  gate, up, activation and product (``4 x intermediate``; for MoE, per routed expert, plus the
  router's scores and the routed copies of the hidden state). Frozen layers before the trained
  ones keep nothing: no gradient flows through them;
* with gradient checkpointing, only each trained layer's input is kept, and one layer's
  activations are rebuilt at a time during the backward pass;
* while one layer's gradient is computed: its attention scores' and probabilities' gradients;
* the logits, kept for the loss's backward pass, and while it runs their softmax, its product with
  the incoming gradient, and the scattered gradient of the target logits (``4 x vocab`` per token).

Fuse holds the base weights plus new copies of the adapted matrices; quantize holds the float16
model and its quantized copy; testing holds the tested weights, the KV cache of ``batch_size``
sequences at the longest prompt plus ``max_tokens``, and the largest prefill step's attention scores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.evaluation.predict import count_params, predict, weights_dtype_bits

PREFIX_CHUNK = 512
"""The test stage prefills the suite's shared system prefix in chunks of this many tokens."""

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


@dataclass(frozen=True)
class Arch:
    model_type: str
    hidden: int
    layers: int
    n_q: int
    n_kv: int
    head_dim: int
    intermediate: int
    vocab: int
    experts: int
    experts_per_tok: int
    moe_intermediate: int
    dtype_bytes: int

    @property
    def q_out(self) -> int:
        return self.n_q * self.head_dim

    @property
    def kv_out(self) -> int:
        return self.n_kv * self.head_dim


def arch(cfg: dict[str, Any]) -> Arch:
    """The dimensions the memory model needs (count_params has already checked they exist)."""
    count_params(cfg)  # raises PredictError naming the missing field
    if "text_config" in cfg and "hidden_size" not in cfg:
        cfg = cfg["text_config"]
    hidden, n_q = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
    experts = int(cfg.get("num_experts") or cfg.get("num_local_experts") or 0)
    return Arch(
        model_type=str(cfg.get("model_type", "?")),
        hidden=hidden,
        layers=int(cfg["num_hidden_layers"]),
        n_q=n_q,
        n_kv=int(cfg.get("num_key_value_heads") or n_q),
        head_dim=int(cfg.get("head_dim") or hidden // n_q),
        intermediate=int(cfg.get("intermediate_size") or 0),
        vocab=int(cfg["vocab_size"]),
        experts=experts,
        experts_per_tok=int(cfg.get("num_experts_per_tok") or 0),
        moe_intermediate=int(cfg.get("moe_intermediate_size") or cfg.get("intermediate_size") or 0),
        dtype_bytes=DTYPE_BYTES.get(str(cfg.get("torch_dtype") or "bfloat16"), 2),
    )


def trained_layers(a: Arch, num_layers: int) -> int:
    return a.layers if num_layers < 0 else min(num_layers, a.layers)


def lora_params_per_layer(a: Arch, rank: int) -> int:
    h, r = a.hidden, rank
    attn = r * ((h + a.q_out) + 2 * (h + a.kv_out) + (a.q_out + h))
    if a.experts:
        mlp = r * (h + a.experts) + a.experts * r * 3 * (h + a.moe_intermediate)
    else:
        mlp = r * 3 * (h + a.intermediate)
    return attn + mlp


def layer_activations(a: Arch, seq: int, rank: int) -> int:
    """Elements kept per token by one trained layer for the backward pass (no checkpointing)."""
    h = a.hidden
    attn = 4 * h + 2 * a.q_out + 2 * a.kv_out + a.n_q * seq + 4 * rank
    if a.model_type.startswith("qwen3"):
        attn += a.q_out + a.kv_out  # q_norm / k_norm inputs
    if a.experts:
        k = a.experts_per_tok
        mlp = 2 * a.experts + 2 * k * h + 4 * k * a.moe_intermediate + 3 * k * rank
    else:
        mlp = 4 * a.intermediate + 3 * rank
    return attn + mlp


@dataclass(frozen=True)
class TrainMemory:
    weights: int
    lora_params: int
    lora_state: int
    """Adapter weights, gradients and Adam moments (float32)."""
    activations: int
    activations_checkpointed: int
    logits: int
    tokens: int
    """batch_size x sequence length."""
    trained_layers: int

    @property
    def total(self) -> int:
        return self.weights + self.lora_state + self.activations + self.logits

    @property
    def total_checkpointed(self) -> int:
        return self.weights + self.lora_state + self.activations_checkpointed + self.logits

    def peak(self, grad_checkpoint: bool) -> int:
        return self.total_checkpointed if grad_checkpoint else self.total

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"total": self.total, "total_checkpointed": self.total_checkpointed}


def weight_bytes(cfg: dict[str, Any]) -> int:
    """The model's weights as stored: quantized at their bits, else at their dtype."""
    bits, gs = weights_dtype_bits(cfg)
    p = predict(cfg, bits, gs, 1.0)
    if bits is None and arch(cfg).dtype_bytes == 4:
        return p.weight_bytes * 2
    return p.weight_bytes


def train_memory(cfg: dict[str, Any], *, batch_size: int, seq_len: int, num_layers: int, rank: int,
                 full: bool = False) -> TrainMemory:
    """Peak memory of one training step. ``full`` trains every weight of the trained layers."""
    a = arch(cfg)
    n = trained_layers(a, num_layers)
    tokens = batch_size * seq_len
    ab = a.dtype_bytes
    if full:
        pc = count_params(cfg)
        per_layer = (pc.matrices - pc.embedding - pc.lm_head) // max(a.layers, 1)
        lora = per_layer * n
        state = lora * (ab + ab + 8)  # weights counted already; gradient + two float32 moments
    else:
        lora = lora_params_per_layer(a, rank) * n
        state = lora * 16
    per_layer_act = layer_activations(a, seq_len, rank) * tokens * ab
    backward = 2 * a.n_q * seq_len * tokens * ab  # the gradients of one layer's scores and probabilities
    acts = n * per_layer_act + backward
    acts_ckpt = n * tokens * a.hidden * ab + per_layer_act + backward
    logits = 4 * tokens * a.vocab * ab
    return TrainMemory(weights=weight_bytes(cfg), lora_params=lora, lora_state=state, activations=acts,
                       activations_checkpointed=acts_ckpt, logits=logits, tokens=tokens, trained_layers=n)


def fuse_peak(cfg: dict[str, Any], num_layers: int) -> int:
    """The base weights plus new copies of the adapted layers' matrices."""
    a = arch(cfg)
    pc = count_params(cfg)
    per_layer = (pc.matrices - pc.embedding - pc.lm_head) / max(a.layers, 1)
    base = weight_bytes(cfg)
    return int(base + per_layer * trained_layers(a, num_layers) * 2)


def quantize_peak(cfg: dict[str, Any], bits: int, group_size: int) -> int:
    """The float16 model and its quantized copy."""
    return predict(cfg, None, None, 1.0).weight_bytes + predict(cfg, bits, group_size, 1.0).weight_bytes


@dataclass(frozen=True)
class TestMemory:
    weights: int
    kv_cache: int
    prefill: int
    context: int
    batch_size: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.prefill

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"total": self.total}


def test_memory(cfg: dict[str, Any], *, bits: int | None, group_size: int | None, prompt_tokens: int,
                max_tokens: int, batch_size: int, shared_prefix: int = 0) -> TestMemory:
    """Weights at ``bits`` (None: as stored), the KV cache of a batch, and the largest prefill step.

    The test stage prefills the prompts' shared prefix once, in chunks of PREFIX_CHUNK tokens, then
    each query's own remainder in the batch. Only the cache is evaluated during a prefill, so the
    logits of the prompt positions are never built; a step holds one layer's attention scores.
    """
    a = arch(cfg)
    ctx = prompt_tokens + max_tokens
    act = a.dtype_bytes if bits is None else 2  # quantized models compute in float16
    kv = batch_size * a.layers * 2 * a.kv_out * ctx * act
    chunk = min(shared_prefix, PREFIX_CHUNK)
    prefix_step = a.n_q * chunk * shared_prefix
    rest = max(prompt_tokens - shared_prefix, 1)
    batch_step = batch_size * a.n_q * rest * prompt_tokens
    prefill = max(prefix_step, batch_step) * act + batch_size * a.vocab * 4
    weights = weight_bytes(cfg) if bits is None else predict(cfg, bits, group_size, 1.0).weight_bytes
    return TestMemory(weights=weights, kv_cache=kv, prefill=prefill, context=ctx, batch_size=batch_size)
