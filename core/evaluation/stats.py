"""The verdict's uncertainty: a paired bootstrap interval of the accuracy ratio, an exact McNemar
test on the discordant queries, the margin in queries to the neighbouring bands, and the band
rule itself (shared by the verdict, the interval and the margin).

Inputs are per-query pass rates in [0, 1], paired by query: 0 or 1 with one sample per query, the
share of passing samples with several. With several samples the bootstrap resamples the queries
and, inside each resampled query, each model's samples, so the interval covers both the choice of
queries and the sampling noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

Band = Literal["7B primary", "split by use case", "stay on 30B"]
BAND_ORDER: tuple[Band, ...] = ("stay on 30B", "split by use case", "7B primary")
EPS = 1e-9


def band_of(ratio: float, primary: float, split: float) -> Band:
    """The seed's bands; a ratio equal to an edge in exact arithmetic belongs to the upper band."""
    if ratio >= primary - EPS:
        return "7B primary"
    if ratio >= split - EPS:
        return "split by use case"
    return "stay on 30B"


# -- bootstrap ---------------------------------------------------------------------------------
class Interval(BaseModel):
    low: float
    high: float
    level: float = 0.95
    resamples: int
    seed: int
    undefined: int = Field(0, description="Resamples whose baseline passed nothing (ratio undefined), left out")
    bands: list[Band] = Field(description="The bands the interval touches, lowest first")


def bootstrap_ratio(candidate: Sequence[Sequence[bool]], baseline: Sequence[Sequence[bool]], primary: float,
                    split: float, resamples: int = 10_000, seed: int = 0, level: float = 0.95) -> Interval | None:
    """Paired percentile bootstrap of sum(candidate) / sum(baseline) over queries.

    ``candidate[i]`` and ``baseline[i]`` are query i's sample outcomes for each model. Returns None
    when no resample has a baseline that passed anything."""
    n = len(candidate)
    if n == 0 or n != len(baseline):
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    c_sum = _resampled_sums(candidate, idx, rng)
    b_sum = _resampled_sums(baseline, idx, rng)
    ok = b_sum > 0
    if not ok.any():
        return None
    ratios = c_sum[ok] / b_sum[ok]
    alpha = (1 - level) / 2
    low, high = (float(x) for x in np.quantile(ratios, [alpha, 1 - alpha]))
    lo_band, hi_band = BAND_ORDER.index(band_of(low, primary, split)), BAND_ORDER.index(band_of(high, primary, split))
    return Interval(low=low, high=high, level=level, resamples=resamples, seed=seed,
                    undefined=int((~ok).sum()), bands=list(BAND_ORDER[lo_band:hi_band + 1]))


def _resampled_sums(outcomes: Sequence[Sequence[bool]], idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per resample, the sum over the drawn queries of each one's pass rate; with several samples a
    query's pass rate is itself resampled from its samples."""
    k = max((len(o) for o in outcomes), default=1)
    if k <= 1:
        rates = np.array([float(o[0]) if len(o) else 0.0 for o in outcomes])
        return rates[idx].sum(axis=1)  # type: ignore[no-any-return]
    table = np.zeros((len(outcomes), k))
    counts = np.array([max(len(o), 1) for o in outcomes])
    for i, o in enumerate(outcomes):
        table[i, : len(o)] = [float(x) for x in o]
    # for each (resample, drawn query): k draws among that query's samples
    picks = (rng.random(idx.shape + (k,)) * counts[idx][..., None]).astype(int)
    drawn = table[idx[..., None], picks]
    return drawn.mean(axis=2).sum(axis=1)  # type: ignore[no-any-return]


# -- McNemar ---------------------------------------------------------------------------------
class McNemar(BaseModel):
    fixed: int = Field(description="Discordant queries the candidate passes and the baseline fails")
    regressed: int = Field(description="Discordant queries the baseline passes and the candidate fails")
    p_value: float = Field(description="Exact two-sided binomial test on the discordant pairs (p = 1/2)")


def mcnemar_exact(fixed: int, regressed: int) -> McNemar:
    n = fixed + regressed
    if n == 0:
        return McNemar(fixed=0, regressed=0, p_value=1.0)
    tail = sum(math.comb(n, i) for i in range(min(fixed, regressed) + 1)) / 2 ** n
    return McNemar(fixed=fixed, regressed=regressed, p_value=min(1.0, 2 * tail))


# -- margin ----------------------------------------------------------------------------------
class Margin(BaseModel):
    up: int | None = Field(description="Fewest queries whose outcome must flip to reach the band above "
                                       "(None: already the top band, or out of reach)")
    down: int | None = Field(description="Fewest queries whose outcome must flip to fall to the band below "
                                         "(None: already the bottom band, or out of reach)")
    up_band: Band | None = None
    down_band: Band | None = None


def _sum_after(rates: Sequence[float], flips: int, toward: float) -> float:
    """The sum of ``rates`` after flipping the ``flips`` queries that move it most toward 0 or 1."""
    moves = sorted((abs(toward - r) for r in rates if r != toward), reverse=True)
    return sum(rates) + (1 if toward == 1.0 else -1) * sum(moves[:flips])


def fewest_flips(cand: Sequence[float], base: Sequence[float], up: bool,
                  reached: Callable[[float], bool]) -> int | None:
    n = len(cand)
    for total in range(1, 2 * n + 1):
        for u in range(0, min(total, n) + 1):
            v = total - u
            if v > n:
                continue
            c = _sum_after(cand, u, 1.0 if up else 0.0)
            b = _sum_after(base, v, 0.0 if up else 1.0)
            if b > EPS and reached(c / b):
                return total
    return None


def margin(cand: Sequence[float], base: Sequence[float], primary: float, split: float,
           floor_up: int = 0) -> Margin:
    """How many queries would have to flip to move the verdict one band up (the candidate passing
    a query it failed, or the baseline failing one it passed) or one band down (the reverse).

    ``floor_up`` is a lower bound on the upward margin (a gate the ratio alone doesn't see)."""
    b_sum = sum(base)
    if b_sum <= EPS or len(cand) != len(base):
        return Margin(up=None, down=None)
    here = BAND_ORDER.index(band_of(sum(cand) / b_sum, primary, split))
    up = down = None
    up_band = down_band = None
    if here < len(BAND_ORDER) - 1:
        up_band = BAND_ORDER[here + 1]
        target_up = up_band
        up = fewest_flips(cand, base, True,
                           lambda r: BAND_ORDER.index(band_of(r, primary, split)) >= BAND_ORDER.index(target_up))
        if up is not None:
            up = max(up, floor_up)
    if here > 0:
        down_band = BAND_ORDER[here - 1]
        target_down = down_band
        down = fewest_flips(cand, base, False,
                             lambda r: BAND_ORDER.index(band_of(r, primary, split)) <= BAND_ORDER.index(target_down))
    return Margin(up=up, down=down, up_band=up_band, down_band=down_band)


def tentative_label(label: str, interval: Interval | None) -> str | None:
    """'tentative: split by use case (could be 7B primary)' when the interval spans more than the
    verdict's band; None when it sits inside one band."""
    if interval is None or len(interval.bands) < 2:
        return None
    others = [b for b in interval.bands if b != label]
    if not others:
        return None
    return f"tentative: {label} (could be {' or '.join(others)})"
