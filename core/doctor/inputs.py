"""What the predictions need from the experiment's own files: the training rows' token lengths
(from the data preflight) and the suite's prompt lengths, each with the model's real tokenizer."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DataLengths:
    rows: int
    mean: float
    p95: int
    longest: int
    truncated: int
    longest_rows: list[tuple[str, int]]
    tokenizer: str


def data_lengths(report: Any, role: str = "candidate") -> DataLengths | None:
    """Token lengths of the training rows from a PreflightReport, for ``role``'s tokenizer."""
    for st in getattr(report, "tokens", []):
        if st.role == role and st.lengths:
            q = st.quantiles()
            return DataLengths(rows=len(st.lengths), mean=statistics.fmean(st.lengths), p95=q["p95"],
                               longest=q["max"], truncated=st.truncated, longest_rows=list(st.longest),
                               tokenizer=st.source)
    return None


@dataclass(frozen=True)
class SuitePrompts:
    queries: int
    tool_queries: int
    longest: int
    mean: float
    shared_prefix: int = 0
    """Tokens every prompt starts with (the system turn), prefilled once."""
    other_tier: tuple[str, int] | None = None
    """The tier not chosen and its query count, so its cost can be shown before choosing it."""


def suite_prompts(cfg: Any, spec: Any) -> SuitePrompts:
    """Every suite query rendered as the test stage renders it (system prompt, the execute_code tool
    unless the prompt is compact, the family's template, Qwen3 thinking off), in real tokens."""
    from core.codemode.prompt import execute_code_tool_schema, system_prompt
    from core.data.suite_tier import configured_suite
    from core.tokenizers import tokenizer_for

    suite, _path = configured_suite(cfg)  # the tier evaluation.suite_tier chooses: 20, or 100 queries
    tok = tokenizer_for(spec, cfg)
    compact = cfg.evaluation.compact_prompt
    sys_prompt = system_prompt(compact=compact)
    tools = None if compact else [execute_code_tool_schema()]
    extra = {"enable_thinking": False} if spec.family == "qwen3" else {}
    lengths, encoded = [], []
    for q in suite.queries:
        msgs = [{"role": "system", "content": sys_prompt}, {"role": "user", "content": q.prompt}]
        text = tok.apply_chat_template(msgs, tools=tools, add_generation_prompt=True, tokenize=False, **extra)
        ids = list(tok.encode(text, add_special_tokens=False))
        lengths.append(len(ids))
        encoded.append(ids)
    shared = 0
    while all(len(e) > shared and e[shared] == encoded[0][shared] for e in encoded):
        shared += 1
    return SuitePrompts(queries=len(lengths), tool_queries=len(suite.tool_queries), longest=max(lengths),
                        mean=statistics.fmean(lengths), shared_prefix=shared, other_tier=_other_tier(cfg))


def _other_tier(cfg: Any) -> tuple[str, int] | None:
    from core.data.suite import SuiteError
    from core.data.suite_tier import configured_suite

    other = "core" if cfg.evaluation.suite_tier == "extended" else "extended"
    flipped = cfg.model_copy(update={"evaluation": cfg.evaluation.model_copy(update={"suite_tier": other})})
    try:
        return other, len(configured_suite(flipped, check_workspaces=False)[0].queries)
    except (SuiteError, OSError):
        return None
