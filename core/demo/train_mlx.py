"""Full-weight training of a demo stand-in with mlx (no extra needed; slow on CPU, used by the tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from core.demo.recipe import DemoRecipe

Log = Callable[[str], None]


def _truncating(rows: list[dict[str, Any]], tokenizer: Any, max_len: int) -> Any:
    """mlx-lm's ChatDataset (no prompt mask), rows cut to ``max_len`` tokens up front.

    mlx-lm's batching cuts them the same way; doing it here only spares its warning per batch.
    """
    from mlx_lm.tuner.datasets import ChatDataset

    class Truncating(ChatDataset):
        def process(self, d: dict[str, Any]) -> tuple[list[int], int]:
            tokens, offset = super().process(d)
            return tokens[:max_len], offset

    return Truncating(rows, tokenizer, mask_prompt=False)


def train(model: Any, tokenizer: Any, rows: list[dict[str, Any]], valid: list[dict[str, Any]],
           iters: int, lr: float, recipe: DemoRecipe, seed: int, log: Log, label: str,
           batch_size: int | None = None) -> dict[str, Any]:
    """Full-weight training with mlx-lm's loss and batching; returns losses and timing."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import default_loss, evaluate, iterate_batches

    train_ds = CacheDataset(_truncating(rows, tokenizer, recipe.max_seq_length))
    valid_ds = CacheDataset(_truncating(valid, tokenizer, recipe.max_seq_length)) if valid else None
    bs = min(batch_size or recipe.batch_size, len(train_ds))

    def val_loss() -> float | None:
        if valid_ds is None or len(valid_ds) == 0:
            return None
        return float(evaluate(model, valid_ds, batch_size=min(bs, len(valid_ds)), num_batches=recipe.val_batches,
                              max_seq_length=recipe.max_seq_length))

    before = val_loss()
    mx.random.seed(seed)
    schedule = optim.cosine_decay(lr, iters, lr * 0.1)
    opt = optim.Adam(learning_rate=schedule)
    loss_and_grad = nn.value_and_grad(model, default_loss)
    model.train()
    tic = time.perf_counter()
    tokens = 0
    losses: list[float] = []
    batches = iterate_batches(train_ds, bs, recipe.max_seq_length, loop=True, seed=seed)
    for it, (batch, lengths) in zip(range(1, iters + 1), batches, strict=False):
        (loss, ntoks), grads = loss_and_grad(model, batch, lengths)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        tokens += int(ntoks.item())
        losses.append(float(loss.item()))
        if it % 25 == 0 or it == iters:
            avg = sum(losses[-25:]) / len(losses[-25:])
            log(f"  {label}: iter {it}/{iters} · loss {avg:.3f} · {tokens / (time.perf_counter() - tic):.0f} tok/s")
    seconds = time.perf_counter() - tic
    model.eval()
    after = val_loss()
    return {"iters": iters, "learning_rate": lr, "batch_size": bs, "rows": len(rows), "tokens": tokens,
            "seconds": round(seconds, 1), "final_train_loss": round(losses[-1], 4) if losses else None,
            "val_loss_before": _r(before), "val_loss_after": _r(after), "backend": "mlx"}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


