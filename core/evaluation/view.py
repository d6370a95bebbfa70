"""The Results view: typed rows and summary for the dashboard, built on ResultsFile and Comparison.

Rows come from the run's QueryResult events (each carries the scored QueryRecord), else from the
per-model results files the test stages wrote (else the latest next to the outputs). The suite
gives the queries' text before any result exists. The summary holds one ScopeSummary per verdict
(the seed's core queries and, when it ran, the extended tier): from the run's compare stage, else
computed with the compare stage's own rule on this run's complete results, else the combined
results file's comparison. A figure that is missing stays None (shown as unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.config import ExperimentConfig
from core.evaluation.compare import Comparison, classify, config_physics, predicted_ratios
from core.evaluation.lora_change import LoraPanel, panel
from core.evaluation.routing import Routing
from core.evaluation.schema import CHECKS, QueryRecord, ResultsError, ResultsFile, load_results
from core.evaluation.verdict import ScopeVerdict, scope_verdict
from core.stage_summaries import CompareSummary, TestSummary
from core.state import RunState

MODELS = ("candidate", "baseline")
SHORT = {"candidate": "7B", "baseline": "30B"}
CHECK_ORDER = CHECKS
CHECK_SHORT = {"format": "F", "discrimination": "D", "typed": "T", "quality": "Q"}
FILTERS = ("all", "regressions", "fixed", "failures", "tool", "direct")
BAND_WORDS = {"primary": "7B primary", "split": "split by use case", "stay": "stay on 30B",
              "inconclusive": "inconclusive"}
BANDS = {v: k for k, v in BAND_WORDS.items()}


class ModelResult(BaseModel):
    """One model's scored answer to one query (its first sample, and the pass rate over all)."""

    passed: bool | None
    checks: dict[str, bool | None] = Field(default_factory=dict)
    latency_s: float | None = None
    tps: float | None = None
    pass_rate: float | None = None
    samples: int = 1
    record: QueryRecord | None = None

    @classmethod
    def of(cls, recs: list[QueryRecord]) -> ModelResult:
        first = recs[0]
        m = first.measurements
        return cls(passed=first.score.strict_pass, checks=first.score.checks(), latency_s=m.latency_s,
                   tps=m.generation_tps, pass_rate=sum(r.score.strict_pass for r in recs) / len(recs),
                   samples=len(recs), record=first)


class Fact(BaseModel):
    name: str
    value: Any = None


class Row(BaseModel):
    query_id: str
    category: str = ""
    tier: str = "core"
    topic: str | None = None
    prompt: str = ""
    expected_tools: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    rubric: str | None = Field(default=None, description="'2 of groups a, b, c'")
    results: dict[str, ModelResult] = Field(default_factory=dict)
    samples: dict[str, list[QueryRecord]] = Field(default_factory=dict, exclude=True)

    @property
    def klass(self) -> str:
        c, b = self.results.get("candidate"), self.results.get("baseline")
        if c is None or b is None or c.passed is None or b.passed is None:
            return "–"
        return classify(c.passed, b.passed)

    def matches(self, flt: str) -> bool:
        if flt == "regressions":
            return self.klass == "regressed"
        if flt == "fixed":
            return self.klass == "fixed"
        if flt == "failures":
            return any(r.passed is False for r in self.results.values())
        if flt in ("tool", "direct"):
            return self.category == flt
        return True


# -- rows ------------------------------------------------------------------------------------
def suite_rows(cfg: ExperimentConfig) -> dict[str, Row]:
    from core.data.suite import SuiteError, load_suite

    try:
        suite = load_suite(cfg.resolve(cfg.data.suite))
    except (SuiteError, OSError):
        return {}
    rows = {}
    for q in suite.queries:
        rubric = (f"{q.rubric.pass_threshold} of {', '.join(g.name for g in q.rubric.groups)}"
                  if q.rubric else None)
        rows[q.id] = Row(query_id=q.id, category=q.category, tier=getattr(q, "tier", "core"), topic=q.topic,
                         prompt=q.prompt, expected_tools=list(q.expected_tools),
                         facts=[Fact(name=f.name, value=f.value) for f in q.facts], rubric=rubric)
    return rows


def results_files(state: RunState) -> dict[str, Path]:
    """Per-model results files named by the test stages' summaries or artifacts."""
    out: dict[str, Path] = {}
    for model, stage in (("candidate", "test_candidate"), ("baseline", "test_baseline")):
        st = state.stages.get(stage)
        summary = st.summary if st is not None else None
        if isinstance(summary, TestSummary) and summary.results:
            out[model] = Path(summary.results)
            continue
        for art in state.artifacts.values():
            if art.stage == stage and art.name.startswith("results"):
                out[model] = Path(art.path)
    return out


def outputs_results(cfg: ExperimentConfig) -> dict[str, Path]:
    """The latest per-model results next to the outputs (phase25_results.<role>.json)."""
    p = cfg.resolve(cfg.outputs.results)
    return {role: p.with_name(f"{p.stem}.{role}{p.suffix}") for role in MODELS}


def _load(path: Path) -> ResultsFile | None:
    try:
        return load_results(path)
    except ResultsError:
        return None


def _place(rows: dict[str, Row], model: str, recs: list[QueryRecord]) -> None:
    first = recs[0]
    row = rows.setdefault(first.query_id, Row(query_id=first.query_id))
    row.samples[model] = recs
    row.results[model] = ModelResult.of(recs)
    # what the model was asked (the record) wins over today's suite file
    row.category, row.prompt = first.category, first.prompt or row.prompt
    if first.topic is not None:
        row.topic, row.tier = first.topic, first.tier


def build_rows(state: RunState, cfg: ExperimentConfig | None) -> tuple[list[Row], str]:
    """The rows in suite order, and where the results came from."""
    rows = suite_rows(cfg) if cfg is not None else {}
    files = results_files(state)
    loaded = {m: f for m, p in files.items() if (f := _load(p)) is not None}
    events = [(m, e) for (m, _), e in state.queries.items() if m in MODELS]
    source = ""
    if events:
        source = f"run {state.run_id}"
        for model, e in events:
            more = loaded.get(model)
            rec = e.result
            if rec is None:  # a record this version cannot read: the event's own figures
                row = rows.setdefault(e.query_id, Row(query_id=e.query_id))
                row.results[model] = ModelResult(passed=e.strict_pass, checks=dict(e.checks),
                                                 latency_s=e.latency_s, tps=e.generation_tps)
                continue
            extra = [r for r in more.more_samples if r.query_id == rec.query_id] if more else []
            _place(rows, model, [rec, *extra])
        return list(rows.values()), source
    latest = not files
    if latest and cfg is not None:
        loaded = {m: f for m, p in outputs_results(cfg).items() if p.is_file() and (f := _load(p)) is not None}
        files = outputs_results(cfg)
    for model, res in loaded.items():
        for recs in res.samples_of().values():
            _place(rows, model, recs)
        if res.queries:
            where = files[model].parent
            source = f"latest results in {where}, not from this run" if latest else str(where)
    return list(rows.values()), source


# -- the summary -----------------------------------------------------------------------------
class ScopeSummary(BaseModel):
    scope: str
    title: str
    accuracy: dict[str, float | None]
    passes: dict[str, tuple[float, int]]
    tool: dict[str, tuple[float, int]] = Field(default_factory=dict)
    direct: dict[str, tuple[float, int]] = Field(default_factory=dict)
    ratio: float | None = None
    verdict: str | None = None
    band: str | None = None
    reason: str | None = None
    interval: tuple[float, float] | None = None
    tentative: str | None = None
    margin_up: int | None = None
    margin_down: int | None = None
    mcnemar_p: float | None = None
    power: float | None = None
    queries_for_90: int | None = None
    routing: Routing | None = None
    recommendation: str | None = None


class Summary(BaseModel):
    scopes: dict[str, ScopeSummary]
    scope: str = "core"
    speed_measured: float | None = None
    speed_predicted: float | None = None
    memory_measured: float | None = None
    memory_predicted: float | None = None
    physics: list[str] = Field(default_factory=list, description="Where the seed's claims stand, in words")
    claims: list[str] = Field(default_factory=list, description="The seed's claims: speed, memory")
    claims_hold: list[bool] = Field(default_factory=list, description="Whether each claim holds (bandwidth model)")
    bits_note: str | None = Field(default=None, description="Set when the models were measured at different bits")
    from_compare: bool = False
    origin: str = Field(default="", description="Where the verdict and ratios come from, in words")

    @property
    def shown(self) -> ScopeSummary:
        return self.scopes.get(self.scope) or next(iter(self.scopes.values()))

    # the shown scope's headline figures
    @property
    def accuracy(self) -> dict[str, float | None]:
        return self.shown.accuracy

    @property
    def passes(self) -> dict[str, tuple[float, int]]:
        return self.shown.passes

    @property
    def ratio(self) -> float | None:
        return self.shown.ratio

    @property
    def band(self) -> str | None:
        return self.shown.band

    @property
    def verdict(self) -> str | None:
        return self.shown.verdict

    @property
    def reason(self) -> str | None:
        return self.shown.reason


def from_scope(s: ScopeVerdict) -> ScopeSummary:
    v, c, b = s.verdict, s.candidate, s.baseline
    return ScopeSummary(
        scope=s.scope, title=s.title,
        accuracy={"candidate": c.accuracy, "baseline": b.accuracy},
        passes={"candidate": (c.passes, c.n), "baseline": (b.passes, b.n)},
        tool={"candidate": (c.tool_passes, c.tool_n), "baseline": (b.tool_passes, b.tool_n)},
        direct={"candidate": (c.direct_passes, c.direct_n), "baseline": (b.direct_passes, b.direct_n)},
        ratio=v.ratio, verdict=v.label, band=BANDS[v.label], reason=v.reason,
        interval=(s.interval.low, s.interval.high) if s.interval else None, tentative=s.tentative,
        margin_up=s.margin.up, margin_down=s.margin.down, mcnemar_p=s.mcnemar.p_value,
        power=s.power.in_true_band if s.power else None,
        queries_for_90=s.power.queries_for_target if s.power else None,
        routing=s.routing, recommendation=s.recommendation,
    )


def _table_scopes(rows: list[Row], cfg: ExperimentConfig | None) -> dict[str, ScopeSummary]:
    """The compare stage's rule applied to the rows' records (every row scored by both models)."""
    cand = {r.query_id: r.samples["candidate"] for r in rows if "candidate" in r.samples}
    base = {r.query_id: r.samples["baseline"] for r in rows if "baseline" in r.samples}
    primary, split = (cfg.verdict.primary, cfg.verdict.split) if cfg else (0.90, 0.70)
    seed = cfg.evaluation.seed if cfg else 0
    out = {"core": from_scope(scope_verdict("core", cand, base, primary, split, seed))}
    if any(r.tier == "extended" for r in rows):
        out["extended"] = from_scope(scope_verdict("extended", cand, base, primary, split, seed))
    return out


def _counted(rows: list[Row]) -> dict[str, tuple[float, int]]:
    out = {}
    for m in MODELS:
        scored = [r.results[m].passed for r in rows if m in r.results and r.results[m].passed is not None]
        out[m] = (float(sum(bool(p) for p in scored)), len(scored))
    return out


def _load_comparison(path: Path) -> Comparison | None:
    try:
        return Comparison.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return None


def outputs_comparison(cfg: ExperimentConfig) -> tuple[Comparison, str] | None:
    """The comparison in the combined results file (outputs.results), and where it came from."""
    import json

    path = cfg.resolve(cfg.outputs.results)
    try:
        data = json.loads(path.read_text())
        comp = Comparison.model_validate(data["comparison"])
    except (OSError, ValueError, TypeError, KeyError, LookupError):
        return None
    run = data.get("run_id") if isinstance(data, dict) else None
    return comp, f"comparison from {_rel(path)}" + (f" (run {run})" if isinstance(run, str) else "")


def _rel(path: Path) -> str:
    """A path relative to the project when it is inside it (the same on every machine)."""
    from core.paths import PROJECT_ROOT

    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except (ValueError, OSError):
        return str(path)


def summarize(state: RunState, rows: list[Row], cfg: ExperimentConfig | None, scope: str = "core") -> Summary:
    """The summary bar's figures. The run's compare stage gives them; without one, a run whose own
    results cover the suite for both models gets the compare stage's rule on them, and otherwise
    the comparison in the combined results file (outputs.results) is shown, saying so."""
    comp: Comparison | None = None
    origin = ""
    st = state.stages.get("compare")
    path = st.summary.comparison if st is not None and isinstance(st.summary, CompareSummary) else None
    if path:
        # where the stage wrote it, else the same file in the run folder (a run copied elsewhere)
        here = [Path(path)]
        if cfg is not None and state.run_id:
            here.append(cfg.resolve(cfg.outputs.runs_dir) / state.run_id / "results" / Path(path).name)
        comp = next((c for p in here if p.is_file() and (c := _load_comparison(p)) is not None), None)
        origin = f"compare · run {state.run_id}" if comp else ""
    counted = _counted(rows)
    complete = bool(rows) and all(counted[m][1] == len(rows) for m in MODELS)
    with_records = complete and all(m in r.samples for r in rows for m in MODELS)
    from_run = any(m in MODELS for m, _ in state.queries) or bool(results_files(state))
    if comp is None and cfg is not None and not (from_run and complete):
        found = outputs_comparison(cfg)
        if found is not None:
            comp, origin = found
    if comp is not None and comp.scopes:
        scopes = {k: from_scope(v) for k, v in comp.scopes.items()}
    elif with_records:
        scopes = _table_scopes(rows, cfg)
        if comp is not None:  # an older comparison without scopes: its verdict stands
            v = comp.verdict
            scopes["core"] = scopes["core"].model_copy(update={"verdict": v.label, "band": BANDS[v.label],
                                                               "ratio": v.ratio, "reason": v.reason})
        origin = origin or "verdict from the table (no compare stage in this run)"
    elif comp is not None:
        v = comp.verdict
        scopes = {"core": ScopeSummary(scope="core", title="the seed's verdict",
                                       accuracy={"candidate": v.candidate_accuracy, "baseline": v.baseline_accuracy},
                                       passes=counted, ratio=v.ratio, verdict=v.label, band=BANDS[v.label],
                                       reason=v.reason)}
    else:
        scopes = {"core": ScopeSummary(scope="core", title="the seed's verdict", passes=counted,
                                       accuracy={m: None for m in MODELS})}
    if complete and scopes["core"].passes != counted and not any(r.tier == "extended" for r in rows):
        scopes["core"] = scopes["core"].model_copy(update={"passes": counted})
    speed = memory = None
    speed_pred = mem_pred = None
    ph = comp.physics if comp is not None else None
    if ph is None and cfg is not None:
        ph = config_physics(cfg)
    if comp is not None:
        by = {r.metric.split(" (")[0]: r for r in comp.measured}
        speed = by["generation tokens/s"].ratio if "generation tokens/s" in by else None
        memory = by["peak memory"].ratio if "peak memory" in by else None
        speed_pred, mem_pred = predicted_ratios(comp)
    if ph is not None and (comp is None or comp.physics is None):  # like for like, from the config
        eq = ph.equal_bits()
        speed_pred, mem_pred = eq.speed_ratio, 1 - eq.memory_saving
    return Summary(scopes=scopes, scope=scope if scope in scopes else "core", speed_measured=speed,
                   speed_predicted=speed_pred, memory_measured=memory, memory_predicted=mem_pred,
                   physics=ph.claims() if ph else [], claims=ph.claim_names() if ph else [],
                   claims_hold=[ph.speed_claim_holds, ph.memory_claim_holds] if ph else [],
                   bits_note=comp.bits_note if comp is not None else None, from_compare=comp is not None, origin=origin)


def lora_panel(state: RunState, cfg: ExperimentConfig | None) -> LoraPanel:
    """"What LoRA changed" for the run shown: its candidate results against the unadapted run."""
    candidate = results_files(state).get("candidate") or (outputs_results(cfg).get("candidate") if cfg else None)
    return panel(cfg, candidate)


__all__ = ["BAND_WORDS", "LoraPanel", "lora_panel", "CHECK_ORDER", "CHECK_SHORT", "FILTERS", "MODELS", "SHORT", "ModelResult", "QueryRecord", "Row",
           "ScopeSummary", "Summary", "build_rows", "summarize"]
