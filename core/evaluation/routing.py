"""Routing policies for the split outcome, evaluated on the two models' saved results (no new
generation): 7B only, 30B only, by topic (each suite topic to the model that wins it, ties to the
faster one) and a cascade (the 7B first; the 30B when a check that needs no answer key fails).

Figures per policy: accuracy (mean pass rate of the model that serves each query), the share of
queries the 7B serves, the expected latency per query and tokens/s, from the measured per-query
figures. By-topic choices are made and judged on the same queries, so its accuracy is optimistic.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pydantic import BaseModel, Field

from core.evaluation.schema import QueryRecord

POLICIES = ("7B only", "30B only", "by topic", "cascade")
TOPIC_WORDS = {"concept": "concepts", "comparison": "comparisons", "best practice": "practices",
               "ruff_check": "ruff", "pytest_run": "pytest"}


def topic_group(rec: QueryRecord) -> str:
    """The routing topic: the first tool a tool query names (typecheck, ruff, pytest, read_file,
    run_command), or the kind of direct question (concepts, comparisons, practices)."""
    topic = (rec.topic or rec.category).strip()
    if rec.category == "direct":
        head = topic.split(":")[0].strip()
    else:
        head = topic.replace("+", " ").split()[0] if topic else rec.category
    return TOPIC_WORDS.get(head, head)


def key_free_failure(rec: QueryRecord) -> str | None:
    """Why a production router would escalate this reply, using only what it sees at run time
    (never the answer key): a malformed call, code that raised, a tool error, an empty answer."""
    if rec.call.has_call and not rec.call.lenient_ok:
        return "malformed call"
    ex = rec.execution
    if ex is not None:
        res = ex.result
        if res.get("timed_out") or res.get("exception_type") or not ex.ok:
            return "code raised"
        if any(isinstance(c, dict) and c.get("ok") is False for c in res.get("tool_calls") or []):
            return "tool error"
    if not rec.final_answer.strip():
        return "empty answer"
    return None


class Served(BaseModel):
    """One query under one policy: the expected figures over its samples."""

    query_id: str
    topic: str
    candidate_share: float = Field(description="Share of this query's samples the 7B serves alone")
    pass_rate: float
    latency_s: float | None
    escalations: list[str] = Field(default_factory=list, description="Why the cascade escalated, per sample")


class Policy(BaseModel):
    name: str
    accuracy: float
    candidate_share: float = Field(description="Share of queries served by the 7B alone")
    latency_s_mean: float | None = Field(description="Expected latency per query (escalations add both models')")
    tokens_per_s: float | None = Field(description="Generated tokens / decode seconds over the served replies")
    topics: dict[str, str] = Field(default_factory=dict, description="topic -> model (by topic)")
    queries: list[Served] = Field(default_factory=list)


class Routing(BaseModel):
    policies: list[Policy]
    best: str = Field(description="The policy with the highest accuracy; ties to the larger 7B share")
    notes: list[str] = Field(default_factory=list)

    def policy(self, name: str) -> Policy:
        return next(p for p in self.policies if p.name == name)


def _rate(recs: Sequence[QueryRecord]) -> float:
    return sum(r.score.strict_pass for r in recs) / len(recs) if recs else 0.0


def _mean(xs: Sequence[float]) -> float | None:
    return statistics.fmean(xs) if xs else None


def _decode(recs: Sequence[QueryRecord]) -> tuple[float, float]:
    """(generated tokens, decode seconds) over replies with a measured tokens/s."""
    toks = secs = 0.0
    for r in recs:
        tps, n = r.measurements.generation_tps, r.measurements.generated_tokens
        if tps:
            toks, secs = toks + n, secs + n / tps
    return toks, secs


def _policy(name: str, served: list[Served], decode: tuple[float, float], topics: dict[str, str] | None = None
            ) -> Policy:
    lat = [s.latency_s for s in served if s.latency_s is not None]
    return Policy(
        name=name,
        accuracy=_mean([s.pass_rate for s in served]) or 0.0,
        candidate_share=_mean([s.candidate_share for s in served]) or 0.0,
        latency_s_mean=_mean(lat) if len(lat) == len(served) else None,
        tokens_per_s=decode[0] / decode[1] if decode[1] > 0 else None,
        topics=topics or {},
        queries=served,
    )


def route(candidate: dict[str, list[QueryRecord]], baseline: dict[str, list[QueryRecord]]) -> Routing | None:
    """The four policies over the queries both models answered (each id -> its samples)."""
    ids = [q for q in candidate if q in baseline and candidate[q] and baseline[q]]
    if not ids:
        return None
    c, b = {q: candidate[q] for q in ids}, {q: baseline[q] for q in ids}
    topic = {q: topic_group(c[q][0]) for q in ids}
    lat_c = {q: _mean([r.measurements.latency_s for r in c[q]]) for q in ids}
    lat_b = {q: _mean([r.measurements.latency_s for r in b[q]]) for q in ids}

    def only(model: str) -> Policy:
        recs, lat = (c, lat_c) if model == "7B" else (b, lat_b)
        served = [Served(query_id=q, topic=topic[q], candidate_share=1.0 if model == "7B" else 0.0,
                         pass_rate=_rate(recs[q]), latency_s=lat[q]) for q in ids]
        return _policy(f"{model} only", served, _decode([r for q in ids for r in recs[q]]))

    # by topic: the winner of each topic's queries; ties to the lower mean latency on them
    choice: dict[str, str] = {}
    for t in sorted(set(topic.values())):
        qs = [q for q in ids if topic[q] == t]
        wc, wb = sum(_rate(c[q]) for q in qs), sum(_rate(b[q]) for q in qs)
        if wc != wb:
            choice[t] = "7B" if wc > wb else "30B"
        else:
            mc, mb = _mean([lat_c[q] or 0.0 for q in qs]), _mean([lat_b[q] or 0.0 for q in qs])
            choice[t] = "30B" if (mb or 0.0) < (mc or 0.0) else "7B"
    by_topic = [Served(query_id=q, topic=topic[q], candidate_share=1.0 if choice[topic[q]] == "7B" else 0.0,
                       pass_rate=_rate(c[q] if choice[topic[q]] == "7B" else b[q]),
                       latency_s=lat_c[q] if choice[topic[q]] == "7B" else lat_b[q]) for q in ids]
    topic_recs = [r for q in ids for r in (c[q] if choice[topic[q]] == "7B" else b[q])]

    # cascade: each 7B sample escalates on a key-free failure to the 30B's pass rate on that query
    cascade: list[Served] = []
    cascade_recs: list[QueryRecord] = []
    for q in ids:
        why = [key_free_failure(r) for r in c[q]]
        esc = [w for w in why if w]
        kept = [r for r, w in zip(c[q], why, strict=True) if not w]
        share_kept = len(kept) / len(c[q])
        rate = (sum(r.score.strict_pass for r in kept) + len(esc) * _rate(b[q])) / len(c[q])
        lc, lb = lat_c[q], lat_b[q]
        lat = lc + (1 - share_kept) * lb if lc is not None and lb is not None else None
        cascade.append(Served(query_id=q, topic=topic[q], candidate_share=share_kept, pass_rate=rate,
                              latency_s=lat, escalations=esc))
        cascade_recs += c[q] + (b[q] if esc else [])
    policies = [only("7B"), only("30B"), _policy("by topic", by_topic, _decode(topic_recs), choice),
                _policy("cascade", cascade, _decode(cascade_recs))]
    best = max(policies, key=lambda p: (round(p.accuracy, 9), p.candidate_share))
    return Routing(policies=policies, best=best.name, notes=[
        "by topic picks each topic's winner on the same queries it is judged on, so its accuracy is optimistic",
        "the cascade escalates only on failures a router sees without the answer key: a malformed call, "
        "code that raised, a tool error, an empty answer; an escalated query costs both models' latency",
    ])
