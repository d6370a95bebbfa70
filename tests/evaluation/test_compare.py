"""Verdict bands (with their boundaries), per-query classes, and side-by-side ratios."""

from __future__ import annotations

import pytest

from core.evaluation.compare import classify, verdict


@pytest.mark.parametrize(
    ("cand", "base", "label"),
    [
        (0.90, 1.00, "7B primary"),          # exactly 0.90
        (0.95, 0.95, "7B primary"),
        (1.00, 0.50, "7B primary"),          # the 7B may beat the 30B
        (0.89, 1.00, "split by use case"),
        (0.70, 1.00, "split by use case"),   # exactly 0.70
        (0.69, 1.00, "stay on 30B"),
        (0.00, 0.80, "stay on 30B"),
    ],
)
def test_bands(cand, base, label):
    v = verdict(cand, base, primary=0.90, split=0.70)
    assert v.label == label
    assert v.ratio == pytest.approx(cand / base)


def test_twenty_query_boundaries_hit_the_bands_exactly():
    # 18/20 over 20/20 is 0.90; 14/20 over 20/20 is 0.70 -- float division must not slip below
    assert verdict(18 / 20, 20 / 20, 0.90, 0.70).label == "7B primary"
    assert verdict(14 / 20, 20 / 20, 0.90, 0.70).label == "split by use case"
    assert verdict(9 / 20, 10 / 20, 0.90, 0.70).label == "7B primary"
    assert verdict(7 / 20, 10 / 20, 0.90, 0.70).label == "split by use case"


def test_a_baseline_with_no_pass_is_inconclusive_with_the_reason():
    v = verdict(0.5, 0.0, 0.90, 0.70)
    assert v.label == "inconclusive" and v.ratio is None
    assert "baseline passed no query" in v.reason


def test_per_query_classes():
    assert classify(True, False) == "fixed"
    assert classify(False, True) == "regressed"
    assert classify(True, True) == "both pass"
    assert classify(False, False) == "both fail"


def test_a_boundary_ratio_does_not_slip_below_through_rounding():
    # 0.3 * 3 is 0.8999999999999999 in floating point; it is still the 0.90 boundary
    assert verdict(0.3 * 3, 1.0, 0.90, 0.70).label == "7B primary"
    assert verdict(0.1 * 7, 1.0, 0.90, 0.70).label == "split by use case"
