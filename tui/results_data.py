"""Reading results for the Results and Query diff screens, tolerantly.

Rows come from the run's QueryResult events (``RunState.queries`` keyed by (model, query_id); the
``result`` dict is the full scored record), else from the per-model results files the test stages
write. The suite file gives the queries' text before any result exists. The summary comes from the
compare stage's StageFinished summary. A missing key is shown as unknown, never made up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import ExperimentConfig
from core.state import RunState

MODELS = ("candidate", "baseline")
SHORT = {"candidate": "7B", "baseline": "30B"}
CHECK_ORDER = ("format", "discrimination", "typed", "quality")
CHECK_SHORT = {"format": "F", "discrimination": "D", "typed": "T", "quality": "Q"}
FILTERS = ("all", "regressions", "fixed", "failures", "tool", "direct")


def pick(d: Any, *paths: str, default: Any = None) -> Any:
    """The first present value among dotted paths: pick(s, 'ratio', 'verdict.ratio')."""
    for path in paths:
        node = d
        for part in path.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                node = None
                break
        if node is not None:
            return node
    return default


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@dataclass
class ModelResult:
    """One model's scored answer to one query."""

    passed: bool | None
    checks: dict[str, bool | None]
    latency_s: float | None
    tps: float | None
    record: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_event(cls, e: Any) -> ModelResult:
        return cls(e.strict_pass, dict(e.checks), e.latency_s, e.generation_tps, dict(e.result or {}))

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> ModelResult:
        score = rec.get("score") if isinstance(rec.get("score"), Mapping) else {}
        checks = {k: pick(score, f"{k}.passed") for k in CHECK_ORDER if k in score}  # type: ignore[operator]
        return cls(
            pick(score, "strict_pass"),
            checks,
            _num(pick(rec, "measurements.latency_s")),
            _num(pick(rec, "measurements.generation_tps")),
            dict(rec),
        )


@dataclass
class Row:
    query_id: str
    category: str = ""
    prompt: str = ""
    expected_tools: list[str] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    rubric: dict[str, Any] | None = None
    results: dict[str, ModelResult] = field(default_factory=dict)

    @property
    def klass(self) -> str:
        c, b = self.results.get("candidate"), self.results.get("baseline")
        if c is None or b is None or c.passed is None or b.passed is None:
            return "–"
        if c.passed and b.passed:
            return "both pass"
        if c.passed:
            return "fixed"
        if b.passed:
            return "regressed"
        return "both fail"

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


def read_suite(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return []
    queries = data.get("queries") if isinstance(data, dict) else data
    return [q for q in queries or [] if isinstance(q, dict) and q.get("id")]


def read_results_file(path: Path) -> tuple[str | None, list[dict[str, Any]]]:
    """A per-model results file: its role and its query records (empty if unreadable)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None, []
    if not isinstance(data, dict):
        return None, []
    role = pick(data, "model.role")
    recs = [q for q in data.get("queries", []) if isinstance(q, dict) and q.get("query_id")]
    return role, recs


def results_files(state: RunState) -> dict[str, Path]:
    """Per-model results files named by the test stages' summaries or artifacts."""
    out: dict[str, Path] = {}
    for model, stage in (("candidate", "test_candidate"), ("baseline", "test_baseline")):
        st = state.stages.get(stage)
        p = pick(st.summary if st else {}, "results", "results_path", "path")
        if isinstance(p, str):
            out[model] = Path(p)
            continue
        for art in state.artifacts.values():
            if art.stage == stage and art.name.startswith("results"):
                out[model] = Path(art.path)
    return out


def outputs_results(cfg: ExperimentConfig) -> dict[str, Path]:
    """The latest per-model results next to the outputs (phase25_results.json ->
    phase25_results.<role>.json, the test stage's naming)."""
    p = cfg.resolve(cfg.outputs.results)
    return {role: p.with_name(f"{p.stem}.{role}{p.suffix}") for role in MODELS}


def build_rows(state: RunState, cfg: ExperimentConfig | None) -> tuple[list[Row], str]:
    """The rows in suite order, and where the results came from."""
    rows: dict[str, Row] = {}
    if cfg is not None:
        for q in read_suite(cfg.resolve(cfg.data.suite)):
            rows[q["id"]] = Row(
                query_id=q["id"],
                category=str(q.get("category", "")),
                prompt=str(q.get("prompt", "")),
                expected_tools=list(q.get("expected_tools") or []),
                facts=[f for f in q.get("facts") or [] if isinstance(f, dict)],
                rubric=q.get("rubric") if isinstance(q.get("rubric"), dict) else None,
            )
    source = ""
    events = [(m, q, e) for (m, q), e in state.queries.items() if m in MODELS]
    if events:
        source = f"run {state.run_id}"
        for model, qid, e in events:
            row = rows.setdefault(qid, Row(qid))
            row.results[model] = ModelResult.from_event(e)
    else:
        files = results_files(state)
        latest = not files
        if latest and cfg is not None:
            files = {m: p for m, p in outputs_results(cfg).items() if p.is_file()}
        for model, path in files.items():
            _, recs = read_results_file(path)
            for rec in recs:
                row = rows.setdefault(rec["query_id"], Row(rec["query_id"]))
                row.results[model] = ModelResult.from_record(rec)
            if recs:
                source = f"latest results in {path.parent}, not from this run" if latest else str(path.parent)
    for row in rows.values():  # what the models were asked (the record) wins over today's suite file
        for r in row.results.values():
            row.category = str(r.record.get("category") or row.category)
            row.prompt = str(r.record.get("prompt") or row.prompt)
    return list(rows.values()), source


# -- the summary -----------------------------------------------------------------------------
@dataclass
class Summary:
    accuracy: dict[str, float | None]
    passes: dict[str, tuple[int, int]]
    ratio: float | None
    verdict: str | None
    band: str | None  # primary / split / stay / inconclusive
    speed_measured: float | None
    speed_predicted: float | None
    memory_measured: float | None
    memory_predicted: float | None
    from_compare: bool
    reason: str | None = None  # why the verdict is what it is (core's rule)
    origin: str = ""  # where the verdict and ratios come from, in words


BAND_WORDS = {"primary": "7B primary", "split": "split by use case", "stay": "stay on 30B",
              "inconclusive": "inconclusive"}
BAND_STYLE = {"primary": "bold black on green", "split": "bold black on yellow", "stay": "bold white on red",
              "inconclusive": "bold black on grey70"}


def outputs_comparison(cfg: ExperimentConfig) -> tuple[dict[str, Any], str] | None:
    """The comparison in the combined results file (outputs.results, written by the report stage),
    as the compare stage's summary keys, and where it came from; None if there is none."""
    from core.evaluation.compare import Comparison, headline_figures
    from tui.fmt import rel

    path = cfg.resolve(cfg.outputs.results)
    try:
        data = json.loads(path.read_text())
        comp = Comparison.model_validate(data["comparison"])
        figures = headline_figures(comp)
    except (OSError, ValueError, TypeError, KeyError, LookupError):
        return None
    run = data.get("run_id") if isinstance(data, dict) else None
    return figures, f"comparison from {rel(path)}" + (f" (run {run})" if isinstance(run, str) else "")


def core_verdict(acc: dict[str, float | None], cfg: ExperimentConfig | None) -> Any:
    """core's verdict rule (the compare stage's) on the accuracies shown, or None if one is unknown."""
    from core.evaluation.compare import verdict

    c, b = acc.get("candidate"), acc.get("baseline")
    if c is None or b is None:
        return None
    primary = cfg.verdict.primary if cfg else 0.90
    split = cfg.verdict.split if cfg else 0.70
    return verdict(c, b, primary, split)


def summarize(state: RunState, rows: list[Row], cfg: ExperimentConfig | None) -> Summary:
    """The summary bar's figures. The run's compare stage gives them; without one, a run whose own
    results cover the suite for both models gets core's verdict rule on them, and otherwise the
    comparison in the combined results file (outputs.results) is shown, saying so."""
    from core.evaluation.compare import BANDS

    comp = state.stages.get("compare")
    s: dict[str, Any] = dict(comp.summary) if comp is not None and comp.summary else {}
    origin = f"compare · run {state.run_id}" if s else ""
    passes: dict[str, tuple[int, int]] = {}
    acc: dict[str, float | None] = {}
    for m in MODELS:
        scored = [r.results[m].passed for r in rows if m in r.results and r.results[m].passed is not None]
        passes[m] = (sum(bool(p) for p in scored), len(scored))
    from_run = any(m in MODELS for m, _ in state.queries) or bool(results_files(state))
    complete = bool(rows) and all(passes[m][1] == len(rows) for m in MODELS)
    if not s and cfg is not None and not (from_run and complete):
        found = outputs_comparison(cfg)
        if found is not None:
            s, origin = found
    for m in MODELS:
        from_summary = _num(pick(s, f"{m}.accuracy", f"accuracy.{m}", f"{m}_accuracy"))
        acc[m] = from_summary if from_summary is not None else (
            passes[m][0] / passes[m][1] if passes[m][1] and passes[m][1] == len(rows) else None)
    ratio = _num(pick(s, "ratio", "accuracy_ratio", "verdict.ratio"))
    verdict = pick(s, "verdict.text", "verdict_text", "verdict.label")
    band = pick(s, "verdict.band", "band")
    reason = pick(s, "verdict.reason")
    if not isinstance(band, str) or band not in BAND_WORDS:
        v = core_verdict(acc, cfg)
        band, ratio = (BANDS[v.label], v.ratio) if v is not None else (None, ratio)
        if v is not None:
            verdict, reason = v.label, v.reason
            origin = origin or "verdict from the table (no compare stage in this run)"
    return Summary(
        accuracy=acc,
        passes=passes,
        ratio=ratio,
        verdict=verdict if isinstance(verdict, str) else None,
        band=band,
        speed_measured=_num(pick(s, "speed.measured", "speed_ratio", "speed.ratio")),
        speed_predicted=_num(pick(s, "speed.predicted", "predicted_speed_ratio")),
        memory_measured=_num(pick(s, "memory.measured", "memory_ratio", "memory.ratio")),
        memory_predicted=_num(pick(s, "memory.predicted", "predicted_memory_ratio")),
        from_compare=bool(s),
        reason=reason if isinstance(reason, str) else None,
        origin=origin,
    )
