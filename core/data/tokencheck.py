"""Per-model tokenizer checks: a chat template exists, every row renders through it, token
lengths against ``max_seq_length``, and how the tool markers split into tokens.

mlx-lm tokenizes a chat row with ``tokenizer.apply_chat_template(messages, tools=tools)`` and
cuts rows longer than ``max_seq_length``; the same call is made here, so the counts are the ones
training will see. With the real models' weights absent, the rebuilt real Qwen tokenizers
(core.tokenizers) give the exact counts and splits the real 7B and 30B would see.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from core.data.jsonl import Row
from core.data.problems import Problems

MARKERS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")


@dataclass
class TokenStats:
    role: str                      # "candidate" | "baseline"
    model: str
    source: str                    # where the tokenizer came from, in words
    has_template: bool = False
    rendered: int = 0
    failed: int = 0
    lengths: list[int] = field(default_factory=list, repr=False)
    max_seq_length: int = 0
    truncated: int = 0
    longest: list[tuple[str, int]] = field(default_factory=list)  # (file:line, tokens)
    markers: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def quantiles(self) -> dict[str, int]:
        if not self.lengths:
            return {}
        xs = sorted(self.lengths)
        p95 = xs[min(len(xs) - 1, max(0, int(round(0.95 * len(xs))) - 1))]
        return {"min": xs[0], "median": int(statistics.median(xs)), "p95": p95, "max": xs[-1]}

    def summary(self) -> dict[str, Any]:
        return {"role": self.role, "model": self.model, "tokenizer": self.source, "chat_template": self.has_template,
                "rendered": self.rendered, "render_failures": self.failed, "tokens": self.quantiles(),
                "max_seq_length": self.max_seq_length, "truncated": self.truncated,
                "markers": {m: len(p) for m, p in self.markers.items()},
                "marker_pieces": self.markers, "error": self.error}


def describe_source(spec: Any, cfg: Any) -> str:
    from core.tokenizers import tokenizer_source

    kind, where = tokenizer_source(spec, cfg)
    return f"local tokenizer in {where}" if kind == "local" else f"rebuilt real {where} tokenizer (offline)"


def marker_pieces(tok: Any) -> dict[str, list[str]]:
    out = {}
    for m in MARKERS:
        ids = tok.encode(m, add_special_tokens=False)
        out[m] = [str(p) for p in tok.convert_ids_to_tokens(ids)]
    return out


CHAT_MARKERS = ("<|im_start|>", "<|im_end|>")
SAMPLE = 8
"""Rows encoded whole as well, to confirm that counting by segments gives the same counts."""


def token_counts(tokenizer: Any, texts: list[str]) -> list[int]:
    """Each text's token count, as ``tokenizer(texts)`` gives it, but faster on chat rows.

    A tokenizer splits its added special tokens out before anything else, so the text between two
    chat markers is tokenized on its own. Each distinct segment (above all the system prompt with
    its tool schemas, the same in most rows) is encoded once. Whole-row counts of a sample check
    it; a tokenizer where they differ is counted row by row."""
    def whole(xs: list[str]) -> list[int]:
        return [len(ids) for ids in tokenizer(xs, add_special_tokens=False)["input_ids"]]

    markers = [m for m in CHAT_MARKERS if len(tokenizer.encode(m, add_special_tokens=False)) == 1]
    if len(markers) < len(CHAT_MARKERS):
        return whole(texts)
    split = re.compile("(" + "|".join(re.escape(m) for m in markers) + ")")
    pieces = [[p for p in split.split(t) if p] for t in texts]
    unique = sorted({p for ps in pieces for p in ps if p not in markers})
    size = dict(zip(unique, whole(unique), strict=True)) if unique else {}
    counts = [sum(1 if p in markers else size[p] for p in ps) for ps in pieces]
    step = max(1, len(texts) // SAMPLE)
    sample = list(range(0, len(texts), step))[:SAMPLE]
    if whole([texts[i] for i in sample]) != [counts[i] for i in sample]:
        return whole(texts)
    return counts


def check_tokenizer(role: str, spec: Any, cfg: Any, rows: list[Row], problems: Problems,
                    tokenizer: Any = None) -> TokenStats:
    """Render and count every row with one model's tokenizer; rendering failures go to ``problems``."""
    max_len = cfg.train.max_seq_length
    stats = TokenStats(role, spec.name, "", max_seq_length=max_len)
    try:
        stats.source = describe_source(spec, cfg)
        if tokenizer is None:
            from core.tokenizers import tokenizer_for

            tokenizer = tokenizer_for(spec, cfg)
    except Exception as exc:  # a broken local tokenizer folder: say so, don't crash the preflight
        stats.error = f"cannot load the tokenizer ({stats.source or spec.path}): {type(exc).__name__}: {exc}"
        problems.add(f"{role}.path", None, None, stats.error)
        return stats
    stats.has_template = bool(getattr(tokenizer, "chat_template", None))
    if not stats.has_template:
        stats.error = "the tokenizer has no chat template, so mlx-lm cannot render chat rows"
        problems.add(f"{role} tokenizer ({stats.source})", None, None, stats.error)
        return stats
    stats.markers = marker_pieces(tokenizer)
    texts, where = [], []
    reported = 0
    for row in rows:
        try:
            text = tokenizer.apply_chat_template(row.data["messages"], tools=row.data.get("tools"), tokenize=False)
        except Exception as exc:  # jinja errors, missing keys in odd rows
            stats.failed += 1
            if reported < 20:
                problems.add(row.file, row.line, None,
                             f"does not render through the {role}'s chat template: {type(exc).__name__}: {exc}")
            reported += 1
            continue
        texts.append(text)
        where.append(f"{row.file.name}:{row.line}")
    if reported > 20:
        problems.add(f"{role} chat template", None, None, f"... and {reported - 20} more rows fail to render")
    stats.rendered = len(texts)
    if texts:
        stats.lengths = token_counts(tokenizer, texts)
        stats.truncated = sum(n > max_len for n in stats.lengths)
        top = sorted(zip(stats.lengths, where, strict=True), reverse=True)[:3]
        stats.longest = [(w, n) for n, w in top]
        if stats.truncated:
            problems.add(f"{role} tokenizer", None, "train.max_seq_length",
                         f"{stats.truncated} of {len(texts)} rows are longer than max_seq_length {max_len} "
                         f"with {stats.source} and would be truncated (longest {top[0][0]} tokens at {top[0][1]})",
                         severity="warning")
    return stats
