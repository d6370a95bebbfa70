"""Power of the verdict: the chance that the measured band is the true band, by seeded simulation.

Assumptions (stated in the report with the figures):
- each model's true pass rate is its measured mean pass rate;
- queries are exchangeable: each query's pair of outcomes (candidate, baseline) is drawn with those
  rates and the between-model correlation measured on this run's per-query pass rates;
- a query's samples are independent draws given the query, so n queries x k samples count as n*k
  draws (when a query's samples agree more than that, extra samples help less than shown);
- the verdict is the ratio's band; the tool-query gate is left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from core.evaluation.stats import Band, band_of

ASSUMPTIONS = (
    "true pass rates = the measured mean pass rates",
    "queries are exchangeable; each query's pair of outcomes has the measured between-model correlation",
    "a query's samples are independent draws given the query (n queries x k samples = n*k draws)",
    "the verdict is the ratio's band (the tool-query gate is left out)",
)
TARGET = 0.90
QUERY_GRID = (20, 40, 60, 80, 100, 150, 200, 300, 400, 600, 800)


class Power(BaseModel):
    candidate_rate: float
    baseline_rate: float
    correlation: float
    correlation_estimated: bool = Field(description="False when one model's outcomes don't vary; then 0 is assumed")
    true_band: Band
    queries: int
    samples: int
    trials: int
    seed: int
    in_true_band: float = Field(description="Share of simulated runs whose verdict lands in the true band")
    queries_for_target: int | None = Field(description=f"Fewest queries (grid {QUERY_GRID[0]}..{QUERY_GRID[-1]}) "
                                                       f"at this many samples reaching {TARGET:.0%}; None: none did")
    samples_for_target: int | None = Field(description="Fewest samples per query at this many queries reaching "
                                                       f"{TARGET:.0%} (up to 10); None: none did")
    target: float = TARGET
    assumptions: list[str] = Field(default_factory=lambda: list(ASSUMPTIONS))


def joint(p_c: float, p_b: float, rho: float) -> tuple[float, float, float, float]:
    """(p11, p10, p01, p00): both pass, candidate only, baseline only, neither, for Bernoulli
    marginals ``p_c``, ``p_b`` with correlation ``rho`` (clipped to what the marginals allow)."""
    sd = math.sqrt(p_c * (1 - p_c) * p_b * (1 - p_b))
    p11 = p_c * p_b + rho * sd
    p11 = min(max(p11, max(0.0, p_c + p_b - 1), 0.0), min(p_c, p_b))
    p10, p01 = p_c - p11, p_b - p11
    return p11, p10, p01, max(0.0, 1 - p11 - p10 - p01)


def correlation(cand: Sequence[float], base: Sequence[float]) -> float | None:
    """Pearson correlation of the two models' per-query pass rates; None if either is constant."""
    if len(cand) < 2:
        return None
    c, b = np.asarray(cand, float), np.asarray(base, float)
    if c.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(c, b)[0, 1])


def in_band_share(p_c: float, p_b: float, rho: float, draws: int, primary: float, split: float,
                  trials: int, rng: np.random.Generator) -> float:
    """Share of ``trials`` simulated runs of ``draws`` outcome pairs whose ratio's band is the true band."""
    true = band_of(p_c / p_b, primary, split)
    probs = np.array(joint(p_c, p_b, rho))
    counts = rng.multinomial(draws, probs / probs.sum(), size=trials)  # columns: 11, 10, 01, 00
    c = counts[:, 0] + counts[:, 1]
    b = counts[:, 0] + counts[:, 2]
    lo, hi = {"7B primary": (primary, math.inf), "split by use case": (split, primary),
              "stay on 30B": (-math.inf, split)}[true]
    ok = b > 0
    ratio = np.where(ok, c / np.maximum(b, 1), 0.0)
    hits = int((ok & (ratio >= lo - 1e-9) & (ratio < hi - 1e-9)).sum())
    return hits / trials


def power(cand_rates: Sequence[float], base_rates: Sequence[float], samples: int, primary: float, split: float,
          trials: int = 20_000, seed: int = 0) -> Power | None:
    """The power of this run's verdict, and the queries or samples that would reach 90%.

    ``cand_rates``/``base_rates`` are the per-query pass rates. None when the baseline passed nothing."""
    n = len(cand_rates)
    if n == 0 or n != len(base_rates):
        return None
    p_c, p_b = sum(cand_rates) / n, sum(base_rates) / n
    if p_b <= 0:
        return None
    rho_est = correlation(cand_rates, base_rates)
    rho = rho_est if rho_est is not None else 0.0
    k = max(1, samples)

    def share(draws: int, t: int, s: int) -> float:
        return in_band_share(p_c, p_b, rho, draws, primary, split, t, np.random.default_rng(s))

    here = share(n * k, trials, seed)
    grid_trials = max(2000, trials // 5)
    q_target = next((q for q in QUERY_GRID if share(q * k, grid_trials, seed + q) >= TARGET), None)
    s_target = next((s for s in range(1, 11) if share(n * s, grid_trials, seed + 1000 + s) >= TARGET), None)
    return Power(candidate_rate=p_c, baseline_rate=p_b, correlation=rho, correlation_estimated=rho_est is not None,
                 true_band=band_of(p_c / p_b, primary, split), queries=n, samples=k, trials=trials, seed=seed,
                 in_true_band=here, queries_for_target=q_target, samples_for_target=s_target)
