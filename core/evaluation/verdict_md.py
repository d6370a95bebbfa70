"""The report's verdict sections in markdown: both verdicts side by side with their uncertainty,
the power analysis, the routing policies and where the seed's speed and memory claims stand."""

from __future__ import annotations

from core.evaluation.compare import Comparison
from core.evaluation.power import Power
from core.evaluation.predict import Physics, bits_label
from core.evaluation.routing import Routing
from core.evaluation.schema import Aggregates
from core.evaluation.verdict import ModelFigures, ScopeVerdict


def share(passes: float, n: int) -> str:
    if not n:
        return "–"
    p = f"{passes:g}" if float(passes).is_integer() else f"{passes:.2f}"
    return f"{p}/{n} ({passes / n:.0%})"


def interval_words(s: ScopeVerdict) -> str:
    iv = s.interval
    if iv is None:
        return "undefined (the baseline passed nothing)"
    return f"{iv.low:.2f} to {iv.high:.2f} ({' / '.join(iv.bands)})"


def margin_words(s: ScopeVerdict) -> str:
    m = s.margin
    parts = []
    if m.up is not None:
        parts.append(f"{m.up} up to {m.up_band}")
    if m.down is not None:
        parts.append(f"{m.down} down to {m.down_band}")
    return ", ".join(parts) or "–"


def power_words(p: Power | None) -> str:
    if p is None:
        return "not computable (the baseline passed nothing)"
    reach = (f"{p.queries_for_target} queries" if p.queries_for_target else
             "more than the largest suite simulated")
    samples = (f" or {p.samples_for_target} samples a query" if p.samples_for_target and p.samples_for_target > 1
               else "")
    return f"{p.in_true_band:.0%} in the true band ({p.true_band}); {p.target:.0%} needs {reach}{samples}"


def _figs(f: ModelFigures) -> list[str]:
    rows = [share(f.passes, f.n), share(f.tool_passes, f.tool_n), share(f.direct_passes, f.direct_n)]
    return rows + [f"{f.pass_all:.0%}" if f.pass_all is not None else "–"]


def scopes_table(comp: Comparison) -> list[str]:
    scopes = list(comp.scopes.values())
    if not scopes:
        return []
    head = "| | " + " | ".join(s.title for s in scopes) + " |"
    rows = [head, "|---|" + "---|" * len(scopes)]
    c = [_figs(s.candidate) for s in scopes]
    b = [_figs(s.baseline) for s in scopes]
    labels = ["overall", "tool queries", "direct questions", "pass^k (every sample passed)"]
    for i, label in enumerate(labels):
        if i == 3 and all(s.candidate.samples <= 1 for s in scopes):
            continue
        rows.append(f"| 7B {label} | " + " | ".join(x[i] for x in c) + " |")
        rows.append(f"| 30B {label} | " + " | ".join(x[i] for x in b) + " |")
    lines = [
        ("ratio", [f"{s.verdict.ratio:.2f}" if s.verdict.ratio is not None else "undefined" for s in scopes]),
        ("verdict", [f"**{s.verdict.label}**" + (f" ({s.tentative})" if s.tentative else "") for s in scopes]),
        ("95% interval (paired bootstrap)", [interval_words(s) for s in scopes]),
        ("McNemar exact p (fixed / regressed)",
         [f"{s.mcnemar.p_value:.3f} ({s.mcnemar.fixed} / {s.mcnemar.regressed})" for s in scopes]),
        ("margin (queries to flip)", [margin_words(s) for s in scopes]),
        ("power", [power_words(s.power) for s in scopes]),
    ]
    rows += [f"| {name} | " + " | ".join(vals) + " |" for name, vals in lines]
    return rows


def scope_lines(comp: Comparison) -> list[str]:
    """Both verdicts side by side, the rule, and the recommendation."""
    out = scopes_table(comp)
    if not out:
        return []
    first = next(iter(comp.scopes.values()))
    iv = first.interval
    out += ["", f"Interval: {iv.resamples if iv else 10_000:,} paired resamples of the queries, seed "
                f"{iv.seed if iv else 0}" + (", each query's samples resampled too" if first.candidate.samples > 1
                                              else "") + ". McNemar on each query's "
                + ("majority outcome" if first.candidate.samples > 1 else "outcome") + ". A candidate that passes "
                "no tool query is never 7B primary, whatever the ratio."]
    for s in comp.scopes.values():
        if s.recommendation:
            out.append(f"- {s.title}: split by use case; recommended policy: {s.recommendation}.")
    return out


def power_lines(comp: Comparison) -> list[str]:
    p = next((s.power for s in comp.scopes.values() if s.power is not None), None)
    if p is None:
        return ["Not computable: the baseline passed no query."]
    out = [f"By seeded simulation ({p.trials:,} trials, seed {p.seed}): the chance that a run like this one "
           f"lands in the band its measured pass rates define. Assumptions:", ""]
    out += [f"- {a}" for a in p.assumptions]
    for s in comp.scopes.values():
        q = s.power
        if q is None:
            continue
        corr = f"{q.correlation:.2f}" + ("" if q.correlation_estimated else " (assumed: one model's outcomes "
                                                                           "did not vary)")
        out.append(f"- {s.title}: pass rates 7B {q.candidate_rate:.2f}, 30B {q.baseline_rate:.2f}, correlation "
                   f"{corr}, {q.queries} queries x {q.samples} samples: {power_words(q)}.")
    return out


def routing_table(r: Routing) -> list[str]:
    rows = ["| policy | accuracy | served by the 7B | latency per query | tokens/s |", "|---|---|---|---|---|"]
    for p in r.policies:
        lat = f"{p.latency_s_mean:.2f} s" if p.latency_s_mean is not None else "unknown"
        tps = f"{p.tokens_per_s:.1f}" if p.tokens_per_s is not None else "unknown"
        best = " (best)" if p.name == r.best else ""
        rows.append(f"| {p.name}{best} | {p.accuracy:.0%} | {p.candidate_share:.0%} | {lat} | {tps} |")
    topics = r.policy("by topic").topics
    if topics:
        rows += ["", "By topic: " + ", ".join(f"{t} -> {m}" for t, m in topics.items()) + "."]
    return rows


def routing_lines(comp: Comparison) -> list[str]:
    out: list[str] = []
    for s in comp.scopes.values():
        if s.routing is None:
            continue
        out += [f"**{s.title}**", "", *routing_table(s.routing), ""]
        notes = s.routing.notes
    if out:
        out += [f"- {n}" for n in notes]
    return out or ["No query both models answered."]


def physics_lines(ph: Physics | None) -> list[str]:
    if ph is None:
        return ["No published config for one of the real models; the claims can't be checked here."]
    out = [f"- {s}" for s in ph.statements]
    out += ["", "| real models | 7B bits | 30B bits | 7B weights | 30B weights | 7B read/token | 30B read/token | "
                "7B / 30B decode speed | memory saved |", "|---|---|---|---|---|---|---|---|---|"]
    for r in ph.rows:
        out.append(f"| {r.label} | {bits_label(r.candidate_bits)} | {bits_label(r.baseline_bits)} | "
                   f"{r.candidate_weight_bytes / 1e9:.2f} GB | {r.baseline_weight_bytes / 1e9:.2f} GB | "
                   f"{r.candidate_bytes_per_token / 1e9:.2f} GB | {r.baseline_bytes_per_token / 1e9:.2f} GB | "
                   f"{r.speed_ratio:.2f}x | {r.memory_saving:.0%} |")
    return out


def passes_words(comp: Comparison, agg: Aggregates, baseline: bool = False) -> str:
    """'x/n queries strictly (tool x/13, direct y/7)' from the core scope, else the aggregates."""
    scope = comp.scopes.get("core")
    if scope is None:
        return f"{agg.strict_passes}/{agg.n} queries strictly"
    f = scope.baseline if baseline else scope.candidate
    return (f"{f.passes:g}/{f.n} queries strictly (tool {f.tool_passes:g}/{f.tool_n}, direct "
            f"{f.direct_passes:g}/{f.direct_n})")


def tentative_lines(comp: Comparison) -> list[str]:
    scope = comp.scopes.get("core")
    return [f"*{scope.tentative}*: the 95% interval spans more than one band."] if scope and scope.tentative else []


def uncertainty_suffix(comp: Comparison) -> str:
    """'; 95% interval a-b, tentative: ...' for the diary and MEMORY.md lines ('' without an interval)."""
    core = comp.scopes.get("core")
    if core is None or core.interval is None:
        return ""
    return (f"; 95% interval {core.interval.low:.2f}-{core.interval.high:.2f}"
            + (f", {core.tentative}" if core.tentative else ""))
