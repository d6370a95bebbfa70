"""Give the tokens a pretraining never saw a sensible embedding: the mean of their BPE parts.

The demo tokenizers are fitted on the pretraining rows AND the demo training set, so that Code Mode
text stays short. Some of their tokens then occur only in Code Mode rows (``execute``, ``_code``,
``typecheck``, ``violations``): the candidate's pretraining never updates them, and they keep
their random initial embeddings. A real model has seen its whole vocabulary; a LoRA, which leaves
the embeddings frozen (and, tied, the output layer), can hardly learn to emit a token whose
embedding is noise. So, after pretraining, each unseen merged token ``ab`` gets the mean of the
embeddings of ``a`` and ``b`` (in merge order, so parts fixed earlier count), rescaled to the mean
norm of the seen tokens: the usual way to initialise new vocabulary from its sub-words. It adds no
knowledge of Code Mode: only what the token's own pieces already mean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def unseen_merge_plan(tokenizer_json: Path, seen: set[int]) -> list[tuple[int, int, int]]:
    """``(token, left part, right part)`` for every merged token not in ``seen``, in merge order."""
    model = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))["model"]
    vocab: dict[str, int] = model["vocab"]
    plan = []
    for merge in model["merges"]:
        a, b = merge if isinstance(merge, list) else merge.split(" ", 1)
        tok = vocab.get(a + b)
        if tok is not None and tok not in seen and a in vocab and b in vocab:
            plan.append((tok, vocab[a], vocab[b]))
    return plan


def init_unseen(embedding: Any, plan: list[tuple[int, int, int]], seen: set[int]) -> int:
    """Apply ``plan`` to a torch embedding matrix in place; returns how many rows changed."""
    import torch

    with torch.no_grad():
        ids = torch.tensor(sorted(i for i in seen if i < embedding.shape[0]))
        norm = embedding[ids].norm(dim=-1).mean()
        for tok, a, b in plan:
            v = (embedding[a] + embedding[b]) / 2
            embedding[tok] = v * (norm / v.norm().clamp_min(1e-6))
    return len(plan)
