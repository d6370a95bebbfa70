"""The verdict's uncertainty on constructed results: McNemar's exact p-value, a seeded bootstrap
interval, the margin at each band edge, the tentative label and the tool-query gate."""

from __future__ import annotations

import pytest
from made_records import pairs, record, results

from core.config import load_config
from core.evaluation.compare import compare
from core.evaluation.stats import bootstrap_ratio, margin, mcnemar_exact, tentative_label
from core.paths import DEMO_CONFIG


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO_CONFIG)


@pytest.mark.parametrize(("fixed", "regressed", "p"), [
    (1, 6, 2 * (1 + 7) / 2 ** 7),      # 0.125
    (0, 5, 2 / 2 ** 5),                # 0.0625
    (3, 3, 1.0),
    (0, 0, 1.0),
    (2, 10, 2 * (1 + 12 + 66) / 2 ** 12),
])
def test_mcnemar_exact_p_value_on_known_discordant_pairs(fixed, regressed, p):
    assert mcnemar_exact(fixed, regressed).p_value == pytest.approx(p)


def test_the_comparison_counts_discordant_pairs_for_mcnemar(cfg):
    # 1 fixed, 6 regressed, 8 both pass, 5 both fail
    outcomes = [(True, False)] + [(False, True)] * 6 + [(True, True)] * 8 + [(False, False)] * 5
    comp = compare(cfg, *pairs(outcomes), resamples=2000, power_trials=2000)
    m = comp.scopes["core"].mcnemar
    assert (m.fixed, m.regressed) == (1, 6)
    assert m.p_value == pytest.approx(0.125)


def test_a_fixed_seed_gives_a_stable_interval_around_the_ratio():
    cand = [[x] for x in [True] * 14 + [False] * 6]
    base = [[x] for x in [True] * 17 + [False] * 3]
    a = bootstrap_ratio(cand, base, 0.9, 0.7, resamples=10_000, seed=7)
    b = bootstrap_ratio(cand, base, 0.9, 0.7, resamples=10_000, seed=7)
    c = bootstrap_ratio(cand, base, 0.9, 0.7, resamples=10_000, seed=8)
    assert a is not None and b is not None and c is not None
    assert (a.low, a.high) == (b.low, b.high)
    assert a.low < 14 / 17 < a.high
    # another seed moves the 10,000-resample percentiles by little
    assert abs(a.low - c.low) <= 0.05 and abs(a.high - c.high) <= 0.05
    assert a.resamples == 10_000


def test_an_interval_that_spans_two_bands_makes_the_verdict_tentative():
    cand = [[x] for x in [True] * 15 + [False] * 5]
    base = [[x] for x in [True] * 18 + [False] * 2]
    iv = bootstrap_ratio(cand, base, 0.9, 0.7, seed=0)
    assert iv is not None and len(iv.bands) >= 2 and "split by use case" in iv.bands
    label = tentative_label("split by use case", iv)
    assert label is not None and label.startswith("tentative: split by use case (could be")
    narrow = bootstrap_ratio([[True]] * 20, [[True]] * 20, 0.9, 0.7, seed=0)
    assert narrow is not None and narrow.bands == ["7B primary"]
    assert tentative_label("7B primary", narrow) is None


def _rates(passes: int, n: int = 20) -> list[float]:
    return [1.0] * passes + [0.0] * (n - passes)


@pytest.mark.parametrize(("cand", "base", "up", "down"), [
    (18, 20, None, 1),   # exactly 0.90: one more candidate failure falls to split
    (17, 20, 1, 4),      # 0.85: one more pass reaches 0.90; 14/20 = 0.70 is still split, 13/20 is not
    (14, 20, 4, 1),      # exactly 0.70: the lower edge of split
    (13, 20, 1, None),   # 0.65: one more pass reaches 0.70
    (8, 10, 1, 2),       # 8/20 over 10/20: 9/10 reaches 0.90; 7/10 is still split, 6/10 or 7/11 is not
])
def test_the_margin_is_right_at_each_band_edge(cand, base, up, down):
    m = margin(_rates(cand), _rates(base), 0.9, 0.7)
    assert (m.up, m.down) == (up, down)


def test_the_margin_counts_baseline_flips_too():
    # 9/20 over 10/20 = 0.90; down: the candidate losing one (8/10) or the baseline gaining one (9/11)
    m = margin(_rates(9), _rates(10), 0.9, 0.7)
    assert m.down == 1
    # 6/20 over 10/20 = 0.60 (stay): one candidate pass gives 0.70; a baseline failure gives 6/9 = 0.67
    assert margin(_rates(6), _rates(10), 0.9, 0.7).up == 1
    # 5/20 over 10/20 = 0.50: 7/10 needs 2 candidate passes; 5/8 + 1 = 6/9... two flips either way
    assert margin(_rates(5), _rates(10), 0.9, 0.7).up == 2


def test_a_candidate_that_passes_no_tool_query_is_never_7b_primary(cfg):
    # 13 tool queries the candidate fails and the baseline fails too; 7 direct both pass: ratio 1.0
    outcomes = [(False, False)] * 13 + [(True, True)] * 7
    comp = compare(cfg, *pairs(outcomes, tool=13), resamples=1000, power_trials=1000)
    core = comp.scopes["core"]
    assert core.verdict.ratio == pytest.approx(1.0)
    assert core.verdict.label == "split by use case" and core.verdict.gated
    assert "no tool query" in core.verdict.reason
    assert core.margin.up == 1
    assert (core.candidate.tool_passes, core.candidate.tool_n) == (0, 13)
    assert (core.candidate.direct_passes, core.candidate.direct_n) == (7, 7)
    # one tool pass lifts the gate
    outcomes[0] = (True, False)
    assert compare(cfg, *pairs(outcomes, tool=13), resamples=500, power_trials=500).verdict.label == "7B primary"


def test_with_several_samples_the_verdict_uses_the_mean_pass_rate_and_pass_k(cfg):
    # 4 queries, 2 samples each; candidate: q0 1/2, q1 2/2, q2 0/2, q3 1/2 -> mean 0.5; baseline all pass
    first = [record("q0", True), record("q1", True), record("q2", False), record("q3", False)]
    more = [record("q0", False, sample=1), record("q1", True, sample=1), record("q2", False, sample=1),
            record("q3", True, sample=1)]
    base = [record(f"q{i}", True) for i in range(4)]
    base_more = [record(f"q{i}", True, sample=1) for i in range(4)]
    comp = compare(cfg, results("candidate", first, more), results("baseline", base, base_more),
                   resamples=2000, power_trials=1000)
    core = comp.scopes["core"]
    assert core.candidate.accuracy == pytest.approx(0.5)
    assert core.candidate.samples == 2
    assert core.candidate.pass_all == pytest.approx(0.25)
    assert core.verdict.ratio == pytest.approx(0.5)
    # the interval covers sampling noise: a query that passed 1 of 2 samples varies within a resample
    assert core.interval is not None and core.interval.low < 0.5 < core.interval.high


def test_the_extended_verdict_covers_every_query_and_the_core_one_the_core_tier(cfg):
    core_q = [(True, True)] * 10
    ext_q = [(False, True)] * 10
    cand = [record(f"c{i}", c) for i, (c, _) in enumerate(core_q)] + \
        [record(f"e{i}", c, tier="extended") for i, (c, _) in enumerate(ext_q)]
    base = [record(f"c{i}", b) for i, (_, b) in enumerate(core_q)] + \
        [record(f"e{i}", b, tier="extended") for i, (_, b) in enumerate(ext_q)]
    comp = compare(cfg, results("candidate", cand), results("baseline", base), resamples=1000, power_trials=1000)
    assert comp.scopes["core"].verdict.label == "7B primary" and comp.scopes["core"].candidate.n == 10
    assert comp.scopes["extended"].verdict.label == "stay on 30B" and comp.scopes["extended"].candidate.n == 20
    assert "beyond the seed" in comp.scopes["extended"].title
    assert comp.verdict == comp.scopes["core"].verdict
