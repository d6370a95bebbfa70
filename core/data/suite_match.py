"""Matching an answer against the suite's expectations: facts (their patterns), rubric groups and
their contradictions, with negation kept in mind ("not clean" is no claim of clean)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.data.suite import ExpectedFact, Rubric


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


_NEGATION = re.compile(r"\b(?:not|never|no longer|no need|cannot|nothing|none|neither|nor|hardly|\w+n['’]t)\b",
                       re.IGNORECASE)
_NEGATED_OBJECT = re.compile(r"\s+(?:nothing|none|no\b|not\b)", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[,.;:!?\n]|\bbut\b|\bhowever\b|\bwhile\b", re.IGNORECASE)


def negated(text: str, start: int, end: int | None = None) -> bool:
    """Whether the words just before ``start`` (same clause, 40 characters at most) negate the match;
    with ``end``, also a negation inside the match after its first word ("mypy doesn't pass") or a
    negated object right after it ("skips nothing")."""
    before = text[max(0, start - 40):start]
    cut = list(_CLAUSE_START.finditer(before))
    if cut:
        before = before[cut[-1].end():]
    if _NEGATION.search(before):
        return True
    if end is None:
        return False
    if _NEGATED_OBJECT.match(text[end:end + 20]):
        return True
    inside = re.sub(r"\A\W*\w+", "", text[start:end])
    return _NEGATION.search(inside) is not None


def affirmed(pattern: str, text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` that is not negated."""
    for m in re.finditer(pattern, text, re.IGNORECASE):
        if not negated(text, m.start(), m.end()):
            return m
    return None


def fact_holds(fact: ExpectedFact, answer: str | Sequence[str]) -> bool:
    """Whether the answer states the fact: its patterns over the answer's forms (e.g. the answer with
    number words as digits). A true/false fact's wording must not be negated ("not ready")."""
    texts = [answer] if isinstance(answer, str) else list(answer)
    if isinstance(fact.value, bool):
        hits = [any(affirmed(p, t) for t in texts) for p in fact.patterns]
    else:
        hits = [any(_search(p, t) for t in texts) for p in fact.patterns]
    return all(hits) if fact.match == "all" else any(hits)


def rubric_matches(rubric: Rubric, answer: str) -> list[str]:
    """Names of the concept groups the answer matches."""
    return [g.name for g in rubric.groups if any(_search(p, answer) for p in g.any_of)]


_NEGATION_IN_PATTERN = re.compile(r"n'\?t|n'?t\b|\bnot\b|\bnever\b|\bno\b|\bwithout\b|\bcannot\b")


def rubric_contradictions(rubric: Rubric, answer: str) -> list[tuple[str, str]]:
    """(group name, matched text) for each group whose ``contradicts`` patterns the answer states.

    A statement negated just before it ("don't pin exact versions") is no contradiction; nor is
    one negated inside the match, unless the pattern itself is a negative statement."""
    out: list[tuple[str, str]] = []
    for g in rubric.groups:
        for p in g.contradicts:
            inside = _NEGATION_IN_PATTERN.search(p) is None
            hit = next((m for m in re.finditer(p, answer, re.IGNORECASE)
                        if not negated(answer, m.start(), m.end() if inside else None)), None)
            if hit is not None:
                out.append((g.name, hit.group(0)))
                break
    return out


def rubric_passes(rubric: Rubric, answer: str) -> bool:
    return (len(rubric_matches(rubric, answer)) >= rubric.pass_threshold
            and all(_search(p, answer) for p in rubric.required)
            and not any(_search(p, answer) for p in rubric.forbidden)
            and not rubric_contradictions(rubric, answer))
