"""The report's training-data section: how many rows of train.jsonl the LoRA trained on, how many
were held out for stating every fact of a suite query, and why (see core.training.holdout). The
figures are the train stage's own, from the summary it recorded for the adapter it trained; with an
adapter it did not train (or none recorded), the section says which rows it trained on is unknown."""

from __future__ import annotations

from typing import Any

from core.stage_summaries import TrainSummary


def _per_query(t: TrainSummary, shown: int = 5) -> str:
    items = [f"{q} ×{n}" for q, n in t.stating_per_query.items()]
    return ", ".join(items[:shown]) + (", …" if len(items) > shown else "")


def training_lines(summary: dict[str, Any] | None) -> list[str]:
    """The section's paragraph (one line) for the train stage's summary of the adapter tested (None:
    the train stage has no record of that adapter)."""
    if not summary:
        return ["Which rows of train.jsonl the adapter was trained on is unknown: it was not trained by this "
                "pipeline's train stage (the stage has no record of the adapter at outputs.adapter with the "
                "weights it holds now)."]
    t = TrainSummary.model_validate(summary)
    if t.rows_in_train_file is None or t.rows_trained is None:
        return ["How many rows the LoRA trained on is not recorded: the adapter was trained before the train "
                "stage counted them (train it again to have them here)."]
    rows, trained, n = t.rows_in_train_file, t.rows_trained, t.rows_stating_suite_facts
    listed = f"; list: `{t.held_out_list}`" if t.held_out_list else ""
    if n is None:
        return [f"The LoRA trained on all {rows} rows of train.jsonl; they were not checked for suite facts "
                "(the suite could not be read and [data] hold_out_leaking = false)."]
    if not n:
        return [f"The LoRA trained on all {rows} rows of train.jsonl: none states every fact of a suite query."]
    held = t.rows_held_out_for_leaks
    if held:
        return [f"The LoRA trained on {trained} of the {rows} rows of train.jsonl. {held} row{'s' if held != 1 else ''} "
                f"{'were' if held != 1 else 'was'} held out because each states every fact of a suite query, i.e. answers it "
                f"({_per_query(t)}{listed}); the data files are unchanged and valid.jsonl is never trained on."]
    return [f"The LoRA trained on all {rows} rows of train.jsonl, and {n} of them state{'s' if n == 1 else ''} every fact of a suite "
            f"query ({_per_query(t)}{listed}): [data] hold_out_leaking = false, so its answers to those queries "
            "may be recalled rather than worked out."]
