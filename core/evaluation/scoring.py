"""The four checks, each mechanical and each with evidence strings.

1. format: the strict parse of the first response passes (tool queries; the lenient parse is
   reported beside it).
2. discrimination: a call on a tool query, none on a direct one (BFCL relevance/irrelevance:
   "no call" when nothing parses as a call).
3. typed: the code parses, the executor ran the expected tools for it (its own records), it reads
   only fields that exist on the result models, never subscripts a model, a field it read at run
   time reached stdout, no tool it called saw files the code had changed, and it ran without an
   exception (tool queries).
4. quality: tool queries state every expected fact and no number the tool output does not
   support; direct answers meet their rubric.

A query passes strictly when every applicable check passes; partial credit is the share of
applicable checks passed, reported beside accuracy and never in place of it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from core.codemode.parse import parse_tool_call, strip_leading_think
from core.data.suite import StateClaim, SuiteQuery
from core.evaluation import numbers
from core.evaluation.dataflow import result_reaches_output
from core.evaluation.grounding import set_aside, unchecked_workspace
from core.evaluation.quality import direct_quality, tool_quality
from core.evaluation.runtime_use import runtime_use, trusted
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
from core.evaluation.typed import analyze, tool_models


def strip_think(text: str) -> str:
    """Remove a leading Qwen3 ``<think>`` block (its opening tag may be in the prompt) before scoring."""
    return strip_leading_think(text)[0].strip()


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
    ran = _recorded_tool_names(execution)
    if execution is None:
        missing = [t for t in q.expected_tools if t not in a.tools_called]
        where = "in the code"
    else:
        missing = [t for t in q.expected_tools if t not in ran]
        where = "in the executor's recorded calls"
    if missing:
        ok = False
        static_only = [t for t in missing if t in a.tools_called]
        evidence.append(f"does not call {', '.join(missing)} {where} (expected {', '.join(q.expected_tools)}; "
                        f"recorded {', '.join(ran) or 'no tool call'})")
        if static_only and execution is not None:
            evidence.append(f"{', '.join(static_only)} appears in the code but never ran")
    else:
        evidence.append(f"calls {', '.join(q.expected_tools)} ({where}: {', '.join(ran or a.tools_called)})")
    extra = [t for t in (ran if execution is not None else a.tools_called) if t not in q.expected_tools]
    if extra:
        evidence.append(f"also calls {', '.join(extra)} (allowed)")
    for name in a.invented_calls:
        ok = False
        evidence.append(f"calls {name}(): not a tool or a defined function")
    if a.problems:
        ok = False
        evidence.extend(a.problems)
    evidence.extend(a.reads[:6])
    flow = result_reaches_output(call.code, tool_models())
    if not flow.reaches:
        ok = False
    evidence.append(flow.evidence)
    if execution is None:
        ok = False
        evidence.append("the code was not executed")
    else:
        res = execution.result
        untrusted = [c for c in res.get("tool_calls") or [] if not trusted(c)]
        if untrusted:
            evidence.append(f"{len(untrusted)} tool call record(s) written inside the sandbox (an older executor), "
                            "not counted: only calls the executor ran itself count (rescore with --execute)")
        aside = set_aside(execution)
        if aside:
            ok = False
            evidence.extend(why for _tool, why in aside)
        unchecked = unchecked_workspace(execution)
        if unchecked:
            evidence.append(f"{unchecked} tool call record(s) without a workspace check (an older executor): "
                            "whether the code changed the files its tools saw was not recorded (rescore with "
                            "--execute)")
        use = runtime_use(res, flow.lines)
        if use.passed is False:
            ok = False
        evidence.extend(use.evidence)
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


def _recorded_tool_names(execution: ToolExecution | None) -> list[str]:
    if execution is None:
        return []
    names = [c.get("name") for c in execution.result.get("tool_calls") or [] if trusted(c)]
    return list(dict.fromkeys(n for n in names if isinstance(n, str)))


def claimed_numbers(answer: str) -> list[str]:
    """Numbers an answer states (list markers and numbers inside identifiers like F401 excluded)."""
    return numbers.claimed_numbers(answer)


def check_quality(q: SuiteQuery, answer: str, execution: ToolExecution | None,
                  claims: Sequence[StateClaim] | None = None, turn_text: str = "") -> CheckResult:
    if q.category == "tool":
        return tool_quality(q, answer, execution, claims, turn_text)
    return direct_quality(q, answer)


def text_beside_call(first_reply: str) -> str:
    """What the first reply says outside its call (a planning sentence, or claims); empty without a call."""
    p = parse_tool_call(first_reply)
    return strip_think(p.content) if p.has_call else ""


def score_query(q: SuiteQuery, call: ParseRecord, execution: ToolExecution | None, final_answer: str,
                claims: Sequence[StateClaim] | None = None, first_reply: str = "") -> QueryScore:
    """The four checks; ``claims`` are the state claims to check (default: the suite's and the query's);
    ``first_reply``: the first turn, whose text beside the call is judged with the answer."""
    turn = text_beside_call(first_reply) if execution is not None and len(final_answer) else ""
    if turn and turn == final_answer:
        turn = ""  # no answer after the tool result: the first turn's text is the answer itself
    results = {
        "format": check_format(q, call),
        "discrimination": check_discrimination(q, call),
        "typed": check_typed(q, call, execution),
        "quality": check_quality(q, final_answer, execution, claims, turn),
    }
    applicable = [r.passed for r in results.values() if r.passed is not None]
    passed = sum(1 for p in applicable if p)
    return QueryScore(
        format=results["format"], discrimination=results["discrimination"], typed=results["typed"],
        quality=results["quality"], judge=None,
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
    score = score_query(q, call, rec.execution, final, first_reply=first)
    if rec.score.judge is not None:
        from core.evaluation.judge import with_judge

        score = with_judge(score, rec.score.judge)
    return rec.model_copy(update={"call": call, "final_answer": final, "score": score})


def final_answer_of(q: SuiteQuery, texts: Sequence[str], call: ParseRecord,
                    execution: ToolExecution | None) -> str:
    """The text quality is scored on: the answer after the tool result, else the first reply's text."""
    if execution is not None and len(texts) > 1:
        return answer_outside_call(texts[-1])
    return answer_outside_call(texts[0]) if texts else ""


def summarize_checks(score: QueryScore) -> dict[str, Any]:
    return {name: getattr(score, name).passed for name in CHECKS}
