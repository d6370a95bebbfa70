"""Routing policies on constructed results: the cascade escalates only on failures a router sees
without the answer key; by topic sends each topic to its winner, ties to the faster model."""

from __future__ import annotations

import pytest
from made_records import record

from core.evaluation.routing import key_free_failure, route, topic_group


def samples(recs):
    return {r.query_id: [r] for r in recs}


def test_the_cascade_escalates_only_on_key_free_failures():
    cand = [
        record("pass", True, execution="ok", latency_s=1.0),
        record("wrong_but_clean", False, execution="ok", latency_s=1.0),   # wrong facts: needs the key
        record("malformed", False, call="malformed", latency_s=1.0),
        record("raised", False, execution="raised", latency_s=1.0),
        record("tool_error", False, execution="tool_error", latency_s=1.0),
        record("empty", False, call="none", answer="  ", latency_s=1.0, category="direct"),
    ]
    base = [record(r.query_id, True, category=r.category, latency_s=3.0) for r in cand]
    assert [key_free_failure(r) for r in cand] == [None, None, "malformed call", "code raised", "tool error",
                                                   "empty answer"]
    routing = route(samples(cand), samples(base))
    assert routing is not None
    cascade = routing.policy("cascade")
    escalated = {s.query_id for s in cascade.queries if s.escalations}
    assert escalated == {"malformed", "raised", "tool_error", "empty"}
    assert cascade.candidate_share == pytest.approx(2 / 6)
    assert cascade.accuracy == pytest.approx(5 / 6)      # the 30B rescues the four escalated ones
    # an escalated query costs both models' latency
    assert cascade.latency_s_mean == pytest.approx((2 * 1.0 + 4 * 4.0) / 6)
    assert routing.policy("7B only").accuracy == pytest.approx(1 / 6)
    assert routing.policy("30B only").accuracy == pytest.approx(1.0)
    assert routing.policy("7B only").candidate_share == 1.0 and routing.policy("30B only").candidate_share == 0.0


def test_a_failure_that_only_the_answer_key_reveals_is_never_escalated():
    cand = [record(f"q{i}", False, execution="ok", answer="a confident wrong answer") for i in range(3)]
    base = [record(f"q{i}", True) for i in range(3)]
    cascade = route(samples(cand), samples(base)).policy("cascade")
    assert cascade.candidate_share == 1.0 and cascade.accuracy == 0.0


def test_by_topic_sends_each_topic_to_its_winner_and_ties_to_the_faster():
    cand = [record("t1", True, topic="typecheck", latency_s=1.0),
            record("t2", False, topic="ruff_check+typecheck", latency_s=1.0),
            record("d1", True, category="direct", topic="concept: typing", latency_s=1.0),
            record("d2", True, category="direct", topic="comparison: packaging", latency_s=5.0)]
    base = [record("t1", False, topic="typecheck", latency_s=2.0),
            record("t2", True, topic="ruff_check+typecheck", latency_s=2.0),
            record("d1", False, category="direct", topic="concept: typing", latency_s=2.0),
            record("d2", True, category="direct", topic="comparison: packaging", latency_s=2.0)]
    assert [topic_group(r) for r in cand] == ["typecheck", "ruff", "concepts", "comparisons"]
    policy = route(samples(cand), samples(base)).policy("by topic")
    assert policy.topics == {"typecheck": "7B", "ruff": "30B", "concepts": "7B", "comparisons": "30B"}
    assert policy.accuracy == 1.0
    assert policy.candidate_share == pytest.approx(0.5)
    assert policy.latency_s_mean == pytest.approx((1.0 + 2.0 + 1.0 + 2.0) / 4)


def test_tokens_per_second_come_from_the_served_replies():
    cand = [record("a", True, tps=20.0, tokens=40), record("b", True, tps=10.0, tokens=10)]
    base = [record("a", True, tps=50.0, tokens=50), record("b", True, tps=50.0, tokens=50)]
    r = route(samples(cand), samples(base))
    assert r.policy("7B only").tokens_per_s == pytest.approx(50 / (2.0 + 1.0))
    assert r.policy("30B only").tokens_per_s == pytest.approx(50.0)
