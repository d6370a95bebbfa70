"""The combined results document (``logs/phase25_results.json``: both models' results, the
comparison, the verdict, parity), how it is read back, and the diary and MEMORY.md entries made from
it. The markdown report is rendered by core.evaluation.report_markdown."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.evaluation.compare import Comparison
from core.evaluation.schema import (
    SCHEMA_VERSION,
    ResultsError,
    ResultsFile,
    read_results_json,
    validate_versioned,
)
from core.evaluation.verdict_md import uncertainty_suffix
from core.fmt import nbytes


class Phase25Results(BaseModel):
    """``logs/phase25_results.json``: both models' results, the comparison, the verdict, parity."""

    schema_version: int = SCHEMA_VERSION
    kind: Literal["phase25.report"] = "phase25.report"
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    run_id: str
    experiment: str
    demo: bool
    config_hash: str
    data_hash: str
    suite_hash: str
    verdict: dict[str, Any]
    candidate: ResultsFile
    baseline: ResultsFile
    comparison: Comparison
    parity: dict[str, Any] | None = None
    training: dict[str, Any] | None = None  # the train stage's summary of the adapter (rows trained, held out)


COMBINED_KIND = "phase25.report"


def load_combined(path: Path) -> Phase25Results:
    """Read a combined results file; a bad one raises ResultsError naming the file and the field."""
    path = Path(path)
    return parse_combined(read_results_json(path), path)


def parse_combined(data: Any, path: Path) -> Phase25Results:

    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    kind = data.get("kind")
    if kind != COMBINED_KIND:
        what = "one model's results file" if kind == "phase25.results" else "not a combined results file"
        raise ResultsError(f"{path}: field kind: {kind!r} is {what}; a combined file "
                           f"(kind {COMBINED_KIND!r}) is written by the report stage")
    return validate_versioned(path, data, Phase25Results)


def stale_parity(doc: Phase25Results) -> str | None:
    """Why the parity decision beside the outputs does not describe the candidate tested, or None."""
    parity = doc.parity
    if not parity:
        return None
    chosen, tested = parity.get("chosen_path"), doc.candidate.model.path
    if chosen and os.path.normpath(str(chosen)) != os.path.normpath(tested):
        return (f"the parity decision (run {parity.get('run_id', 'unknown')}) chose {chosen}, but the candidate "
                f"tested is {tested}; the decision is from another training or quantization and does not "
                f"describe this candidate")
    suite = parity.get("suite_hash")
    if suite and suite != doc.suite_hash:
        return (f"the parity decision (run {parity.get('run_id', 'unknown')}) was made on suite {suite[:12]}, "
                f"this report's suite is {doc.suite_hash[:12]}")
    return None


def fmt_pct(x: float | None) -> str:
    return f"{x:.0%}" if x is not None else "unknown"


def fmt_num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "unknown"
    if unit == "bytes":
        return fmt_bytes(x)
    if unit == "s":
        return f"{x:.2f} s"
    if unit == "tok/s":
        return f"{x:.1f} tok/s"
    return f"{x:.3g}"


def fmt_bytes(n: float | None) -> str:
    return nbytes(n, "unknown")


def diary_entry(doc: Phase25Results, report_path: str) -> str:
    v = doc.comparison.verdict
    c, b = doc.candidate.aggregates, doc.baseline.aggregates
    ratio = f"{v.ratio:.2f}" if v.ratio is not None else "undefined"
    demo = " (demo: tiny stand-in models, not a real result)" if doc.demo else ""
    day = doc.created[:10]
    return "\n".join([
        f"## {day}: Phase 25 run {doc.run_id}: {v.label}{demo}",
        "",
        f"- candidate {doc.candidate.model.name}: {c.strict_passes}/{c.n} strict, partial "
        f"{fmt_pct(c.partial_credit)}, {fmt_num(c.generation_tps_mean, 'tok/s')}, peak {fmt_bytes(c.peak_memory_bytes)}",
        f"- baseline {doc.baseline.model.name}: {b.strict_passes}/{b.n} strict, partial "
        f"{fmt_pct(b.partial_credit)}, {fmt_num(b.generation_tps_mean, 'tok/s')}, peak {fmt_bytes(b.peak_memory_bytes)}",
        f"- ratio {ratio}: {v.reason}" + uncertainty_suffix(doc.comparison),
        f"- classes: {', '.join(f'{k} {n}' for k, n in doc.comparison.class_counts.items())}",
        f"- parity: {(doc.parity or {}).get('reason', 'not run')}"
        + (" (stale decision: it chose another model than the one tested)" if stale_parity(doc) else ""),
        f"- report: {report_path}; config {doc.config_hash[:12]}, data {doc.data_hash[:12]}",
        "",
    ])


def memory_entry(doc: Phase25Results) -> str:
    v = doc.comparison.verdict
    ratio = f"{v.ratio:.2f}" if v.ratio is not None else "undefined"
    demo = " [demo: tiny stand-ins, says nothing about the real models]" if doc.demo else ""
    parity = None if stale_parity(doc) else doc.parity
    bits = (parity or {}).get("chosen_bits") or doc.candidate.model.bits
    return (f"- {doc.created[:10]} Phase 25 decision: **{v.label}** (7B {doc.candidate.aggregates.strict_passes}/"
            f"{doc.candidate.aggregates.n} vs 30B {doc.baseline.aggregates.strict_passes}/"
            f"{doc.baseline.aggregates.n}, ratio {ratio}{uncertainty_suffix(doc.comparison)}; 7B at {bits or 16}-bit; run {doc.run_id}){demo}")
