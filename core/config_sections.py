"""The sections of the experiment config ([experiment], [candidate], [baseline], [data], [train],
[quantize], [evaluation], [verdict], [outputs]): pydantic models with the seed's defaults, each
field described. ``core.config`` loads a TOML file into them.

Keys that overlap with mlx-lm's LoRA YAML (``fine_tune_type``, ``num_layers``, ``batch_size``,
``iters``, ``learning_rate``, ``lora_parameters``, ``steps_per_report`` ...) use the same names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Family = Literal["qwen2.5", "qwen3"]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ExperimentSection(_Strict):
    name: str = "phase25"
    description: str = ""
    demo: bool = Field(
        False, description="True when the models are tiny local stand-ins; their scores say nothing real."
    )
    seed_timeline: dict[str, str] = Field(
        default_factory=dict, description="The seed's expected time per stage, in words (e.g. train = "
        "'~30-40 minutes'); `phase25 doctor` shows it beside its prediction.")


class ModelSpec(_Strict):
    """One model in the comparison."""

    name: str = Field(description="Display name, e.g. 'Qwen2.5-Coder-7B-Instruct'.")
    path: str = Field(description="Hugging Face id or local path of the weights to load.")
    family: Family = Field(description="Chat template family: 'qwen2.5' or 'qwen3'.")
    hf_id: str | None = Field(
        None, description="The real model's Hugging Face id, used for its config and tokenizer."
    )
    adapter_path: str | None = Field(None, description="Optional LoRA adapter applied on load.")
    results: str | None = Field(
        None, description="Baseline only: an earlier results file for the same suite, reused if it matches."
    )

    @field_validator("path")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v

    def is_local(self) -> bool:
        p = Path(self.path)
        return p.is_absolute() or p.exists() or self.path.startswith((".", "/", "~"))


class DataSection(_Strict):
    train: str = Field("data/phase24_merged", description="Folder with train.jsonl and valid.jsonl.")
    suite: str = Field("data/suite/suite.json", description="The 20-query suite.")
    extended_suite: str | None = Field(
        None, description="The extended tier (queries beyond the 20, run when evaluation.suite_tier = 'extended'); "
        "default: extended.json beside data.suite.")
    workspaces: str = Field("data/workspaces", description="Fixture workspaces the tools run against.")
    hold_out_leaking: bool = Field(
        True, description="Hold the train.jsonl rows that state every fact of a suite query (core or extended; "
        "`phase25 data leakage`'s facts warnings) out of the LoRA. false trains on every row, and the report "
        "says how many of them state suite facts.")


class LoraParameters(_Strict):
    rank: int = Field(8, ge=1, le=1024)
    scale: float = Field(20.0, gt=0)
    dropout: float = Field(0.0, ge=0, lt=1)


class LrSchedule(_Strict):
    name: Literal["cosine_decay", "linear_schedule", "exponential_decay", "step_decay"] = "cosine_decay"
    warmup: int = Field(0, ge=0)
    warmup_init: float = Field(0.0, ge=0)
    arguments: list[float] = Field(default_factory=list)


class TrainSection(_Strict):
    fine_tune_type: Literal["lora", "dora", "full"] = "lora"
    num_layers: int = Field(16, ge=-1, description="Layers to adapt; -1 means all.")
    batch_size: int = Field(2, ge=1)
    iters: int = Field(600, ge=1)
    learning_rate: float = Field(1e-4, gt=0, lt=1)
    lr_schedule: LrSchedule | None = None
    lora_parameters: LoraParameters = Field(default_factory=LoraParameters)
    max_seq_length: int = Field(2048, ge=16)
    steps_per_report: int = Field(10, ge=1)
    steps_per_eval: int = Field(200, ge=1)
    save_every: int = Field(100, ge=1)
    val_batches: int = Field(25, ge=-1)
    grad_checkpoint: bool = False
    mask_prompt: bool = True
    seed: int = 0
    patience: int | None = Field(None, ge=1, description="Stop after this many evals without improvement.")
    hosts: list[str] = Field(default_factory=list, description="Hosts for mlx.launch (multi-machine).")
    n_ranks: int = Field(1, ge=1, description="Local ranks for mlx.launch -n N.")
    backend: Literal["ring", "mpi", "any"] = "ring"
    on_corrupt_checkpoint: Literal["stop", "previous"] = Field(
        "stop", description="A corrupt newest checkpoint: stop with an error (stop), or move it aside to "
        "<checkpoints>.corrupt/ and resume from the previous one (previous).")

    @model_validator(mode="after")
    def _ranks(self) -> TrainSection:
        if self.hosts and self.n_ranks != 1:
            raise ValueError("set either hosts or n_ranks, not both")
        return self


class QuantizeSection(_Strict):
    bits: Literal[2, 3, 4, 5, 6, 8] = 5
    group_size: Literal[32, 64, 128] = 64
    fallback_bits: Literal[4, 5, 6, 8] = 8
    parity_tolerance: int = Field(
        0, ge=0, description="Queries the quantized model may lose against f16 before falling back."
    )

    @model_validator(mode="after")
    def _fallback_wider(self) -> QuantizeSection:
        if self.fallback_bits <= self.bits:
            raise ValueError(f"fallback_bits ({self.fallback_bits}) must be more than bits ({self.bits})")
        return self


JUDGE_TEMPLATE = (
    "You grade one answer to a Python question.\n\nQuestion: {question}\n\nReference answer: {reference}\n\n"
    "Rubric (what a good answer covers): {rubric}\n\nAnswer to grade: {answer}\n\n"
    "Reply with exactly one line: PASS or FAIL, a colon, and a one-line reason."
)


class JudgeSection(_Strict):
    """An optional model judge for the direct answers, beside the rubric."""

    path: str = Field(description="Any mlx-lm model path (local folder or Hugging Face id) that grades answers.")
    family: Family = Field("qwen2.5", description="The judge's chat template family.")
    prompt_template: str = Field(
        JUDGE_TEMPLATE, description="The grading prompt; {question}, {reference}, {rubric} and {answer} are filled in."
    )
    decides: bool = Field(False, description="True: the judge's pass/fail decides quality; false: the rubric does.")
    max_tokens: int = Field(64, ge=1)
    stand_in: bool = Field(False, description="True when the judge is a tiny stand-in; its grades say nothing.")

    @field_validator("prompt_template")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        missing = [k for k in ("{question}", "{answer}") if k not in v]
        if missing:
            raise ValueError(f"the template must contain {' and '.join(missing)}")
        return v


class EvaluationSection(_Strict):
    max_tokens: int = Field(512, ge=1)
    temperature: float = Field(0.0, ge=0)
    batch_size: int = Field(4, ge=1, description="Queries generated together.")
    exec_timeout_s: float = Field(30.0, gt=0)
    compact_prompt: bool = Field(False, description="Use the terse system prompt (for tiny demo models).")
    allow_unconfined: bool = Field(
        False, description="Run model-written code even where it cannot be confined (it then has your "
        "user's access to your files and the network). Off: such runs are refused."
    )
    suite_tier: Literal["core", "extended"] = Field(
        "core", description="'core': the seed's 20 queries; 'extended': the core plus data.extended_suite's.")
    queries: list[str] = Field(
        default_factory=list, description="Run only these suite query ids (empty: every query of the tier); for "
        "a rehearsal or a quick check, whose verdict then rests on those queries alone.")
    bandwidth_gb_s: float = Field(
        400.0, gt=0, description="Memory bandwidth used for the predicted decode ceiling (M-series Max: 400)."
    )
    samples: int = Field(1, ge=1, description="Replies generated per query; with more than 1, set a temperature.")
    seed: int = Field(0, ge=0, description="Seed of the sampler and of the verdict's bootstrap and power simulation.")
    judge: JudgeSection | None = Field(None, description="Optional model judge of the direct answers.")


class VerdictSection(_Strict):
    primary: float = Field(0.90, gt=0, le=1, description="Ratio at or above which the 7B becomes primary.")
    split: float = Field(0.70, gt=0, le=1, description="Ratio at or above which the use cases are split.")
    expected_speedup: list[float] = Field(
        default_factory=lambda: [4.0, 5.0], description="The seed's expected 7B speed-up over the 30B (low, high)."
    )
    expected_memory_saving: float = Field(
        0.75, ge=0, lt=1, description="The seed's expected share of memory the 7B saves against the 30B."
    )
    seed_baseline_bits: int = Field(
        5, ge=2, le=16, description="The seed's Phase 24 model's bits, for predictions when the tested baseline's "
        "config.json can't be read."
    )

    @model_validator(mode="after")
    def _ordered(self) -> VerdictSection:
        if self.split >= self.primary:
            raise ValueError(f"split ({self.split}) must be below primary ({self.primary})")
        return self


class OutputsSection(_Strict):
    adapter: str = "adapters_phase25_7b"
    fused: str = "fused_model_qwen25_phase25_7b_f16"
    quantized: str = Field(
        "fused_model_qwen25_phase25_7b_{bits}bit", description="'{bits}' is replaced by the bits used."
    )
    results: str = "logs/phase25_results.json"
    report: str = "logs/phase25_report.md"
    diary: str = "logs/diary.md"
    memory: str = "MEMORY.md"
    runs_dir: str = "logs/runs"

    @field_validator("quantized")
    @classmethod
    def _has_bits(cls, v: str) -> str:
        if "{bits}" not in v:
            raise ValueError("must contain '{bits}', e.g. 'fused_model_qwen25_phase25_7b_{bits}bit'")
        return v


