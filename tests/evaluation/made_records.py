"""Constructed query records and results files for the statistics, routing and view tests."""

from __future__ import annotations

from typing import Any

from core.evaluation.schema import (
    CheckResult,
    Measurements,
    ModelIdentity,
    ParseRecord,
    QueryRecord,
    QueryScore,
    ResultsFile,
    Round,
    Settings,
    ToolExecution,
)
from core.evaluation.scoring import aggregate


def record(qid: str, passed: bool, *, category: str = "tool", topic: str | None = None, tier: str = "core",
           sample: int = 0, call: str = "ok", execution: str | None = None, answer: str = "an answer",
           latency_s: float = 1.0, tps: float | None = 10.0, tokens: int = 20) -> QueryRecord:
    """One scored reply. ``call``: 'ok', 'malformed' or 'none'; ``execution``: None, 'ok', 'raised' or
    'tool_error' (tool queries)."""
    has_call = call != "none"
    parse = ParseRecord(has_call=has_call, strict_ok=call == "ok", lenient_ok=call == "ok",
                        code="print(1)" if has_call else None)
    ex = None
    if execution is not None:
        result: dict[str, Any] = {"ok": execution != "raised", "tool_calls": []}
        if execution == "raised":
            result["exception_type"] = "ValueError"
        if execution == "tool_error":
            result["tool_calls"] = [{"name": "typecheck", "ok": False, "error": "boom"}]
        ex = ToolExecution(code="print(1)", workspace="w", ok=execution != "raised", response="r", result=result)
    check = CheckResult(passed=passed)
    score = QueryScore(format=check, discrimination=check, typed=check, quality=check, strict_pass=passed,
                       partial=1.0 if passed else 0.0)
    return QueryRecord(
        query_id=qid, category=category, tier=tier, topic=topic or ("typecheck" if category == "tool" else
                                                                     "concept: typing"),
        sample=sample, prompt=f"prompt of {qid}",
        rounds=[Round(text=answer, prompt_tokens=5, generated_tokens=tokens, latency_s=latency_s,
                      generation_tps=tps)],
        call=parse, execution=ex, final_answer=answer,
        measurements=Measurements(prompt_tokens=5, generated_tokens=tokens, ttft_s=0.1, generation_tps=tps,
                                  latency_s=latency_s, peak_memory_bytes=1000),
        score=score,
    )


def results(role: str, records: list[QueryRecord], more: list[QueryRecord] | None = None, bits: int | None = None,
            ) -> ResultsFile:
    family = "qwen2.5" if role == "candidate" else "qwen3"
    hf = "Qwen/Qwen2.5-Coder-7B-Instruct" if role == "candidate" else "Qwen/Qwen3-30B-A3B"
    return ResultsFile(
        created="2026-01-01T00:00:00+00:00", suite_hash="s", suite_path="suite.json", config_hash="c",
        data_hash="d",
        model=ModelIdentity(role=role, name=role, path=f"/nowhere/{role}", hf_id=hf, family=family,
                            form="quantized" if bits else "fused", bits=bits, group_size=64 if bits else None),
        settings=Settings(max_tokens=8, temperature=0.0, batch_size=4, compact_prompt=True, exec_timeout_s=1,
                          system_prompt_sha256="x", system_prompt_tokens=3),
        wall_s=1.0, queries=records, more_samples=more or [], aggregates=aggregate(records),
    )


def pairs(outcomes: list[tuple[bool, bool]], tool: int | None = None, **kw: Any
          ) -> tuple[ResultsFile, ResultsFile]:
    """Two results files from (candidate pass, baseline pass) per query; the first ``tool`` are tool
    queries (all of them when None), the rest direct."""
    n_tool = len(outcomes) if tool is None else tool
    cat = ["tool" if i < n_tool else "direct" for i in range(len(outcomes))]
    cand = [record(f"q{i:03d}", c, category=cat[i]) for i, (c, _) in enumerate(outcomes)]
    base = [record(f"q{i:03d}", b, category=cat[i]) for i, (_, b) in enumerate(outcomes)]
    return results("candidate", cand, **kw), results("baseline", base, **kw)
