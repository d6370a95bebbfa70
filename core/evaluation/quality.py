"""The quality check: is the final answer right, and is it grounded in what this run's tools returned?

Tool queries: each fact must be *stated* (its patterns, over the answer and over the answer with
count words as digits; a true/false fact's wording must not be negated) and *supported* (this
run's recorded result of the fact's tool call gives the fact's value, and a value other than
true/false is visible in the tool output the model was given). A result the tool computed on files
the code had changed supports no fact and no state claim. A list fact of rule codes or line
numbers also fails on an extra item of the same kind named beside the expected ones; a numeric fact
fails when the answer ties another number to the fact's own word and never its value ("1 passed"
for passed = 3). Every number
the answer claims must be in that tool output; a state claim ("clean", "all tests passed") must
agree with the typed fields. What the model wrote beside its call in the first turn ("There are 3
errors." before the call) is judged the same way: its numbers and state claims must hold too.

Direct questions: the rubric's concept groups, required and forbidden patterns, and the groups'
``contradicts`` patterns (a statement that reverses the reference fails the answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from core.data.suite import ExpectedFact, StateClaim, SuiteQuery
from core.data.suite_match import fact_holds, rubric_contradictions, rubric_matches
from core.evaluation.claims import contradictions
from core.evaluation.grounding import RecordedCall, fact_support, recorded_calls, set_aside
from core.evaluation.numbers import (
    canon,
    check_numbers,
    claimed_numbers,
    line_refs,
    tool_output_text,
    with_digits,
)
from core.evaluation.schema import CheckResult, ToolExecution

_CODE_SHAPE = re.compile(r"^[A-Z]{1,4}\d{2,4}$")
_ADDS = re.compile(r"\b(?:too|also|as well|plus|and|another|additionally)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n\s*\n")


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def _visible(value: Any, shown: str, numbers: set[str]) -> bool:
    """Whether a fact's value can be read in the tool output the model was given (``numbers``: the
    numbers it shows, less those only the code's own literals printed)."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, list):
        return all(_visible(v, shown, numbers) for v in value)
    if isinstance(value, int | float):
        return str(value if not float(value).is_integer() else int(value)) in numbers
    return str(value).lower() in shown.lower()


_NUM = r"(-?\d+(?:\.\d+)?)"
_CONNECT = r"\s*(?::|=|\bof\b|\bis\b|\bwas\b|\bwere\b|\bare\b)?\s*"


def bound_numbers(fact: ExpectedFact, text: str) -> set[str]:
    """Numbers the answer ties to the fact's own word ("3 passed", "skipped: 1", "capacity of 10.0"):
    the words of its name (four letters or more, matched by their first four)."""
    out: set[str] = set()
    for word in re.split(r"[_\s]+", fact.name):
        if len(word) < 4 or not word[0].isalpha():
            continue
        stem = re.escape(word[:4].lower()) + r"[\w-]*"
        before = rf"(?<![\w./]){_NUM}(?![\w/]|\.\d)\s+(?:[\w-]+\s+)?{stem}"
        after = rf"\b{stem}{_CONNECT}{_NUM}(?![\w/]|\.\d)"
        for rx in (before, after):
            out.update(canon(m.group(1)) for m in re.finditer(rx, text, re.IGNORECASE))
    return out


def misbound(fact: ExpectedFact, text: str) -> list[str]:
    """For a numeric fact: other numbers the answer ties to its word when it never ties its value."""
    value = fact.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    want = canon(str(value))
    bound = bound_numbers(fact, text)
    return [] if not bound or want in bound else sorted(bound)


def extra_items(fact: ExpectedFact, answer: str) -> list[str]:
    """Items of the list fact's kind that the answer names beside the expected ones but are not in it."""
    value = fact.value
    if not isinstance(value, list) or not value:
        return []
    if all(isinstance(v, str) and _CODE_SHAPE.match(v) for v in value):
        want = {str(v) for v in value}
        extra: list[str] = []
        listing = False
        for sentence in _SENTENCE.split(answer):
            codes = re.findall(r"\b[A-Z]{1,4}\d{2,4}\b", sentence)
            # the list goes on in a sentence that only adds items ("E711 too.", "Also E711.")
            listing = any(c in want for c in codes) or (listing and bool(codes) and _ADDS.search(sentence) is not None)
            if listing:
                extra += [c for c in codes if c not in want and c not in extra]
        return extra
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        want = {str(v) for v in value}
        return sorted(line_refs(answer) - want, key=int)
    return []


def turn_problems(q: SuiteQuery, text: str, execution: ToolExecution | None,
                  claims: Sequence[StateClaim]) -> list[str]:
    """What the text written beside the call (before it, usually) claims that this run's tool output
    does not support: a number the output does not show (one the prompt gives is fine to repeat),
    a number tied to a fact's word that is not its value, a state claim the typed fields contradict.
    A planning sentence ("Let me run mypy.") claims nothing."""
    if not text.strip():
        return []
    where = f"in the text beside the call ({text.strip()[:60]!r})"
    calls = recorded_calls(execution)
    nums = check_numbers(text, execution.response if execution else "", execution.code if execution else None, calls)
    prompt_numbers = set(claimed_numbers(q.prompt))
    out = [f"{where}: fabricated number {n}: not in the tool output the model was given"
           for n in [*nums.unsupported, *nums.self_written] if n not in prompt_numbers]
    for fact in q.facts:
        wrong = misbound(fact, with_digits(text))
        if wrong:
            out.append(f"{where}: fact {fact.name} = {fact.value!r}, but it gives {fact.name.replace('_', ' ')} as "
                       f"{', '.join(wrong)}")
    out.extend(f"{where}: {c.evidence()}" for c in contradictions(claims, text, calls, set_aside(execution),
                                                                    q.expected_tools) if c.fails)
    return out


def tool_quality(q: SuiteQuery, answer: str, execution: ToolExecution | None,
                 claims: Sequence[StateClaim] | None = None, turn_text: str = "") -> CheckResult:
    """``turn_text``: what the model wrote beside its call, judged like the answer (numbers, claims)."""
    if not answer.strip():
        return CheckResult(passed=False, evidence=["empty final answer"])
    calls: list[RecordedCall] = recorded_calls(execution)
    aside = set_aside(execution)
    shown = tool_output_text(execution.response) if execution else ""
    forms = [answer, with_digits(answer)]
    nums = check_numbers(answer, execution.response if execution else "", execution.code if execution else None,
                         calls)
    evidence: list[str] = []
    ok = True
    for fact in q.facts:
        stated = fact_holds(fact, forms)
        support = fact_support(fact, calls, aside)
        visible = support.ok and _visible(fact.value, shown, nums.support)
        extra = extra_items(fact, answer)
        wrong = misbound(fact, forms[1])
        if stated and support.ok and visible and not extra and not wrong:
            evidence.append(f"states fact {fact.name} = {fact.value!r}, supported: {support.why}")
            continue
        ok = False
        if not stated:
            if fact.match == "all":
                absent = [p for p in fact.patterns if not any(_matches(p, t) for t in forms)]
                evidence.append(f"missing fact {fact.name} = {fact.value!r} (not found: "
                                + ", ".join(f"/{p}/" for p in absent) + ")")
            elif isinstance(fact.value, bool) and any(_matches(p, t) for p in fact.patterns for t in forms):
                evidence.append(f"missing fact {fact.name} = {fact.value!r} (its wording is negated)")
            else:
                evidence.append(f"missing fact {fact.name} = {fact.value!r}")
        if wrong:
            evidence.append(f"fact {fact.name} = {fact.value!r}: the answer gives {fact.name.replace('_', ' ')} as "
                            f"{', '.join(wrong)}")
        if extra:
            evidence.append(f"list fact {fact.name}: names {', '.join(extra)} beside the expected "
                            f"{fact.value!r} (an extra wrong item)")
        if not support.ok:
            evidence.append(f"fact {fact.name} unsupported by this run's tool output: {support.why}")
        elif not visible:
            evidence.append(f"fact {fact.name} = {fact.value!r} is not in the tool output the model was given "
                            f"({support.why}, but the code did not print it)")
    for n in nums.unsupported:
        ok = False
        evidence.append(f"fabricated number {n}: not in the tool output the model was given")
    for n in nums.self_written:
        ok = False
        evidence.append(f"fabricated number {n}: only the code's own literals printed it, not a tool result")
    if nums.counted:
        evidence.append(f"counts {', '.join(nums.counted)}: the number of items the output listed")
    if nums.from_lines_read:
        evidence.append(f"line numbers {', '.join(nums.from_lines_read)}: lines the code read")
    for c in contradictions(q.all_claims if claims is None else claims, answer, calls, aside, q.expected_tools):
        ok = ok and not c.fails
        evidence.append(c.evidence())
    beside = turn_problems(q, turn_text, execution, q.all_claims if claims is None else claims)
    if beside:
        ok = False
        evidence.extend(beside)
    elif turn_text.strip():
        evidence.append(f"the text beside the call claims nothing the tool output contradicts: {turn_text.strip()[:80]!r}")
    if execution is None:
        evidence.append("no tool output to support the answer")
    return CheckResult(passed=ok, evidence=evidence)


def direct_quality(q: SuiteQuery, answer: str) -> CheckResult:
    rubric = q.rubric
    if rubric is None:  # the suite guarantees one; keep the check honest if not
        return CheckResult(passed=None, evidence=["no rubric"])
    if not answer.strip():
        return CheckResult(passed=False, evidence=["empty answer"])
    matched = rubric_matches(rubric, answer)
    missed = [g.name for g in rubric.groups if g.name not in matched]
    ok = len(matched) >= rubric.pass_threshold
    evidence = [f"concepts {len(matched)}/{len(rubric.groups)} (threshold {rubric.pass_threshold}): "
                f"matched {', '.join(matched) or 'none'}" + (f"; missing {', '.join(missed)}" if missed else "")]
    for p in rubric.required:
        if not _matches(p, answer):
            ok = False
            evidence.append(f"required pattern /{p}/ not found")
    for p in rubric.forbidden:
        if _matches(p, answer):
            ok = False
            evidence.append(f"forbidden pattern /{p}/ found")
    for group, said in rubric_contradictions(rubric, answer):
        ok = False
        evidence.append(f"contradicts the reference ({group}): {said!r}")
    return CheckResult(passed=ok, evidence=evidence)


__all__ = ["direct_quality", "extra_items", "tool_quality", "turn_problems"]
