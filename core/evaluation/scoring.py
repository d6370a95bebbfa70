"""The four checks, each mechanical and each with evidence strings.

1. format: the strict parse of the first response passes (tool queries; the lenient parse is
   reported beside it).
2. discrimination: a call on a tool query, none on a direct one (BFCL relevance/irrelevance:
   "no call" when nothing parses as a call).
3. typed: the code parses, calls the expected tools, reads only fields that exist on the result
   models, never subscripts a model, and ran without an exception (tool queries).
4. quality: tool queries state every expected fact and no number the tool output does not
   support; direct answers meet their rubric.

A query passes strictly when every applicable check passes; partial credit is the share of
applicable checks passed, reported beside accuracy and never in place of it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from typing import Any

from core.codemode.parse import parse_tool_call
from core.data.suite import SuiteQuery, fact_holds, rubric_matches
from core.evaluation.schema import (
    CHECKS,
    Aggregates,
    CheckResult,
    Confusion,
    ParseRecord,
    QueryRecord,
    QueryScore,
    ToolExecution,
)
from core.evaluation.typed import analyze

_THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL)
_CLAIM = re.compile(r"(?<![\w.\-/])-?\d+(?:\.\d+)?(?![\w]|\.\d)")
_SUPPORT = re.compile(r"\d+(?:\.\d+)?")
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)


def strip_think(text: str) -> str:
    """Remove Qwen3 ``<think>`` blocks (and a dangling ``</think>``) before scoring."""
    text = _THINK.sub("", text)
    if "</think>" in text:
        text = text.split("</think>", 1)[1]
    return text.strip()


def parse_record(text: str) -> ParseRecord:
    """The first response's call, strictly and leniently, as stored in the results file."""
    p = parse_tool_call(text)
    return ParseRecord(
        has_call=p.has_call,
        strict_ok=p.strict_ok,
        lenient_ok=p.lenient_ok,
        kind=p.kind,
        name=p.name,
        code=p.code,
        flags=list(p.flags),
        reason=p.reason,
    )


def answer_outside_call(text: str) -> str:
    """A reply's text with think blocks and any call removed (what a direct answer is scored on)."""
    p = parse_tool_call(text)
    return strip_think(p.content if p.has_call else text)


# -- the checks --------------------------------------------------------------------------------
def check_format(q: SuiteQuery, call: ParseRecord) -> CheckResult:
    if q.category != "tool":
        return CheckResult(passed=None, evidence=["not applicable: direct question"])
    if call.strict_ok:
        return CheckResult(passed=True, evidence=["strict parse: one tagged execute_code call"])
    lenient = "lenient parse passes" if call.lenient_ok else "lenient parse fails too"
    return CheckResult(passed=False, evidence=[f"strict parse fails: {call.reason or 'no call'}",
                                               f"{lenient} (form: {call.kind})"])


def check_discrimination(q: SuiteQuery, call: ParseRecord) -> CheckResult:
    what = f"a call to {call.name!r} ({call.kind})" if call.has_call else "no call"
    if q.category == "tool":
        ok = call.has_call
        return CheckResult(passed=ok, evidence=[f"tool query, {what}" + ("" if ok else ": should call")])
    ok = not call.has_call
    return CheckResult(passed=ok, evidence=[f"direct question, {what}" + ("" if ok else ": should answer in text")])


def check_typed(q: SuiteQuery, call: ParseRecord, execution: ToolExecution | None) -> CheckResult:
    if q.category != "tool":
        return CheckResult(passed=None, evidence=["not applicable: direct question"])
    if not call.code:
        return CheckResult(passed=False, evidence=["no execute_code code to check"])
    a = analyze(call.code)
    if a.syntax_error:
        return CheckResult(passed=False, evidence=[f"code does not parse: {a.syntax_error}"])
    evidence: list[str] = []
    ok = True
    missing = [t for t in q.expected_tools if t not in a.tools_called]
    if missing:
        ok = False
        evidence.append(f"does not call {', '.join(missing)} (expected {', '.join(q.expected_tools)}; "
                        f"calls {', '.join(a.tools_called) or 'no tool'})")
    else:
        evidence.append(f"calls {', '.join(a.tools_called)}")
    extra = [t for t in a.tools_called if t not in q.expected_tools]
    if extra:
        evidence.append(f"also calls {', '.join(extra)} (allowed)")
    for name in a.invented_calls:
        ok = False
        evidence.append(f"calls {name}(): not a tool or a defined function")
    if a.problems:
        ok = False
        evidence.extend(a.problems)
    evidence.extend(a.reads[:6])
    if execution is None:
        ok = False
        evidence.append("the code was not executed")
    else:
        res = execution.result
        if res.get("timed_out"):
            ok = False
            evidence.append("execution timed out")
        elif res.get("exception_type"):
            ok = False
            evidence.append(f"execution raised {res['exception_type']}: {(res.get('exception_message') or '')[:160]}")
        elif not execution.ok:
            ok = False
            evidence.append(f"execution failed (exit code {res.get('exit_code')})")
        else:
            evidence.append("executed without an exception")
    return CheckResult(passed=ok, evidence=evidence)


def _canon(num: str) -> str:
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return num.lstrip("-") or "0"


def claimed_numbers(answer: str) -> list[str]:
    """Numbers an answer states (list markers and numbers inside identifiers like F401 excluded)."""
    text = _LIST_MARKER.sub(" ", answer)
    seen: list[str] = []
    for m in _CLAIM.finditer(text):
        n = _canon(m.group(0))
        if n not in seen:
            seen.append(n)
    return seen


def supported_numbers(*texts: str) -> set[str]:
    return {_canon(m.group(0)) for t in texts for m in _SUPPORT.finditer(t or "")}


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def check_quality(q: SuiteQuery, answer: str, execution: ToolExecution | None) -> CheckResult:
    if q.category == "tool":
        return _tool_quality(q, answer, execution)
    return _direct_quality(q, answer)


def _tool_quality(q: SuiteQuery, answer: str, execution: ToolExecution | None) -> CheckResult:
    evidence: list[str] = []
    ok = True
    if not answer.strip():
        return CheckResult(passed=False, evidence=["empty final answer"])
    for fact in q.facts:
        if fact_holds(fact, answer):
            evidence.append(f"states fact {fact.name} = {fact.value!r}")
            continue
        ok = False
        if fact.match == "all":
            absent = [p for p in fact.patterns if not _matches(p, answer)]
            evidence.append(f"missing fact {fact.name} = {fact.value!r} (not found: "
                            + ", ".join(f"/{p}/" for p in absent) + ")")
        else:
            evidence.append(f"missing fact {fact.name} = {fact.value!r}")
    support = supported_numbers(execution.response if execution else "", q.prompt)
    fabricated = [n for n in claimed_numbers(answer) if n not in support]
    for n in fabricated:
        ok = False
        evidence.append(f"fabricated number {n}: not in the tool output")
    if execution is None:
        evidence.append("no tool output to support the answer")
    return CheckResult(passed=ok, evidence=evidence)


def _direct_quality(q: SuiteQuery, answer: str) -> CheckResult:
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
    return CheckResult(passed=ok, evidence=evidence)


def score_query(q: SuiteQuery, call: ParseRecord, execution: ToolExecution | None, final_answer: str) -> QueryScore:
    results = {
        "format": check_format(q, call),
        "discrimination": check_discrimination(q, call),
        "typed": check_typed(q, call, execution),
        "quality": check_quality(q, final_answer, execution),
    }
    applicable = [r.passed for r in results.values() if r.passed is not None]
    passed = sum(1 for p in applicable if p)
    return QueryScore(
        **results,
        lenient_format=call.lenient_ok if q.category == "tool" else None,
        strict_pass=bool(applicable) and passed == len(applicable),
        partial=passed / len(applicable) if applicable else 0.0,
    )


# -- aggregates --------------------------------------------------------------------------------
def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def aggregate(records: Sequence[QueryRecord]) -> Aggregates:
    n = len(records)
    strict = sum(r.score.strict_pass for r in records)
    checks: dict[str, list[int]] = {}
    for name in CHECKS:
        vals = [getattr(r.score, name).passed for r in records]
        checks[name] = [sum(1 for v in vals if v), sum(1 for v in vals if v is not None)]
    tool = [r for r in records if r.category == "tool"]
    direct = [r for r in records if r.category == "direct"]
    conf = Confusion(
        tool_called=sum(r.call.has_call for r in tool),
        tool_missed=sum(not r.call.has_call for r in tool),
        direct_called=sum(r.call.has_call for r in direct),
        direct_answered=sum(not r.call.has_call for r in direct),
    )
    recall = _ratio(conf.tool_called, len(tool))
    spec = _ratio(conf.direct_answered, len(direct))
    tps = [r.measurements.generation_tps for r in records if r.measurements.generation_tps]
    lat = [r.measurements.latency_s for r in records]
    peaks = [r.measurements.peak_memory_bytes for r in records if r.measurements.peak_memory_bytes]
    return Aggregates(
        n=n,
        strict_passes=strict,
        accuracy=strict / n if n else 0.0,
        partial_credit=sum(r.score.partial for r in records) / n if n else 0.0,
        checks=checks,
        lenient_format_passes=sum(1 for r in tool if r.call.lenient_ok),
        confusion=conf,
        tool_recall=recall,
        direct_specificity=spec,
        balanced_accuracy=(recall + spec) / 2 if recall is not None and spec is not None else None,
        generation_tps_mean=statistics.fmean(tps) if tps else None,
        latency_s_median=statistics.median(lat) if lat else None,
        peak_memory_bytes=max(peaks) if peaks else None,
        generated_tokens=sum(r.measurements.generated_tokens for r in records),
    )


def rescore_record(q: SuiteQuery, rec: QueryRecord, reparse: bool = True) -> QueryRecord:
    """The same record scored again from its saved raw outputs (no model needed)."""
    first = rec.rounds[0].text if rec.rounds else ""
    call = parse_record(first) if reparse else rec.call
    final = final_answer_of(q, [r.text for r in rec.rounds], call, rec.execution)
    return rec.model_copy(update={"call": call, "final_answer": final,
                                  "score": score_query(q, call, rec.execution, final)})


def final_answer_of(q: SuiteQuery, texts: Sequence[str], call: ParseRecord,
                    execution: ToolExecution | None) -> str:
    """The text quality is scored on: the answer after the tool result, else the first reply's text."""
    if execution is not None and len(texts) > 1:
        return answer_outside_call(texts[-1])
    return answer_outside_call(texts[0]) if texts else ""


def summarize_checks(score: QueryScore) -> dict[str, Any]:
    return {name: getattr(score, name).passed for name in CHECKS}
