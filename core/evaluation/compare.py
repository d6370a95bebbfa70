"""Candidate against baseline: the verdict, per-query classes, speed and memory side by side, and
the physics prediction beside the measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.config import ExperimentConfig
from core.evaluation.predict import PredictError, predict, read_config, real_config_path
from core.evaluation.schema import ModelIdentity, ResultsFile

Label = Literal["7B primary", "split by use case", "stay on 30B", "inconclusive"]
QueryClass = Literal["fixed", "regressed", "both pass", "both fail"]
_EPS = 1e-9


class Verdict(BaseModel):
    label: Label
    ratio: float | None = Field(description="candidate accuracy / baseline accuracy")
    candidate_accuracy: float
    baseline_accuracy: float
    primary: float
    split: float
    reason: str


def verdict(candidate_accuracy: float, baseline_accuracy: float, primary: float, split: float) -> Verdict:
    """Map the accuracy ratio onto the seed's bands: >= primary, split..primary, < split."""
    common = dict(candidate_accuracy=candidate_accuracy, baseline_accuracy=baseline_accuracy,
                  primary=primary, split=split)
    if baseline_accuracy <= 0:
        return Verdict(label="inconclusive", ratio=None, **common,
                       reason="the baseline passed no query, so the accuracy ratio is undefined")
    ratio = candidate_accuracy / baseline_accuracy
    # A ratio that equals a boundary in exact arithmetic must not slip below it in floating point.
    if ratio >= primary - _EPS:
        label: Label = "7B primary"
        reason = f"ratio {ratio:.2f} >= {primary:.2f}"
    elif ratio >= split - _EPS:
        label = "split by use case"
        reason = f"{split:.2f} <= ratio {ratio:.2f} < {primary:.2f}"
    else:
        label = "stay on 30B"
        reason = f"ratio {ratio:.2f} < {split:.2f}"
    return Verdict(label=label, ratio=ratio, reason=reason, **common)


def classify(candidate_pass: bool, baseline_pass: bool) -> QueryClass:
    if candidate_pass and baseline_pass:
        return "both pass"
    if candidate_pass:
        return "fixed"
    if baseline_pass:
        return "regressed"
    return "both fail"


def query_classes(candidate: ResultsFile, baseline: ResultsFile) -> dict[str, QueryClass]:
    base = baseline.by_id()
    return {q.query_id: classify(q.score.strict_pass, base[q.query_id].score.strict_pass)
            for q in candidate.queries if q.query_id in base}


class SideBySide(BaseModel):
    metric: str
    candidate: float | None
    baseline: float | None
    ratio: float | None = Field(description="candidate / baseline")
    unit: str


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b not in (None, 0) else None


def measured(candidate: ResultsFile, baseline: ResultsFile) -> list[SideBySide]:
    c, b = candidate.aggregates, baseline.aggregates
    rows = [
        ("generation tokens/s (mean per query)", c.generation_tps_mean, b.generation_tps_mean, "tok/s"),
        ("latency (median per query)", c.latency_s_median, b.latency_s_median, "s"),
        ("peak memory (MLX)", c.peak_memory_bytes, b.peak_memory_bytes, "bytes"),
        ("size on disk", candidate.model.size_on_disk_bytes, baseline.model.size_on_disk_bytes, "bytes"),
        ("suite wall time", candidate.wall_s, baseline.wall_s, "s"),
    ]
    return [SideBySide(metric=m, candidate=x, baseline=y, ratio=_ratio(x, y), unit=u) for m, x, y, u in rows]


class Predicted(BaseModel):
    role: str
    source: str = Field(description="the config.json the figures come from")
    what: str = Field(description="'real model' (its published config) or 'tested model' (the folder loaded)")
    total_params: int
    active_params: int
    bits: int | None
    weight_bytes: int
    bytes_per_token: int
    decode_tps_ceiling: float
    bandwidth_gb_s: float


def _predict_one(role: str, path: Path, what: str, bits: int | None, group: int | None,
                 bandwidth: float) -> Predicted | None:
    try:
        conf = read_config(path)
        p = predict(conf, bits, group, bandwidth, source=str(path))
    except PredictError:
        return None
    return Predicted(role=role, source=str(path), what=what, total_params=p.total_params,
                     active_params=p.active_params, bits=p.bits, weight_bytes=p.weight_bytes,
                     bytes_per_token=p.bytes_per_token, decode_tps_ceiling=p.decode_tps_ceiling,
                     bandwidth_gb_s=bandwidth)


def predictions(cfg: ExperimentConfig, models: dict[str, ModelIdentity]) -> list[Predicted]:
    """For each model: the real model's figures (published config, at the tested bits) and the
    tested folder's own figures (on the demo, the tiny stand-in's)."""
    bw = cfg.evaluation.bandwidth_gb_s
    out: list[Predicted] = []
    for role, ident in models.items():
        bits, group = ident.bits, ident.group_size
        real = real_config_path(ident.hf_id)
        if real is not None:
            p = _predict_one(role, real, "real model", bits, group or cfg.quantize.group_size, bw)
            if p:
                out.append(p)
        local = Path(ident.path)
        if (local / "config.json").is_file():
            p = _predict_one(role, local / "config.json", "tested model", bits, group, bw)
            if p:
                out.append(p)
    return out


class Comparison(BaseModel):
    verdict: Verdict
    classes: dict[str, QueryClass]
    class_counts: dict[str, int]
    measured: list[SideBySide]
    predicted: list[Predicted]
    seed_expectations: dict[str, Any]
    same_batch_size: bool
    notes: list[str] = Field(default_factory=list)


def compare(cfg: ExperimentConfig, candidate: ResultsFile, baseline: ResultsFile) -> Comparison:
    v = verdict(candidate.aggregates.accuracy, baseline.aggregates.accuracy, cfg.verdict.primary,
                cfg.verdict.split)
    classes = query_classes(candidate, baseline)
    counts = {k: sum(1 for c in classes.values() if c == k) for k in ("fixed", "regressed", "both pass", "both fail")}
    notes = []
    if candidate.suite_hash != baseline.suite_hash:
        notes.append(f"the two results were made on different suites ({candidate.suite_hash[:12]} vs "
                     f"{baseline.suite_hash[:12]}); per-query classes cover the common ids only")
    same_batch = candidate.settings.batch_size == baseline.settings.batch_size
    if not same_batch:
        notes.append("the two models ran with different batch sizes, so tokens/s are not like for like")
    low, high = (cfg.verdict.expected_speedup + [None, None])[:2]
    return Comparison(
        verdict=v, classes=classes, class_counts=counts, measured=measured(candidate, baseline),
        predicted=predictions(cfg, {"candidate": candidate.model, "baseline": baseline.model}),
        seed_expectations={"speedup_low": low, "speedup_high": high,
                           "memory_saving": cfg.verdict.expected_memory_saving},
        same_batch_size=same_batch, notes=notes,
    )


BANDS = {"7B primary": "primary", "split by use case": "split", "stay on 30B": "stay", "inconclusive": "inconclusive"}


def predicted_ratios(comp: Comparison) -> tuple[float | None, float | None]:
    """(speed, memory) of the real candidate over the real baseline, from their configs."""
    real = {p.role: p for p in comp.predicted if p.what == "real model"}
    c, b = real.get("candidate"), real.get("baseline")
    if c is None or b is None:
        return None, None
    return c.decode_tps_ceiling / b.decode_tps_ceiling, c.weight_bytes / b.weight_bytes


def headline_figures(comp: Comparison) -> dict[str, Any]:
    """The comparison's main figures under stable keys (for the dashboard's summary)."""
    by = {r.metric.split(" (")[0]: r for r in comp.measured}
    speed_pred, mem_pred = predicted_ratios(comp)
    v = comp.verdict
    return {
        "ratio": v.ratio,
        "candidate": {"accuracy": v.candidate_accuracy},
        "baseline": {"accuracy": v.baseline_accuracy},
        "verdict": {**v.model_dump(), "text": v.label, "band": BANDS[v.label]},
        "speed": {"measured": by["generation tokens/s"].ratio, "predicted": speed_pred},
        "memory": {"measured": by["peak memory"].ratio, "predicted": mem_pred},
    }
