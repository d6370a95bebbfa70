"""The results file: one versioned Pydantic schema for a model's run over the 20-query suite.

It holds everything needed to score again without the model (``phase25 rescore``): each query's
raw generated text per round, the parsed call, the tool execution's result as fed back to the
model, the measurements, and the scores with their evidence. The JSON Schema is exported to
``data/schemas/results.schema.json`` (``python -m core.evaluation.schema`` rewrites it).

Foundation (pydantic and the standard library only), so that an event can carry a scored query
(``QueryResult.result``) as a QueryRecord; the evaluation code imports it as core.evaluation.schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
# data/schemas/ (core.paths.DATA_DIR, not imported: core.paths reaches the events, which import this)
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "schemas" / "results.schema.json"
CHECKS = ("format", "discrimination", "typed", "quality")

Form = Literal["base", "adapter", "fused", "quantized"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelIdentity(_M):
    role: str = Field(description="'candidate', 'baseline' or a parity variant: 'adapter', 'f16', 'q5', 'q8'")
    name: str
    path: str = Field(description="What was loaded: a local folder or a Hugging Face id")
    hf_id: str | None = None
    family: Literal["qwen2.5", "qwen3"]
    form: Form = Field(description="base weights, base + adapter, fused 16-bit, or quantized")
    bits: int | None = Field(None, description="Quantization bits; None for 16-bit weights")
    group_size: int | None = None
    adapter_path: str | None = None
    size_on_disk_bytes: int | None = Field(None, description="Weights folder size (adapter included)")


class Settings(_M):
    max_tokens: int
    temperature: float
    batch_size: int
    compact_prompt: bool
    exec_timeout_s: float
    system_prompt_sha256: str
    system_prompt_tokens: int = Field(description="Tokens of the shared prefix, prefilled once")
    confinement: str | None = Field(None, description="How model-written code was confined (engine: policy)")
    samples: int = Field(default=1, description="Replies generated per query (1: one greedy reply)")
    seed: int = Field(default=0, description="The sampler's seed when samples > 1 or temperature > 0")


class ParseRecord(_M):
    """How the first response parsed as a tool call (strict and lenient)."""

    has_call: bool = Field(description="Anything parsed as a call, leniently")
    strict_ok: bool
    lenient_ok: bool
    kind: str | None = Field(None, description="e.g. 'tagged', 'fenced', 'bare', 'double_encoded'")
    name: str | None = None
    code: str | None = None
    flags: list[str] = Field(default_factory=list)
    reason: str | None = Field(None, description="Why the strict parse failed")


class Round(_M):
    """One generation: the first response, or the answer after the tool result."""

    text: str = Field(description="The raw generated text, think block included")
    prompt_tokens: int
    generated_tokens: int
    finish_reason: str | None = None
    ttft_s: float | None = Field(None, description="Seconds from the batch's start to this query's first token")
    generation_tps: float | None = Field(None, description="Generated tokens / seconds after the first token")
    latency_s: float = Field(description="Seconds from the batch's start to this query's last token")
    peak_memory_bytes: int | None = Field(
        None, description="MLX high-water mark of the pass up to this query's last token (shared with the "
        "queries generated beside it)")
    batch: int = Field(0, description="The generation pass: 0 first replies, 1 answers after the tool result")
    batch_size: int = Field(1, description="At most this many queries were generated side by side")


class ToolExecution(_M):
    code: str
    workspace: str
    ok: bool
    response: str = Field(description="The tool turn fed back to the model")
    result: dict[str, Any] = Field(description="The executor's full result")


class CheckResult(_M):
    passed: bool | None = Field(description="None where the check does not apply")
    evidence: list[str] = Field(default_factory=list)


class JudgeVerdict(_M):
    """A model judge's grade of a direct answer against the rubric and the reference."""

    model: str = Field(description="The judge model's path")
    passed: bool | None = Field(description="The judge's pass/fail; None when its reply could not be read")
    reason: str = Field(description="One line: the judge's reason, or why its reply could not be read")
    decides: bool = Field(False, description="True when this verdict, not the rubric, decided quality")
    rubric_passed: bool | None = Field(None, description="The rubric's own verdict on the same answer")
    stand_in: bool = Field(False, description="True when the judge is a tiny stand-in whose grades mean nothing")


class QueryScore(_M):
    format: CheckResult
    discrimination: CheckResult
    typed: CheckResult
    quality: CheckResult
    lenient_format: bool | None = Field(None, description="The lenient parse, beside the strict one")
    strict_pass: bool = Field(description="Every applicable check passed")
    partial: float = Field(description="Share of applicable checks passed")
    judge: JudgeVerdict | None = Field(None, description="The optional model judge's grade (direct questions)")

    def checks(self) -> dict[str, bool | None]:
        return {name: getattr(self, name).passed for name in CHECKS}


class Measurements(_M):
    prompt_tokens: int
    generated_tokens: int
    ttft_s: float | None
    generation_tps: float | None
    latency_s: float = Field(description="Generation latency over all rounds (batch-relative)")
    exec_s: float | None = Field(None, description="Seconds the tool execution took")
    peak_memory_bytes: int | None


class QueryRecord(_M):
    query_id: str
    category: Literal["tool", "direct"]
    tier: Literal["core", "extended"] = Field(default="core", description="The seed's core queries or the extended tier")
    topic: str | None = Field(default=None, description="The suite's topic, e.g. 'typecheck' or 'concept: typing'")
    sample: int = Field(default=0, description="Which of the query's samples this is (0 for the first)")
    prompt: str
    rounds: list[Round]
    call: ParseRecord
    execution: ToolExecution | None = None
    final_answer: str = Field(description="The text scored for quality: think blocks and calls removed")
    measurements: Measurements
    score: QueryScore


class Confusion(_M):
    """BFCL relevance/irrelevance: tool queries should call, direct ones should not."""

    tool_called: int
    tool_missed: int
    direct_called: int
    direct_answered: int


class Aggregates(_M):
    n: int
    strict_passes: int
    accuracy: float = Field(description="Share of strict passes (the headline figure)")
    partial_credit: float = Field(description="Mean share of applicable checks passed (a second figure)")
    checks: dict[str, list[int]] = Field(description="check -> [passed, applicable]")
    lenient_format_passes: int
    confusion: Confusion
    tool_recall: float | None
    direct_specificity: float | None
    balanced_accuracy: float | None
    generation_tps_mean: float | None
    latency_s_median: float | None
    peak_memory_bytes: int | None
    generated_tokens: int


class ResultsFile(_M):
    schema_version: int = SCHEMA_VERSION
    kind: Literal["phase25.results"] = "phase25.results"
    created: str
    run_id: str | None = None
    suite_hash: str
    suite_path: str
    config_hash: str
    data_hash: str
    model: ModelIdentity
    settings: Settings
    wall_s: float = Field(description="Seconds the whole suite took (load excluded)")
    load_s: float | None = None
    queries: list[QueryRecord] = Field(description="Each query's first sample, in suite order")
    more_samples: list[QueryRecord] = Field(
        default_factory=list, description="Samples 1..k-1 of each query when evaluation.samples = k > 1")
    aggregates: Aggregates
    reused_from: str | None = Field(None, description="An earlier results file this one was reused from")
    notes: list[str] = Field(default_factory=list)

    def by_id(self) -> dict[str, QueryRecord]:
        return {q.query_id: q for q in self.queries}

    def samples_of(self) -> dict[str, list[QueryRecord]]:
        """Every sample of each query, first sample first, in suite order."""
        out: dict[str, list[QueryRecord]] = {q.query_id: [q] for q in self.queries}
        for rec in sorted(self.more_samples, key=lambda r: r.sample):
            out.setdefault(rec.query_id, []).append(rec)
        return out


class ResultsError(ValueError):
    """A results file could not be read; the message names the file and the field."""


def read_results_json(path: Path) -> Any:
    from core.textfile import UserFileError, read_json

    try:
        return read_json(path, "results file")
    except UserFileError as exc:
        raise ResultsError(str(exc)) from None


def load_results(path: Path) -> ResultsFile:

    path = Path(path)
    data = read_results_json(path)
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return validate_versioned(path, data, ResultsFile)


M = TypeVar("M", bound=BaseModel)


def validate_versioned(path: Path, data: dict[str, Any], model: type[M]) -> M:
    """``data`` as ``model`` after a schema-version check; errors name the file and the field."""
    from pydantic import ValidationError

    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultsError(f"{path}: schema_version {version!r}; this version reads {SCHEMA_VERSION}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ResultsError(field_error(path, exc)) from None


def field_error(path: Path, exc: Any) -> str:
    """'FILE: field a.b.3.c: message (and N more)' for a pydantic ValidationError."""
    errors = exc.errors()
    err = errors[0]
    where = ".".join(str(p) for p in err["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path}: field {where}: {err['msg']}{more}"


def json_schema_text() -> str:
    return json.dumps(ResultsFile.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write_json_schema(path: Path = SCHEMA_PATH) -> Path:
    from core.atomic import atomic_write_text

    atomic_write_text(path, json_schema_text())
    return path


if __name__ == "__main__":
    print(write_json_schema())
