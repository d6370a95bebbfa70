"""Tokenizers: the real Qwen2.5/Qwen3 tokenizers rebuilt offline, and the small demo BPEs.

``tokenizer_for(spec, cfg)`` gives the tokenizer preflight counts tokens with, never touching
the network: a local model folder's own tokenizer, else the rebuilt real tokenizer of its family.

Domain layer: imports the foundation and the tokenizer libraries (tokenizers, transformers, jinja2,
inside functions); never core.stages, the runner or the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.tokenizers.qwen_real import (
    FAMILIES,
    TokenizerUnavailable,
    family_of,
    load_tokenizer_dir,
    real_tokenizer,
    real_tokenizer_dir,
)

__all__ = [
    "FAMILIES", "TokenizerUnavailable", "family_of", "real_tokenizer", "real_tokenizer_dir",
    "tokenizer_for", "tokenizer_source",
]


def _has_tokenizer(folder: Path) -> bool:
    return (folder / "tokenizer.json").is_file() or (folder / "tokenizer_config.json").is_file()


def tokenizer_source(spec: Any, cfg: Any) -> tuple[str, str]:
    """Where ``tokenizer_for`` gets a model's tokenizer: ("local", folder) or ("real", family).

    A local model folder with tokenizer files wins. Otherwise the real Qwen family is taken from
    ``hf_id``, then ``path``, then the spec's template family (all Qwen2.5/Qwen3 models share the
    vocabulary and added tokens of their family).
    """
    local = cfg.resolve(spec.path)
    if local.is_dir() and _has_tokenizer(local):
        return "local", str(local)
    family = family_of(spec.hf_id) or family_of(spec.path) or spec.family
    return "real", family


def tokenizer_for(spec: Any, cfg: Any) -> Any:
    """A transformers tokenizer for a ``ModelSpec`` (with ``apply_chat_template``), offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    kind, where = tokenizer_source(spec, cfg)
    if kind == "local":
        return load_tokenizer_dir(Path(where))
    return real_tokenizer(where)
