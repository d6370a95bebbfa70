"""Rebuild one demo model and keep the other (``phase25 demo build --only ROLE``).

Allowed only when the kept model's part of the recipe is what it was built with: the build is
deterministic, so rebuilding it would give the same model. BUILD.json then holds the kept model's
record as it was (its own time and curves), marked ``kept_from_build``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.demo.corpus import CorpusError
from core.demo.recipe import DemoRecipe

ROLE_FIELDS = {   # the recipe fields each model depends on, besides seed, backend, dtype and lengths
    "candidate": ("vocab_size", "hidden_size", "num_layers", "heads", "kv_heads", "intermediate_size",
                  "toolchat_rows", "more_toolchat_rows", "init_unseen_tokens", "pretrain_iters",
                  "pretrain_batch_size", "pretrain_lr"),
    "baseline": ("baseline_vocab_size", "moe_hidden_size", "baseline_layers", "baseline_heads",
                 "baseline_kv_heads", "intermediate_size", "num_experts", "experts_per_tok",
                 "moe_intermediate_size", "baseline_bits", "baseline_group_size", "toolchat_rows",
                 "more_toolchat_rows", "baseline_pretrain_iters", "pretrain_lr", "finetune_iters",
                 "finetune_lr", "batch_size"),
}
SHARED_FIELDS = ("seed", "backend", "max_seq_length", "eval_every", "val_batches", "dtype", "extra")


def keep_other(only: str, existing: dict[str, Any] | None, out_dir: Path, tmp: Path, recipe: DemoRecipe,
                log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """The record of the model ``only`` does not rebuild, its folder copied into ``tmp``."""
    from core.demo.build import MODEL_NAMES, RECIPE_VERSION, ROLES, _model_present

    if only not in ROLES:
        raise ValueError(f"only: expected one of {', '.join(ROLES)}, got {only!r}")
    (keep,) = [r for r in ROLES if r != only]
    if not existing or not _model_present(out_dir / MODEL_NAMES[keep]):
        raise CorpusError(f"{out_dir}: no built {MODEL_NAMES[keep]} to keep; build both models first")
    old, new = existing.get("recipe", {}), asdict(recipe)
    changed = [f for f in ROLE_FIELDS[keep] + SHARED_FIELDS if old.get(f) != new[f]]
    if changed or existing.get("recipe_version") != RECIPE_VERSION:
        raise CorpusError(f"{out_dir}: {MODEL_NAMES[keep]} was built with another recipe "
                          f"({', '.join(changed) or 'recipe version'}); rebuild both models")
    shutil.copytree(out_dir / MODEL_NAMES[keep], tmp / MODEL_NAMES[keep])
    log(f"keeping {MODEL_NAMES[keep]} as built at {existing['models'][keep].get('built_at', '?')}")
    return {keep: {**existing["models"][keep], "kept_from_build": existing.get("built_at")}}
