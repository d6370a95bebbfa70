"""Small byte-level BPE tokenizers for the tiny demo models, trained locally on the demo corpus.

Each one mirrors its real family where it matters to the experiment:

* the same pre-tokenizer regex and byte-level scheme as the real Qwen tokenizers;
* the family's real added tokens, in the real order (appended after the small BPE vocabulary, so
  the ids differ from the real 151643+), and the family's real chat template;
* so ``<tool_call>`` / ``</tool_call>`` are single tokens in both stand-ins, while
  ``<tool_response>`` / ``</tool_response>`` and ``<think>`` / ``</think>`` are single tokens only
  in the Qwen3 stand-in. In the Qwen2.5 stand-in they split into several, as in the real
  Qwen2.5 (the seed's risk 3).

Training is deterministic: the same texts and vocabulary size give the same tokenizer.json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.tokenizers.qwen_real import (
    PAT_STR,
    added_token_entries,
    added_tokens,
    tokenizer_config,
    write_tokenizer_dir,
)

DEFAULT_VOCAB = 1024


def _strip_added(texts: Iterable[str], family: str) -> Iterable[str]:
    """Cut the family's added tokens out of the text so the BPE does not spend merges on them."""
    specials = [c for _, c, _ in added_tokens(family)]
    pattern = re.compile("|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)))
    for text in texts:
        for piece in pattern.split(text):
            if piece:
                yield piece


def train_bpe(texts: list[str], family: str, vocab_size: int = DEFAULT_VOCAB) -> dict[str, Any]:
    """Train a byte-level BPE on ``texts``; returns the tokenizer.json document with added tokens.

    ``vocab_size`` counts the 256 byte symbols and the learned merges; the family's added tokens
    come on top, with ids right after the BPE vocabulary.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PAT_STR), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tok.train_from_iterator(list(_strip_added(texts, family)), trainer=trainer)
    doc = json.loads(tok.to_str())
    model = doc["model"]
    vocab: dict[str, int] = model["vocab"]
    base = len(vocab)
    specials = added_tokens(family)
    renumbered = tuple((base + k, c, sp) for k, (_, c, sp) in enumerate(specials))
    doc["added_tokens"] = added_token_entries(renumbered)
    doc["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                             "use_regex": False}
    doc["decoder"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                      "use_regex": False}
    model.update({"dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False})
    return doc


def added_from_doc(doc: dict[str, Any]) -> tuple[tuple[int, str, bool], ...]:
    return tuple((a["id"], a["content"], a["special"]) for a in doc["added_tokens"])


def vocab_size_of(doc: dict[str, Any]) -> int:
    """Number of ids the tokenizer can emit (BPE vocabulary plus added tokens)."""
    ids = list(doc["model"]["vocab"].values()) + [a["id"] for a in doc["added_tokens"]]
    return max(ids) + 1


def save_demo_tokenizer(doc: dict[str, Any], family: str, out: Path, model_max_length: int = 4096) -> None:
    """Write the tokenizer folder files (tokenizer.json, tokenizer_config.json with the chat template,
    special_tokens_map.json) into ``out``; mlx-lm's ``load()`` and transformers accept it."""
    cfg = tokenizer_config(family, added_from_doc(doc), model_max_length=model_max_length)
    write_tokenizer_dir(out, doc, cfg)


def build_demo_tokenizer(texts: list[str], family: str, out: Path,
                         vocab_size: int = DEFAULT_VOCAB) -> dict[str, Any]:
    """Train and save a demo tokenizer for ``family`` into ``out``; returns the tokenizer.json document."""
    doc = train_bpe(texts, family, vocab_size)
    save_demo_tokenizer(doc, family, out)
    return doc
