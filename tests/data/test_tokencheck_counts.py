"""The preflight's token counts: counted segment by segment between the chat markers (the shared
system prompt once), they are exactly the counts of encoding each row whole, with both real Qwen
tokenizers; a tokenizer where segments do not add up is counted row by row."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.config import load_config
from core.data.tokencheck import token_counts
from core.paths import DATA_DIR
from core.tokenizers import tokenizer_for

REAL = DATA_DIR.parent / "phase25.toml"


@pytest.mark.parametrize("role", ["candidate", "baseline"])
def test_segment_counts_are_the_whole_row_counts_with_the_real_tokenizers(role: str) -> None:
    cfg = load_config(REAL)
    tok = tokenizer_for(getattr(cfg, role), cfg)
    lines = (DATA_DIR / "phase24_merged" / "valid.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    texts = [tok.apply_chat_template(r["messages"], tools=r.get("tools"), tokenize=False) for r in rows]
    whole = [len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]]
    assert token_counts(tok, texts) == whole
    assert min(whole) > 1000  # real rows, with the tool schemas in the system prompt


class Uneven:
    """A tokenizer whose counts do not add up over segments (a token per 3 characters, rounded up)."""

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [0] if text in ("<|im_start|>", "<|im_end|>") else [0] * -(-len(text) // 3)

    def __call__(self, texts: list[str], add_special_tokens: bool = False) -> dict[str, Any]:
        return {"input_ids": [self.encode(t) for t in texts]}


def test_a_tokenizer_whose_segments_do_not_add_up_is_counted_row_by_row() -> None:
    texts = ["<|im_start|>system\nab<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"] * 3
    assert token_counts(Uneven(), texts) == [len(Uneven().encode(t)) for t in texts]
