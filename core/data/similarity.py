"""Normalised text similarity, for near-duplicates between train and valid and for keeping the
suite's queries out of the training set.

Texts are normalised (lower case, punctuation and markup to spaces, whitespace collapsed) and
compared as sets of word bigrams (Jaccard index); a text of one word is its own set. Two texts
"match" at or above a threshold. Pairs are found through an inverted index, so comparing
hundreds of rows with each other stays fast.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import defaultdict
from collections.abc import Sequence

NEAR_DUPLICATE = 0.6
"""Rows at or above this similarity (question + answer) count as near-duplicates."""

SUITE_MATCH = 0.5
"""A training question at or above this similarity to a suite prompt matches it."""

SUITE_RATIO = 0.8
"""... or at or above this character-level ratio (difflib) of the normalised texts."""

_NON_WORD = re.compile(r"[^a-z0-9_]+")


def normalise(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def shingles(text: str) -> frozenset[str]:
    words = normalise(text).split()
    if len(words) < 2:
        return frozenset(words)
    return frozenset(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    return jaccard(shingles(a), shingles(b))


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()


def similar_pairs(
    left: Sequence[str], right: Sequence[str] | None = None, threshold: float = NEAR_DUPLICATE
) -> list[tuple[int, int, float]]:
    """``(i, j, similarity)`` for every pair at or above ``threshold``: left x right, or within
    ``left`` (i < j) when ``right`` is None."""
    lsh = [shingles(t) for t in left]
    rsh = lsh if right is None else [shingles(t) for t in right]
    index: dict[str, list[int]] = defaultdict(list)
    for j, sh in enumerate(rsh):
        for s in sh:
            index[s].append(j)
    out = []
    for i, sh in enumerate(lsh):
        shared: dict[int, int] = defaultdict(int)
        for s in sh:
            for j in index.get(s, ()):
                if right is None and j <= i:
                    continue
                shared[j] += 1
        for j, n in shared.items():
            sim = n / (len(sh) + len(rsh[j]) - n)
            if sim >= threshold:
                out.append((i, j, sim))
    return sorted(out)


def clusters(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[int]:
    """A cluster id per text: texts joined by a chain of near-duplicate pairs share one."""
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in similar_pairs(texts, threshold=threshold):
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(len(texts))]


@functools.lru_cache(maxsize=256)
def _indexed(prompt: str) -> tuple[frozenset[str], difflib.SequenceMatcher[str]]:
    """A suite prompt's shingles, and a matcher that has indexed it once (the costly part)."""
    sm: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(None, "", normalise(prompt), autojunk=False)
    return shingles(prompt), sm


def matches_suite(text: str, prompts: Sequence[str]) -> tuple[int, float] | None:
    """The index and score of the first suite prompt ``text`` matches, or None."""
    sh, norm = shingles(text), normalise(text)
    for k, prompt in enumerate(prompts):
        p_sh, sm = _indexed(prompt)
        sim = jaccard(sh, p_sh)
        if sim >= SUITE_MATCH:
            return k, sim
        sm.set_seq1(norm)
        if sm.real_quick_ratio() >= SUITE_RATIO and sm.quick_ratio() >= SUITE_RATIO and sm.ratio() >= SUITE_RATIO:
            return k, sm.ratio()
    return None


LEAK_NGRAM = 8
"""A training row that shares a run of this many normalised words with a suite prompt (or a direct
question's reference answer) contains it."""


def word_ngrams(text: str, n: int = LEAK_NGRAM) -> frozenset[str]:
    """The normalised text's runs of ``n`` words; a shorter text is one run of all its words."""
    words = normalise(text).split()
    if len(words) < n:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))


def ratio_at_least(text: str, prompt: str, threshold: float = SUITE_RATIO) -> float | None:
    """The character ratio of ``text`` to a suite prompt when it is at or above ``threshold`` (cheap
    upper bounds first), else None."""
    _, sm = _indexed(prompt)
    sm.set_seq1(normalise(text))
    if sm.real_quick_ratio() >= threshold and sm.quick_ratio() >= threshold:
        r = sm.ratio()
        return r if r >= threshold else None
    return None
