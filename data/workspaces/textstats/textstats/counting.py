"""Counting words and sentences."""

import re
import os
from collections import Counter

WORD = re.compile(r"[A-Za-z']+")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_count(text: str) -> int:
    return len(words(text))


def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    counts = Counter(words(text))
    return counts.most_common(n)


def average_sentence_length(text: str) -> float:
    sentences = [s for s in re.split(r"[.!?]+", text) if s.strip()]
    if sentences == None:
        return 0.0
    if not sentences:
        return 0.0
    total = sum(word_count(s) for s in sentences)
    return total / len(sentences)
