"""What each stage hands back when it finishes (``StageFinished.summary``), one pydantic model per
stage, read by field, never by string key.

Readers never lose a finished stage over its summary: keys a model does not name (from an older or
newer writer, or a plug-in stage's own) are kept as extras, every field has a default, and a
summary that does not fit its stage's model (an older writer's) is kept as a plain
:class:`StageSummary`, which readers treat as "no typed summary".

Foundation: pydantic and the standard library only. Nested figures that belong to a domain model
(a verdict, a model identity, a tokenizer check) stay plain JSON here; the domain reads them back
with its own models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class StageSummary(BaseModel):
    """A stage's summary. The base is what a stage without a model of its own (a plug-in) gives."""

    model_config = ConfigDict(extra="allow")


class PrepareSummary(StageSummary):
    rows: dict[str, int] = Field(default_factory=dict, description="Rows per split, as checked.")
    total: int = 0
    tool: int = 0
    direct: int = 0
    per_tool: dict[str, int] = Field(default_factory=dict)
    calls_per_row: dict[str, int] = Field(default_factory=dict)
    duplicates: int = 0
    near_duplicates: int = 0
    masked_calls: int = 0
    tokenizers: list[dict[str, Any]] = Field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    doctor: dict[str, Any] = Field(default_factory=dict)
    data_dir: str = ""
    suite: dict[str, Any] = Field(default_factory=dict)
    rows_per_file: dict[str, int] = Field(default_factory=dict)


class TrainSummary(StageSummary):
    iterations: int = 0
    total_iters: int = 0
    train_loss: float | None = None
    val_loss: float | None = None
    first_val_loss: float | None = None
    best_val_loss: float | None = None
    best_iteration: int | None = None
    trained_tokens: int | None = None
    tokens_per_second: float | None = None
    resumed_from: int | None = None
    resume_note: str | None = None
    early_stopped: bool | None = None
    adapter: str = ""
    best_adapter: str | None = None
    checkpoint: str | None = None
    ranks: int = 1
    timing: dict[str, float | None] = Field(default_factory=dict)
    rows_in_train_file: int | None = Field(None, description="Rows in the config's train.jsonl.")
    rows_trained: int | None = Field(None, description="Rows of train.jsonl the LoRA trained on.")
    rows_held_out_for_leaks: int = Field(0, description="Rows held out: they state every fact of a suite query.")
    rows_stating_suite_facts: int | None = Field(
        None, description="Rows that state every fact of a suite query (held out, or trained on with "
        "[data] hold_out_leaking = false); None: not checked.")
    stating_per_query: dict[str, int] = Field(default_factory=dict, description="Suite query id -> such rows.")
    hold_out_leaking: bool | None = None
    held_out_list: str | None = Field(None, description="The file listing those rows (file:line: query ids).")


class FuseSummary(StageSummary):
    path: str = ""
    dtype: str = "float16"
    dtypes: list[str] = Field(default_factory=list)
    base_dtypes: list[str] = Field(default_factory=list)
    dequantized: bool = False
    fused_layers: int | None = None
    parameters: int | None = None
    bytes: int | None = None
    sha256: str | None = None


class QuantizeSummary(StageSummary):
    path: str = ""
    bits: int | None = None
    group_size: int | None = None
    bytes: int | None = None
    bits_per_weight: float | None = None
    parameters: int | None = None
    weight_bytes: int | None = None
    quantized_layers: int | None = None
    skipped_layers: int = 0
    skipped: list[dict[str, Any]] = Field(default_factory=list)
    sha256: str | None = None
    fallback: bool = False


class ParitySummary(StageSummary):
    """The parity decision, as written beside the outputs."""

    run_id: str = ""
    suite_hash: str = ""
    chosen_bits: int | None = None
    chosen_path: str | None = None
    reason: str = ""
    tolerance: int | None = None
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    results: dict[str, str] = Field(default_factory=dict)
    fingerprints: dict[str, str] = Field(default_factory=dict)


class TestSummary(StageSummary):
    """One model's suite run (test_candidate, test_baseline)."""

    __test__ = False  # not a pytest class

    role: str = ""
    model: dict[str, Any] = Field(default_factory=dict, description="The model's identity, as in its results file.")
    accuracy: float | None = None
    strict_passes: int = 0
    n: int = 0
    partial_credit: float | None = None
    checks: dict[str, list[int]] = Field(default_factory=dict, description="Check -> [passed, applicable].")
    generation_tps_mean: float | None = None
    latency_s_median: float | None = None
    peak_memory_bytes: int | None = None
    wall_s: float | None = None
    results: str | None = Field(None, description="This run's results file.")
    results_copies: list[str] = Field(default_factory=list)
    reused_from: str | None = None
    suite_hash: str = ""


class CompareSummary(StageSummary):
    ratio: float | None = None
    candidate: dict[str, float | None] = Field(default_factory=dict)
    baseline: dict[str, float | None] = Field(default_factory=dict)
    verdict: dict[str, Any] = Field(default_factory=dict)
    speed: dict[str, float | None] = Field(default_factory=dict)
    memory: dict[str, float | None] = Field(default_factory=dict)
    class_counts: dict[str, int] = Field(default_factory=dict)
    measured: list[dict[str, Any]] = Field(default_factory=list)
    seed_expectations: dict[str, float] = Field(default_factory=dict)
    comparison: str | None = Field(None, description="The comparison file this stage wrote.")
    candidate_results: str | None = None
    baseline_results: str | None = None


class ReportSummary(StageSummary):
    verdict: dict[str, Any] = Field(default_factory=dict)
    results: str = ""
    report: str = ""
    diary: str = ""
    memory: str = ""


SUMMARY_MODELS: dict[str, type[StageSummary]] = {
    "prepare": PrepareSummary,
    "train": TrainSummary,
    "fuse": FuseSummary,
    "quantize": QuantizeSummary,
    "parity": ParitySummary,
    "test_candidate": TestSummary,
    "test_baseline": TestSummary,
    "compare": CompareSummary,
    "report": ReportSummary,
}


def summary_model(stage: str | None) -> type[StageSummary]:
    """The summary model of a stage (the plain StageSummary for a stage without one)."""
    return SUMMARY_MODELS.get(stage or "", StageSummary)


def read_summary(stage: str | None, data: Any) -> StageSummary:
    """A stored or recorded summary as its stage's model; one that does not fit (an older writer's)
    is kept whole as a plain StageSummary rather than lost."""
    if isinstance(data, StageSummary):
        return data
    if not isinstance(data, dict):
        return StageSummary()
    try:
        return summary_model(stage).model_validate(data)
    except ValidationError:
        return StageSummary.model_validate(data)
