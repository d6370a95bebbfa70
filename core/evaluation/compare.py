"""Candidate against baseline: the verdict, per-query classes, speed and memory side by side, and
the physics prediction beside the measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.config import ExperimentConfig
from core.data.suite import Suite
from core.evaluation.predict import (
    Physics,
    PredictError,
    baseline_bits,
    like_for_like,
    predict,
    read_config,
    real_config_path,
)
from core.evaluation.schema import ModelIdentity, QueryRecord, ResultsFile
from core.evaluation.verdict import Label, ScopeVerdict, Verdict, scope_verdict, verdict

__all__ = ["Label", "Verdict", "verdict", "classify", "compare", "Comparison"]
QueryClass = Literal["fixed", "regressed", "both pass", "both fail"]


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
    """For each model: the real model's figures (published config) and the tested folder's own
    figures (on the demo, the tiny stand-in's). The real candidate is predicted at its tested bits;
    the real baseline at the bits of the tested baseline's config.json, else the seed's bits."""
    bw = cfg.evaluation.bandwidth_gb_s
    out: list[Predicted] = []
    for role, ident in models.items():
        bits, group = ident.bits, ident.group_size
        real = real_config_path(ident.hf_id)
        if real is not None:
            real_bits = bits if role != "baseline" else baseline_bits(ident.path, cfg.verdict.seed_baseline_bits)[0]
            p = _predict_one(role, real, "real model", real_bits, group or cfg.quantize.group_size, bw)
            if p:
                out.append(p)
        local = Path(ident.path)
        if (local / "config.json").is_file():
            p = _predict_one(role, local / "config.json", "tested model", bits, group, bw)
            if p:
                out.append(p)
    return out


def physics(cfg: ExperimentConfig, candidate: ModelIdentity, baseline: ModelIdentity) -> Physics | None:
    """The real models like for like, when both have a published config committed."""
    c, b = real_config_path(candidate.hf_id), real_config_path(baseline.hf_id)
    if c is None or b is None:
        return None
    b_bits, b_from = baseline_bits(baseline.path, cfg.verdict.seed_baseline_bits)
    v = cfg.verdict
    try:
        return like_for_like(c, b, candidate.bits, b_bits, b_from, cfg.quantize.group_size,
                             cfg.evaluation.bandwidth_gb_s, v.expected_speedup, v.expected_memory_saving)
    except PredictError:
        return None


def config_physics(cfg: ExperimentConfig) -> Physics | None:
    """The real models' physics from the config alone: the candidate at the configured bits, the
    baseline at its own config.json's bits, else the seed's."""

    def ident(role: str, spec: Any, bits: int | None) -> ModelIdentity:
        return ModelIdentity(role=role, name=spec.name, path=str(cfg.resolve(spec.path)), hf_id=spec.hf_id,
                             family=spec.family, form="quantized" if bits else "base", bits=bits,
                             group_size=None, adapter_path=None, size_on_disk_bytes=None)

    try:
        return physics(cfg, ident("candidate", cfg.candidate, cfg.quantize.bits), ident("baseline", cfg.baseline, None))
    except (ValueError, OSError):
        return None


class Comparison(BaseModel):
    verdict: Verdict = Field(description="The seed's verdict: the core queries' (the scopes' 'core')")
    classes: dict[str, QueryClass]
    class_counts: dict[str, int]
    measured: list[SideBySide]
    predicted: list[Predicted]
    seed_expectations: dict[str, Any]
    same_batch_size: bool
    notes: list[str] = Field(default_factory=list)
    scopes: dict[str, ScopeVerdict] = Field(
        default_factory=dict, description="'core' (the seed's queries) and, when the extended tier ran, 'extended'")
    physics: Physics | None = None
    bits_note: str | None = Field(None, description="Set when the two models were measured at different bits")


def with_suite_labels(res: ResultsFile, suite: Suite | None) -> dict[str, list[QueryRecord]]:
    """Each query's samples, with the suite's topic and tier filled in where a record lacks them
    (results written before records carried them)."""
    by = {q.id: q for q in suite.queries} if suite is not None else {}
    out: dict[str, list[QueryRecord]] = {}
    for qid, recs in res.samples_of().items():
        q = by.get(qid)
        if q is not None and recs[0].topic is None:
            upd = {"topic": q.topic, "tier": getattr(q, "tier", "core")}
            recs = [r.model_copy(update=upd) for r in recs]
        out[qid] = recs
    return out


def compare(cfg: ExperimentConfig, candidate: ResultsFile, baseline: ResultsFile, suite: Suite | None = None,
            resamples: int = 10_000, power_trials: int = 20_000) -> Comparison:
    cand, base = with_suite_labels(candidate, suite), with_suite_labels(baseline, suite)
    vc, seed = cfg.verdict, cfg.evaluation.seed
    scopes = {"core": scope_verdict("core", cand, base, vc.primary, vc.split, seed, resamples, power_trials)}
    if any(recs[0].tier == "extended" for recs in cand.values()):
        scopes["extended"] = scope_verdict("extended", cand, base, vc.primary, vc.split, seed, resamples,
                                           power_trials)
    classes = query_classes(candidate, baseline)
    counts = {k: sum(1 for c in classes.values() if c == k) for k in ("fixed", "regressed", "both pass", "both fail")}
    notes = []
    if candidate.suite_hash != baseline.suite_hash:
        notes.append(f"the two results were made on different suites ({candidate.suite_hash[:12]} vs "
                     f"{baseline.suite_hash[:12]}); per-query classes cover the common ids only")
    same_batch = candidate.settings.batch_size == baseline.settings.batch_size
    if not same_batch:
        notes.append("the two models ran with different batch sizes, so tokens/s are not like for like")
    cb, bb = candidate.model.bits, baseline.model.bits
    bits_note = None
    if cb != bb:
        bits_note = (f"the two models were measured at different bits (candidate {cb or 16}-bit, baseline "
                     f"{bb or 16}-bit), so the measured speed and memory are not like for like"
                     + ("; on MLX's CPU kernels quantized matmuls are far slower than float ones" if
                        cfg.experiment.demo else "")
                     + "; the physics rows at equal bits are the like-for-like comparison")
    low, high = (vc.expected_speedup + [None, None])[:2]
    return Comparison(
        verdict=scopes["core"].verdict, classes=classes, class_counts=counts, measured=measured(candidate, baseline),
        predicted=predictions(cfg, {"candidate": candidate.model, "baseline": baseline.model}),
        seed_expectations={"speedup_low": low, "speedup_high": high,
                           "memory_saving": vc.expected_memory_saving},
        same_batch_size=same_batch, notes=notes, scopes=scopes,
        physics=physics(cfg, candidate.model, baseline.model), bits_note=bits_note,
    )


BANDS = {"7B primary": "primary", "split by use case": "split", "stay on 30B": "stay", "inconclusive": "inconclusive"}


def predicted_ratios(comp: Comparison) -> tuple[float | None, float | None]:
    """(speed, memory) of the real candidate over the real baseline at equal bits (like for like),
    else from the real models' predicted rows."""
    if comp.physics is not None:
        row = comp.physics.equal_bits()
        return row.speed_ratio, 1 - row.memory_saving
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
