"""report: the seed's deliverables. Writes the combined results (outputs.results), the markdown
comparison report (outputs.report), a diary entry (outputs.diary) and a dated MEMORY.md line
(outputs.memory). The diary and MEMORY.md keep one entry per run id. The parity decision is the one
beside the outputs: the report names the run that made it and warns when it chose another model
than the candidate tested. The training-data section is the train stage's account of the adapter
the candidate was made from, used only when its record names that very adapter (path and bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.evaluation.compare import Comparison, compare
from core.evaluation.deliverables import Phase25Results, diary_entry, memory_entry, stale_parity
from core.evaluation.hashes import config_hash, data_hash
from core.evaluation.journal import upsert_entry
from core.evaluation.report_markdown import render_markdown
from core.evaluation.schema import ModelIdentity
from core.evaluation.targets import read_parity_decision
from core.runs import atomic_write_text
from core.stage_summaries import ReportSummary
from core.stagecache import unchanged
from core.stages.base import StageContext, StageOutcome
from core.stages.compare import comparison_path, load_role

DIARY_HEADER = "# Diary\n\nOne entry per Phase 25 run, newest last.\n\n"
MEMORY_HEADER = "# MEMORY\n\nDecisions, dated.\n\n"


def trained_adapter_summary(record: dict[str, Any], adapter: Path) -> dict[str, Any] | None:
    """The train stage's summary (from its cache ``record``) of the adapter folder ``adapter``, when
    the record names that adapter with the bytes it holds now; else None: this pipeline's train stage
    did not train it (a folder put there by hand, another path, or changed since), so which rows it
    trained on is unknown."""
    made = (record.get("artifacts") or {}).get("adapter")
    if not isinstance(made, dict) or str(made.get("path")) != str((adapter / "adapters.safetensors").resolve()):
        return None
    if unchanged(made) is not None:
        return None
    return record.get("summary") or None


def tested_adapter(ctx: StageContext, model: ModelIdentity) -> Path:
    """The adapter the model tested was made from: its own, else outputs.adapter (which the fuse and
    quantize stages start from)."""
    return Path(model.adapter_path) if model.adapter_path else ctx.cfg.resolve(ctx.cfg.outputs.adapter)


def run(ctx: StageContext) -> StageOutcome:
    cfg = ctx.cfg
    cand, _ = load_role(ctx, "candidate")
    base, _ = load_role(ctx, "baseline")
    comp_file = comparison_path(ctx)
    if comp_file.is_file():
        comp = Comparison.model_validate_json(comp_file.read_text())
    else:
        ctx.log("no comparison in this run; comparing now")
        comp = compare(cfg, cand, base)
    doc = Phase25Results(
        run_id=ctx.run.id,
        experiment=cfg.experiment.name,
        demo=cfg.experiment.demo,
        config_hash=config_hash(cfg),
        data_hash=data_hash(cfg),
        suite_hash=cand.suite_hash,
        verdict=comp.verdict.model_dump(),
        candidate=cand,
        baseline=base,
        comparison=comp,
        parity=read_parity_decision(cfg),
        training=trained_adapter_summary(ctx.cache_record("train"), tested_adapter(ctx, cand.model)),
    )
    stale = stale_parity(doc)
    if stale:
        ctx.log(f"parity: {stale}; the report says so", "warning")
    for res in (cand, base):
        if res.reused_from:
            ctx.log(f"{res.model.role}: reused from {res.reused_from}")
    results_path = cfg.resolve(cfg.outputs.results)
    report_path = cfg.resolve(cfg.outputs.report)
    diary_path = cfg.resolve(cfg.outputs.diary)
    memory_path = cfg.resolve(cfg.outputs.memory)
    atomic_write_text(results_path, doc.model_dump_json(indent=2) + "\n")
    paths = {"results": str(results_path), "report": str(report_path)}
    atomic_write_text(report_path, render_markdown(doc, paths))
    upsert_entry(diary_path, ctx.run.id, diary_entry(doc, str(report_path)), header=DIARY_HEADER)
    upsert_entry(memory_path, ctx.run.id, memory_entry(doc), header=MEMORY_HEADER)
    for name, p in (("phase25_results", results_path), ("report", report_path), ("diary", diary_path),
                    ("memory", memory_path)):
        ctx.artifact(name, p)
    if cfg.experiment.demo:
        ctx.log("demo: the models are tiny stand-ins; the report says so and its scores say nothing real")
    ctx.log(f"report: {report_path}\nresults: {results_path}")
    v = comp.verdict
    ctx.equivalent("# no mlx-lm equivalent: writes the report files")
    return StageOutcome(
        summary=ReportSummary(verdict=v.model_dump(), results=str(results_path), report=str(report_path),
                              diary=str(diary_path), memory=str(memory_path)),
        headline=v.label,
    )
