"""Full-weight training of a demo stand-in with ``transformers`` + ``torch`` on CPU (``[build]`` extra).

The model is the ``transformers`` class of the same architecture mlx-lm runs (``Qwen2ForCausalLM``,
``Qwen3MoeForCausalLM``), built from the demo's config.json; ``core.demo.export`` then writes its
weights under mlx-lm's names. Rows are rendered with the model folder's own chat template (as
mlx-lm renders them), and loss is taken on the assistant's tokens only.

Neither torch nor transformers is needed to run the demo or the tests: only ``phase25 demo build``
with ``backend = "torch"`` imports this module.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSISTANT = "<|im_start|>assistant\n"
END = "<|im_end|>"


class BuildExtraMissing(RuntimeError):
    """torch / transformers are not installed (they come with the ``[build]`` extra)."""


def require_torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise BuildExtraMissing(
            f"the torch build backend needs the build extra ({exc.name} is missing): "
            "pip install -e '.[build]' (torch CPU), or use backend='mlx'") from None
    return torch


@dataclass(frozen=True)
class Phase:
    """One training phase: rows, length, schedule and how often to measure."""

    label: str
    iters: int
    lr: float
    batch_size: int
    max_seq_length: int
    last_turn_only: bool = False     # loss on the last assistant turn only (rows split per turn)
    warmup: int = 20
    eval_every: int = 50
    val_rows: int = 48
    seed: int = 0


def encode(rows: list[dict[str, Any]], tokenizer: Any, max_len: int, last_turn_only: bool) -> list[tuple[list[int], list[int]]]:
    """(ids, labels) per row, labels -100 outside the assistant turns (or outside the last one)."""
    out = []
    for row in rows:
        text = tokenizer.apply_chat_template(row["messages"], tools=row.get("tools"), tokenize=False)
        spans = []
        start = 0
        while (i := text.find(ASSISTANT, start)) >= 0:
            j = text.find(END, i)
            end = len(text) if j < 0 else j + len(END)
            spans.append((i + len(ASSISTANT), end))
            start = end
        if last_turn_only:
            spans = spans[-1:]
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(enc["input_ids"])
        labels = [t if any(a <= s < b for a, b in spans) else -100
                  for t, (s, _e) in zip(ids, enc["offset_mapping"], strict=True)]
        if len(ids) > max_len:
            ids, labels = ids[:max_len], labels[:max_len]
        if any(x != -100 for x in labels[1:]):
            out.append((ids, labels))
    return out


def _batches(data: list[tuple[list[int], list[int]]], bs: int, rng: random.Random) -> list[list[int]]:
    """Index batches of similar length (less padding), in random order."""
    idx = list(range(len(data)))
    rng.shuffle(idx)
    chunks = [sorted(idx[i:i + bs * 16], key=lambda k: len(data[k][0])) for i in range(0, len(idx), bs * 16)]
    out = [c[i:i + bs] for c in chunks for i in range(0, len(c), bs)]
    rng.shuffle(out)
    return out


def _collate(torch: Any, data: list[tuple[list[int], list[int]]], idx: list[int], pad: int) -> tuple[Any, Any, Any]:
    n = max(len(data[k][0]) for k in idx)
    ids = torch.full((len(idx), n), pad, dtype=torch.long)
    lab = torch.full((len(idx), n), -100, dtype=torch.long)
    att = torch.zeros((len(idx), n), dtype=torch.long)
    for r, k in enumerate(idx):
        x, y = data[k]
        ids[r, :len(x)] = torch.tensor(x)
        lab[r, :len(y)] = torch.tensor(y)
        att[r, :len(x)] = 1
    return ids, lab, att


def _loss(torch: Any, model: Any, ids: Any, lab: Any, att: Any) -> tuple[Any, int]:
    logits = model(input_ids=ids, attention_mask=att).logits[:, :-1]
    target = lab[:, 1:]
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), target.reshape(-1),
                                             ignore_index=-100, reduction="sum")
    n = int((target != -100).sum())
    return loss, n


def evaluate(torch: Any, model: Any, data: list[tuple[list[int], list[int]]], pad: int, bs: int) -> float | None:
    if not data:
        return None
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(data), bs):
            ids, lab, att = _collate(torch, data, list(range(i, min(i + bs, len(data)))), pad)
            loss, n = _loss(torch, model, ids, lab, att)
            total, count = total + float(loss), count + n
    model.train()
    return total / max(count, 1)


def train(model: Any, tokenizer: Any, rows: list[dict[str, Any]], valid: list[dict[str, Any]], phase: Phase,
          log: Callable[[str], None]) -> dict[str, Any]:
    """Train ``model`` in place; returns the phase record with its loss curve (for BUILD.json)."""
    torch = require_torch()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    data = encode(rows, tokenizer, phase.max_seq_length, phase.last_turn_only)
    vdata = encode(valid, tokenizer, phase.max_seq_length, phase.last_turn_only)[:phase.val_rows]
    rng = random.Random(phase.seed)
    torch.manual_seed(phase.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=phase.lr, betas=(0.9, 0.98), weight_decay=0.01)

    def lr_at(it: int) -> float:
        if it < phase.warmup:
            return phase.lr * (it + 1) / phase.warmup
        p = (it - phase.warmup) / max(1, phase.iters - phase.warmup)
        return phase.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))

    curve: list[dict[str, Any]] = []
    before = evaluate(torch, model, vdata, pad, phase.batch_size)
    curve.append({"iteration": 0, "val_loss": _r(before), "tokens": 0, "seconds": 0.0})
    log(f"  {phase.label}: {len(data)} rows, {sum(len(x) for x, _ in data):,} tokens per pass; val {before}")
    model.train()
    tic, tokens, trained, window = time.perf_counter(), 0, 0, []
    queue: list[list[int]] = []
    for it in range(1, phase.iters + 1):
        if not queue:
            queue = _batches(data, phase.batch_size, rng)
        idx = queue.pop()
        ids, lab, att = _collate(torch, data, idx, pad)
        for g in opt.param_groups:
            g["lr"] = lr_at(it - 1)
        loss, n = _loss(torch, model, ids, lab, att)
        (loss / max(n, 1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += int(att.sum())
        trained += n
        window.append(float(loss.detach()) / max(n, 1))
        if it % phase.eval_every == 0 or it == phase.iters:
            val = evaluate(torch, model, vdata, pad, phase.batch_size)
            secs = time.perf_counter() - tic
            train_loss = sum(window) / len(window)
            window = []
            curve.append({"iteration": it, "train_loss": _r(train_loss), "val_loss": _r(val), "tokens": tokens,
                          "seconds": round(secs, 1)})
            log(f"  {phase.label}: iter {it}/{phase.iters} · train {train_loss:.3f} · val {val if val is None else round(val, 3)}"
                f" · {tokens / secs:.0f} tok/s")
    model.eval()
    return {"backend": "torch", "iters": phase.iters, "learning_rate": phase.lr, "batch_size": phase.batch_size,
            "rows": len(data), "tokens": tokens, "trained_tokens": trained,
            "seconds": round(time.perf_counter() - tic, 1), "final_train_loss": curve[-1].get("train_loss"),
            "val_loss_before": _r(before), "val_loss_after": curve[-1]["val_loss"], "curve": curve}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def new_model(config: dict[str, Any], seed: int) -> Any:
    """A randomly initialised ``transformers`` model for the demo config.json."""
    torch = require_torch()
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(seed)
    cfg = AutoConfig.for_model(**{k: v for k, v in config.items() if k not in ("architectures", "torch_dtype")})
    return AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)


def load_tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))
