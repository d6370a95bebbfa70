"""The power analysis against a brute-force count over every outcome of a small suite."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core.evaluation.power import correlation, in_band_share, joint, power
from core.evaluation.stats import band_of


def brute_force(p_c: float, p_b: float, rho: float, n: int, primary: float, split: float) -> float:
    """Exact chance that n independent query pairs give a ratio in the true band."""
    true = band_of(p_c / p_b, primary, split)
    probs = dict(zip(((1, 1), (1, 0), (0, 1), (0, 0)), joint(p_c, p_b, rho), strict=True))
    total = 0.0
    for outcome in itertools.product(probs, repeat=n):
        c, b = sum(o[0] for o in outcome), sum(o[1] for o in outcome)
        if b and band_of(c / b, primary, split) == true:
            total += float(np.prod([probs[o] for o in outcome]))
    return total


@pytest.mark.parametrize(("p_c", "p_b", "rho", "n"), [
    (0.64, 0.8, 0.5, 6),    # true ratio 0.8: split
    (0.76, 0.8, 0.3, 7),    # 0.95: primary
    (0.3, 0.6, 0.0, 5),     # 0.5: stay
])
def test_the_simulated_share_matches_a_brute_force_count(p_c, p_b, rho, n):
    exact = brute_force(p_c, p_b, rho, n, 0.9, 0.7)
    sim = in_band_share(p_c, p_b, rho, n, 0.9, 0.7, 40_000, np.random.default_rng(3))
    assert sim == pytest.approx(exact, abs=0.015)


def test_the_joint_distribution_keeps_the_marginals_and_the_correlation():
    p11, p10, p01, p00 = joint(0.6, 0.8, 0.5)
    assert p11 + p10 == pytest.approx(0.6) and p11 + p01 == pytest.approx(0.8)
    assert p11 + p10 + p01 + p00 == pytest.approx(1.0)
    cov = p11 - 0.6 * 0.8
    assert cov / np.sqrt(0.6 * 0.4 * 0.8 * 0.2) == pytest.approx(0.5)


def test_power_on_measured_rates_states_its_assumptions_and_what_reaches_90_percent():
    cand = [1.0] * 13 + [0.0] * 7
    base = [1.0] * 16 + [0.0] * 4
    p = power(cand, base, samples=1, primary=0.9, split=0.7, trials=4000, seed=1)
    assert p is not None
    assert p.true_band == band_of(13 / 16, 0.9, 0.7) == "split by use case"
    assert p.correlation == pytest.approx(correlation(cand, base))
    assert p.correlation_estimated
    assert 0.2 < p.in_true_band < 0.8          # 20 queries barely resolve the middle band
    assert p.queries_for_target is not None and p.queries_for_target > 20
    assert any("correlation" in a for a in p.assumptions)
    # same seed, same figures
    again = power(cand, base, samples=1, primary=0.9, split=0.7, trials=4000, seed=1)
    assert again is not None and again.in_true_band == p.in_true_band


def test_a_model_whose_outcomes_do_not_vary_gets_zero_correlation_said_so():
    p = power([1.0] * 10, [1.0] * 8 + [0.0] * 2, samples=1, primary=0.9, split=0.7, trials=1000)
    assert p is not None and p.correlation == 0.0 and not p.correlation_estimated
    assert power([0.0] * 5, [0.0] * 5, samples=1, primary=0.9, split=0.7) is None
