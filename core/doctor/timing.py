"""Stage times from FLOPs and bytes moved, against this machine's measured throughput.

* Training, per token: the forward pass over every layer (2 FLOPs per active weight, plus the
  attention scores, ``4 x sequence x query width`` per layer) and the backward pass through the
  trained layers only (about twice their forward: no gradient flows into the frozen layers before
  them), plus one more forward of the trained layers with gradient checkpointing. That is the
  familiar ``6 x parameters x tokens`` when every layer is trained. Validation adds forward passes.
* Decoding: each step reads the active weights once, so a step takes ``bytes per token /
  bandwidth`` or the batch's FLOPs / throughput, whichever is longer. Prompts are prefilled at the
  matmul throughput.
* Fuse and quantize move the weights: read the input, write the output.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from core.doctor.memory import arch, trained_layers
from core.evaluation.predict import count_params, predict


@dataclass(frozen=True)
class TrainTime:
    flops: float
    tokens: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _per_token_flops(cfg: dict[str, Any], seq: int, num_layers: int, grad_checkpoint: bool,
                     full: bool) -> tuple[float, float]:
    """(forward, forward + backward) FLOPs per token."""
    a = arch(cfg)
    pc = count_params(cfg)
    body = pc.matrices_active - pc.embedding - pc.lm_head
    per_layer = body / max(a.layers, 1) + 4 * seq * a.q_out
    head = a.vocab * a.hidden
    forward = 2 * (body + head) + 4 * seq * a.q_out * a.layers
    n = trained_layers(a, num_layers)
    backward = 2 * 2 * per_layer * n + 2 * 2 * head  # input gradients through the trained layers and the head
    if full:
        backward += 2 * per_layer * n  # weight gradients too
    if grad_checkpoint:
        backward += 2 * per_layer * n
    return forward, forward + backward


def step_flops(cfg: dict[str, Any], seq: int, num_layers: int, grad_checkpoint: bool, full: bool = False) -> float:
    """FLOPs per trained token of one LoRA (or full) training step."""
    return _per_token_flops(cfg, seq, num_layers, grad_checkpoint, full)[1]


def train_time(cfg: dict[str, Any], *, tokens_per_row: float, batch_size: int, iters: int, num_layers: int,
               grad_checkpoint: bool, val_batches: int, steps_per_eval: int, flops_per_s: float,
               full: bool = False) -> TrainTime:
    seq = max(int(tokens_per_row), 1)
    fwd, step = _per_token_flops(cfg, seq, num_layers, grad_checkpoint, full)
    tokens = int(iters * batch_size * tokens_per_row)
    evals = iters // max(steps_per_eval, 1) + 1
    val_tokens = evals * max(val_batches, 0) * batch_size * tokens_per_row
    flops = step * tokens + fwd * val_tokens
    return TrainTime(flops=flops, tokens=tokens, seconds=flops / flops_per_s)


@dataclass(frozen=True)
class DecodeTime:
    bytes_per_token: int
    step_s: float
    tokens_per_s: float
    """Per sequence; the batch decodes batch_size of them together."""
    generated_tokens: int
    prefill_s: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def test_time(cfg: dict[str, Any], *, bits: int | None, group_size: int | None, queries: int, rounds: int,
              prompt_tokens: int, max_tokens: int, batch_size: int, bandwidth: float,
              flops_per_s: float) -> DecodeTime:
    """The suite at ``max_tokens`` per round (an upper bound: most replies stop earlier)."""
    p = predict(cfg, bits, group_size, bandwidth / 1e9)
    pc = count_params(cfg)
    per_token_flops = 2 * pc.active
    step = max(p.bytes_per_token / bandwidth, batch_size * per_token_flops / flops_per_s)
    steps = math.ceil(queries / max(batch_size, 1)) * rounds * max_tokens
    prefill = queries * rounds * prompt_tokens * per_token_flops / flops_per_s
    return DecodeTime(bytes_per_token=p.bytes_per_token, step_s=step, tokens_per_s=1 / step,
                      generated_tokens=queries * rounds * max_tokens, prefill_s=prefill,
                      seconds=steps * step + prefill)


def copy_time(read_bytes: int, write_bytes: int, bandwidth: float) -> float:
    """Fuse and quantize: at best the memory traffic (the disk may well be slower)."""
    return (read_bytes + write_bytes) / bandwidth
