"""The verdict on one scope of queries (the seed's core queries, or all with the extended tier):
accuracy overall, on tool queries and on direct ones, the band, its bootstrap interval, the
McNemar test, the margin in queries, the tentative label, the power, and the routing policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from core.evaluation.power import Power, power
from core.evaluation.routing import Routing, route
from core.evaluation.schema import QueryRecord
from core.evaluation.stats import (
    EPS,
    Interval,
    Margin,
    McNemar,
    band_of,
    bootstrap_ratio,
    fewest_flips,
    margin,
    mcnemar_exact,
    tentative_label,
)

Label = Literal["7B primary", "split by use case", "stay on 30B", "inconclusive"]
Scope = Literal["core", "extended"]
SCOPE_TITLES = {"core": "the seed's verdict, on the core queries",
                "extended": "the extended verdict, on every query (goes beyond the seed)"}


class Verdict(BaseModel):
    label: Label
    ratio: float | None = Field(description="candidate accuracy / baseline accuracy")
    candidate_accuracy: float
    baseline_accuracy: float
    primary: float
    split: float
    reason: str
    gated: bool = Field(False, description="The ratio reached 7B primary but the candidate passed no tool query")


def verdict(candidate_accuracy: float, baseline_accuracy: float, primary: float, split: float,
            candidate_tool_passes: float | None = None) -> Verdict:
    """Map the accuracy ratio onto the seed's bands: >= primary, split..primary, < split. A
    candidate that passed no tool query (``candidate_tool_passes == 0``) is never 7B primary."""
    def made(label: Label, ratio: float | None, reason: str, gated: bool = False) -> Verdict:
        return Verdict(label=label, ratio=ratio, candidate_accuracy=candidate_accuracy,
                       baseline_accuracy=baseline_accuracy, primary=primary, split=split, reason=reason, gated=gated)

    if baseline_accuracy <= 0:
        return made("inconclusive", None, "the baseline passed no query, so the accuracy ratio is undefined")
    ratio = candidate_accuracy / baseline_accuracy
    # A ratio that equals a boundary in exact arithmetic must not slip below it in floating point.
    if ratio >= primary - EPS:
        if candidate_tool_passes is not None and candidate_tool_passes <= 0:
            return made("split by use case", ratio, f"ratio {ratio:.2f} >= {primary:.2f}, but the candidate "
                        f"passed no tool query, so it cannot be 7B primary", gated=True)
        return made("7B primary", ratio, f"ratio {ratio:.2f} >= {primary:.2f}")
    if ratio >= split - EPS:
        return made("split by use case", ratio, f"{split:.2f} <= ratio {ratio:.2f} < {primary:.2f}")
    return made("stay on 30B", ratio, f"ratio {ratio:.2f} < {split:.2f}")


class ModelFigures(BaseModel):
    n: int = Field(description="Queries in the scope")
    samples: int = Field(description="Samples per query (the most any query has)")
    passes: float = Field(description="Expected strict passes: the sum of per-query pass rates")
    accuracy: float = Field(description="Mean per-query pass rate")
    tool_n: int
    tool_passes: float
    direct_n: int
    direct_passes: float
    pass_all: float | None = Field(None, description="pass^k: share of queries passed in all k samples (k > 1)")

    @property
    def tool_accuracy(self) -> float | None:
        return self.tool_passes / self.tool_n if self.tool_n else None

    @property
    def direct_accuracy(self) -> float | None:
        return self.direct_passes / self.direct_n if self.direct_n else None


def pass_rate(recs: Sequence[QueryRecord]) -> float:
    return sum(r.score.strict_pass for r in recs) / len(recs) if recs else 0.0


def figures(samples: dict[str, list[QueryRecord]], ids: Sequence[str]) -> ModelFigures:
    rates = {q: pass_rate(samples[q]) for q in ids}
    tool = [q for q in ids if samples[q][0].category == "tool"]
    direct = [q for q in ids if samples[q][0].category == "direct"]
    k = max((len(samples[q]) for q in ids), default=1)
    n = len(ids)
    return ModelFigures(
        n=n, samples=k, passes=sum(rates.values()), accuracy=sum(rates.values()) / n if n else 0.0,
        tool_n=len(tool), tool_passes=sum(rates[q] for q in tool),
        direct_n=len(direct), direct_passes=sum(rates[q] for q in direct),
        pass_all=(sum(all(r.score.strict_pass for r in samples[q]) for q in ids) / n) if k > 1 and n else None,
    )


class ScopeVerdict(BaseModel):
    scope: Scope
    title: str
    query_ids: list[str]
    candidate: ModelFigures
    baseline: ModelFigures
    verdict: Verdict
    interval: Interval | None = Field(description="Paired bootstrap 95% interval of the ratio")
    mcnemar: McNemar
    margin: Margin
    tentative: str | None = Field(description="Set when the interval spans more than the verdict's band")
    power: Power | None = None
    routing: Routing | None = None
    recommendation: str | None = Field(None, description="For a split verdict: the better routing policy")


def scope_verdict(scope: Scope, cand: dict[str, list[QueryRecord]], base: dict[str, list[QueryRecord]],
                  primary: float, split: float, seed: int = 0, resamples: int = 10_000,
                  power_trials: int = 20_000) -> ScopeVerdict:
    """The verdict on ``scope``: core = the queries of tier 'core', extended = every query."""
    ids = [q for q in cand if q in base and cand[q] and base[q]
           and (scope == "extended" or cand[q][0].tier == "core")]
    c_fig, b_fig = figures(cand, ids), figures(base, ids)
    v = verdict(c_fig.accuracy, b_fig.accuracy, primary, split, c_fig.tool_passes)
    c_out = [[r.score.strict_pass for r in cand[q]] for q in ids]
    b_out = [[r.score.strict_pass for r in base[q]] for q in ids]
    interval = bootstrap_ratio(c_out, b_out, primary, split, resamples=resamples, seed=seed)
    c_rates, b_rates = [pass_rate(cand[q]) for q in ids], [pass_rate(base[q]) for q in ids]
    # McNemar on each query's majority outcome (its only outcome with one sample)
    c_major, b_major = [r >= 0.5 for r in c_rates], [r >= 0.5 for r in b_rates]
    fixed = sum(a and not b for a, b in zip(c_major, b_major, strict=True))
    regressed = sum(b and not a for a, b in zip(c_major, b_major, strict=True))
    if v.gated:  # the gate holds a primary ratio at split: one tool pass lifts it
        marg = Margin(up=1, up_band="7B primary", down_band="stay on 30B",
                      down=fewest_flips(c_rates, b_rates, False,
                                        lambda r: band_of(r, primary, split) == "stay on 30B"))
    else:
        marg = margin(c_rates, b_rates, primary, split, floor_up=1 if c_fig.tool_passes <= 0 else 0)
    label = v.label if v.label != "inconclusive" else None
    routing = route({q: cand[q] for q in ids}, {q: base[q] for q in ids})
    rec = None
    if v.label == "split by use case" and routing is not None:
        best = max((p for p in routing.policies if p.name in ("by topic", "cascade")), key=lambda p: p.accuracy)
        rec = (f"route {best.name}: accuracy {best.accuracy:.0%} with {best.candidate_share:.0%} of queries "
               f"served by the 7B" + (" (every query goes to the 30B: on these results the split does not pay)"
                                      if best.candidate_share == 0 else ""))
    return ScopeVerdict(
        scope=scope, title=SCOPE_TITLES[scope], query_ids=ids, candidate=c_fig, baseline=b_fig, verdict=v,
        interval=interval, mcnemar=mcnemar_exact(fixed, regressed), margin=marg,
        tentative=tentative_label(label, interval) if label else None,
        power=power(c_rates, b_rates, c_fig.samples, primary, split, trials=power_trials, seed=seed),
        routing=routing, recommendation=rec,
    )

