"""Repeated sampling through the real suite run (scripted replies): k samples a query, each
executed and scored, the first in ``queries`` and the rest in ``more_samples``; the verdict then
uses the mean pass rate."""

from __future__ import annotations

from eval_queries import synthetic_suite
from eval_scripted import ScriptedEngine, config

from core.evaluation.compare import compare
from core.evaluation.schema import ModelIdentity
from core.evaluation.suite_run import ModelToTest, run_suite


def test_each_query_runs_k_times_in_one_pass_and_the_dashboard_follows_the_first(tmp_path, scripted, suite_file):
    cfg = config(tmp_path)
    cfg = cfg.model_copy(update={"evaluation": cfg.evaluation.model_copy(update={"samples": 3, "seed": 5,
                                                                                  "temperature": 0.7})})
    seen: list[tuple[str, int]] = []
    ident = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused")
    res = run_suite(cfg, synthetic_suite(), ModelToTest(ident, "c"), suite_path=suite_file,
                    on_query=lambda rec, n: seen.append((rec.query_id, n)))
    assert len(res.queries) == 20 and len(res.more_samples) == 40
    assert {r.sample for r in res.queries} == {0} and {r.sample for r in res.more_samples} == {1, 2}
    assert res.settings.samples == 3 and res.settings.seed == 5
    assert [n for _, n in seen] == list(range(1, 21))          # one event per query, its first sample
    samples = res.samples_of()
    assert all(len(v) == 3 for v in samples.values())
    # every sample's call was executed in its workspace and scored
    tc = samples["inv_tc"]
    assert all(r.execution is not None and r.score.strict_pass for r in tc)
    # one engine served every sample (one prefix cache), first replies in a single generate call
    assert len(ScriptedEngine.made) == 1
    assert any("samples a query" in n for n in res.notes)
    comp = compare(cfg, res, res, resamples=500, power_trials=500)
    core = comp.scopes["core"]
    assert core.candidate.samples == 3 and core.candidate.pass_all is not None
    assert core.verdict.ratio == 1.0
