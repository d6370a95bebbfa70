"""What the Results and Query diff screens draw: core's typed Results view (core.evaluation.view)
and the colours of its verdict bands. Nothing here reads files or decides a verdict."""

from __future__ import annotations

from core.evaluation.view import (
    BAND_WORDS,
    CHECK_ORDER,
    CHECK_SHORT,
    FILTERS,
    MODELS,
    SHORT,
    LoraPanel,
    ModelResult,
    QueryRecord,
    Row,
    ScopeSummary,
    Summary,
    build_rows,
    lora_panel,
    summarize,
)

BAND_STYLE = {"primary": "bold black on green", "split": "bold black on yellow", "stay": "bold white on red",
              "inconclusive": "bold black on grey70"}

__all__ = ["BAND_STYLE", "BAND_WORDS", "CHECK_ORDER", "CHECK_SHORT", "FILTERS", "LoraPanel", "MODELS", "SHORT",
           "ModelResult", "QueryRecord", "Row", "ScopeSummary", "Summary", "build_rows", "lora_panel", "summarize"]
