"""Run the 20-query suite on one model: generate, execute the calls, feed results back, score.

Round 1 generates every query's first reply (shared system prefix, batched). A tool query whose
reply holds an ``execute_code`` call has its code run against the query's fixture workspace as
soon as the reply is done (in a worker thread, while the other queries still generate); the real
result goes back as the tool turn and round 2 generates the final answers. A query is scored,
and reported through ``on_query``, the moment its last round finishes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.codemode.confine import require_confinement
from core.codemode.executor import ExecutionLimits, execute_code
from core.codemode.prompt import assistant_tool_call, execute_code_tool_schema, system_prompt, tool_message
from core.config import ExperimentConfig
from core.data.suite import Suite, SuiteQuery
from core.evaluation.generation import Engine, Output, Request, load
from core.evaluation.hashes import config_hash, data_hash
from core.evaluation.schema import (
    Measurements,
    ModelIdentity,
    ParseRecord,
    QueryRecord,
    ResultsFile,
    Round,
    Settings,
    ToolExecution,
)
from core.evaluation.scoring import aggregate, final_answer_of, parse_record, score_query


class ModelLoadError(Exception):
    """A model (or its adapter) could not be loaded; the message names it and says why."""


@dataclass
class ModelToTest:
    identity: ModelIdentity
    load_path: str
    adapter_path: str | None = None


def _round(o: Output) -> Round:
    return Round(
        text=o.text, prompt_tokens=o.prompt_tokens, generated_tokens=o.generated_tokens,
        finish_reason=o.finish_reason, ttft_s=o.ttft_s, generation_tps=o.generation_tps,
        latency_s=o.latency_s, peak_memory_bytes=o.peak_memory_bytes, batch=o.batch, batch_size=o.batch_size,
    )


def _measure(rounds: list[Round], exec_s: float | None) -> Measurements:
    gen = sum(r.generated_tokens for r in rounds)
    decode_s = sum(r.generated_tokens / r.generation_tps for r in rounds if r.generation_tps)
    decode_n = sum(r.generated_tokens for r in rounds if r.generation_tps)
    peaks = [r.peak_memory_bytes for r in rounds if r.peak_memory_bytes]
    return Measurements(
        prompt_tokens=sum(r.prompt_tokens for r in rounds),
        generated_tokens=gen,
        ttft_s=rounds[0].ttft_s,
        generation_tps=decode_n / decode_s if decode_s > 0 else None,
        latency_s=sum(r.latency_s for r in rounds),
        exec_s=exec_s,
        peak_memory_bytes=max(peaks) if peaks else None,
    )


def build_record(q: SuiteQuery, rounds: list[Round], call: ParseRecord, execution: ToolExecution | None,
                 exec_s: float | None, sample: int = 0) -> QueryRecord:
    final = final_answer_of(q, [r.text for r in rounds], call, execution)
    score = score_query(q, call, execution, final, first_reply=rounds[0].text if rounds else "")
    return QueryRecord(
        query_id=q.id, category=q.category, tier=getattr(q, "tier", "core"), topic=q.topic, sample=sample,
        prompt=q.prompt, rounds=rounds, call=call, execution=execution,
        final_answer=final, measurements=_measure(rounds, exec_s), score=score,
    )


def run_code(code: str, workspace: Path, timeout_s: float, allow_unconfined: bool = False
             ) -> tuple[ToolExecution, float]:
    t0 = time.perf_counter()
    res = execute_code(code, workspace, ExecutionLimits.for_timeout(timeout_s, allow_unconfined=allow_unconfined))
    took = time.perf_counter() - t0
    return ToolExecution(code=code, workspace=workspace.name, ok=res.ok, response=res.to_tool_response(),
                         result=res.model_dump(mode="json")), took


def run_suite(
    cfg: ExperimentConfig,
    suite: Suite,
    target: ModelToTest,
    *,
    suite_path: Path,
    on_query: Callable[[QueryRecord, int], None] | None = None,
    log: Callable[[str], None] = print,
    should_stop: Callable[[], bool] | None = None,
    run_id: str | None = None,
) -> ResultsFile:
    ev = cfg.evaluation
    workspaces = cfg.resolve(cfg.data.workspaces)
    confinement = require_confinement(ev.allow_unconfined)  # refuse before loading the model
    t_load = time.perf_counter()
    try:
        model, tokenizer = load(target.load_path, target.adapter_path)
    except (OSError, ValueError, KeyError) as exc:
        what = target.load_path + (f" with adapter {target.adapter_path}" if target.adapter_path else "")
        raise ModelLoadError(f"{target.identity.role}: could not load {what}: {exc}") from None
    load_s = time.perf_counter() - t_load
    log(f"loaded {target.identity.role} ({target.identity.form}) from {target.load_path}"
        + (f" + adapter {target.adapter_path}" if target.adapter_path else "") + f" in {load_s:.1f}s")
    sys_prompt = system_prompt(compact=ev.compact_prompt)
    # The compact prompt lists the tools itself and its training rows carry no tools JSON block
    # (data/demo/compact); the full prompt is rendered with the template's tools block, as trained.
    tools = None if ev.compact_prompt else [execute_code_tool_schema()]
    engine = Engine(model, tokenizer, target.identity.family, sys_prompt, tools,
                    max_tokens=ev.max_tokens, temperature=ev.temperature, batch_size=ev.batch_size, seed=ev.seed)
    k = ev.samples
    t0 = time.perf_counter()
    engine.prefix_cache()
    log(f"shared prefix: {len(engine.prefix)} tokens prefilled once in {engine.prefill_s:.2f}s")

    by_id = {q.id: q for q in suite.queries}
    Key = tuple[str, int]  # (query id, sample)
    first: dict[Key, Round] = {}
    calls: dict[Key, ParseRecord] = {}
    pending: dict[Key, Future[tuple[ToolExecution, float]]] = {}
    records: dict[Key, QueryRecord] = {}

    def finish(rec: QueryRecord) -> None:
        records[(rec.query_id, rec.sample)] = rec
        if on_query is not None and rec.sample == 0:  # the dashboard follows each query's first sample
            on_query(rec, sum(1 for _, s in records if s == 0))

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="execute_code")

    def first_done(o: Output) -> None:
        q = by_id[o.key]
        key = (q.id, o.sample)
        r = _round(o)
        call = parse_record(o.text)
        first[key], calls[key] = r, call
        if q.category == "tool" and call.code is not None and call.lenient_ok and q.workspace:
            pending[key] = pool.submit(run_code, call.code, workspaces / q.workspace, ev.exec_timeout_s,
                                       ev.allow_unconfined)
        else:
            finish(build_record(q, [r], call, None, None, o.sample))

    try:
        # every sample of every query in one pass: the shared prefix's cache serves them all
        engine.generate([Request(q.id, [{"role": "user", "content": q.prompt}], sample=s)
                         for s in range(k) for q in suite.queries],
                        on_done=first_done, should_stop=should_stop, batch_index=0)
        executions = {key: fut.result() for key, fut in pending.items()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    second = []
    for (qid, s), (execution, _took) in executions.items():
        call = calls[(qid, s)]
        second.append(Request(qid, [
            {"role": "user", "content": by_id[qid].prompt},
            assistant_tool_call(call.code or ""),
            tool_message(execution.response),
        ], sample=s))

    def second_done(o: Output) -> None:
        q = by_id[o.key]
        key = (q.id, o.sample)
        execution, took = executions[key]
        finish(build_record(q, [first[key], _round(o)], calls[key], execution, took, o.sample))

    engine.generate(second, on_done=second_done, should_stop=should_stop, batch_index=1)
    wall = time.perf_counter() - t0
    queries = [records[(q.id, 0)] for q in suite.queries]
    more = [records[(q.id, s)] for s in range(1, k) for q in suite.queries]
    return ResultsFile(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        suite_hash=suite.sha256,
        suite_path=str(suite_path),
        config_hash=config_hash(cfg),
        data_hash=data_hash(cfg),
        model=target.identity,
        settings=Settings(
            max_tokens=ev.max_tokens, temperature=ev.temperature, batch_size=ev.batch_size,
            compact_prompt=ev.compact_prompt, exec_timeout_s=ev.exec_timeout_s,
            system_prompt_sha256=hashlib.sha256(sys_prompt.encode()).hexdigest(),
            system_prompt_tokens=len(engine.prefix), confinement=confinement, samples=k, seed=ev.seed,
        ),
        wall_s=wall,
        load_s=load_s,
        queries=queries,
        more_samples=more,
        aggregates=aggregate(queries),
        reused_from=None,
        notes=[f"peak memory per query is MLX's high-water mark for its round up to its last token, "
               f"shared by the up to {ev.batch_size} queries generated side by side",
               "latency, time to first token and tokens/s are measured from the moment a query "
               "entered prefill (the shared system prefix was prefilled once beforehand)",
               *([f"{k} samples a query (seed {ev.seed}); the aggregates describe each query's first sample, the "
                  f"verdict uses the mean pass rate over all of them"] if k > 1 else []),
               *(["samples > 1 at temperature 0: greedy replies repeat, so the samples add no information"]
                 if k > 1 and ev.temperature == 0 else [])],
    )


def describe(results: ResultsFile) -> str:
    a = results.aggregates
    return (f"{a.strict_passes}/{a.n} strict ({a.accuracy:.0%}), partial {a.partial_credit:.0%}, "
            f"tool recall {a.confusion.tool_called}/{a.confusion.tool_called + a.confusion.tool_missed}, "
            f"direct {a.confusion.direct_answered}/{a.confusion.direct_answered + a.confusion.direct_called}")

