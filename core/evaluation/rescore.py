"""Re-score a saved results file without the model: the raw replies and the tool results are in
it, so parsing and all four checks run again exactly. Code is re-executed only when asked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.data.suite import Suite, load_suite
from core.evaluation.schema import ResultsFile, ToolExecution, load_results, read_results_json
from core.evaluation.scoring import aggregate, rescore_record
from core.evaluation.suite_run import run_code


@dataclass
class Change:
    role: str
    query_id: str
    before: bool
    after: bool


def rescore_results(results: ResultsFile, suite: Suite, workspaces: Path | None = None,
                    execute: bool = False, timeout_s: float = 30.0) -> tuple[ResultsFile, list[Change], list[str]]:
    """The results scored again against ``suite``; with ``execute``, the saved code is run again."""
    notes: list[str] = []
    if results.suite_hash != suite.sha256:
        notes.append(f"the results were made on suite {results.suite_hash[:12]}, this suite is "
                     f"{suite.sha256[:12]}; queries are matched by id")
    by_id = {q.id: q for q in suite.queries}
    changes: list[Change] = []
    records = []
    for rec in results.queries:
        q = by_id.get(rec.query_id)
        if q is None:
            notes.append(f"query {rec.query_id} is not in the suite; kept as scored before")
            records.append(rec)
            continue
        if execute and rec.execution is not None and workspaces is not None and q.workspace:
            fresh, _took = run_code(rec.execution.code, workspaces / q.workspace, timeout_s)
            # Keep the response the model saw (its answer was generated from it); refresh the run.
            rec = rec.model_copy(update={"execution": ToolExecution(
                code=fresh.code, workspace=fresh.workspace, ok=fresh.ok, response=rec.execution.response,
                result=fresh.result)})
        new = rescore_record(q, rec)
        if new.score.strict_pass != rec.score.strict_pass:
            changes.append(Change(results.model.role, rec.query_id, rec.score.strict_pass, new.score.strict_pass))
        records.append(new)
    out = results.model_copy(update={"queries": records, "aggregates": aggregate(records),
                                     "notes": results.notes + [n for n in notes if n not in results.notes]})
    return out, changes, notes


def rescore_file(path: Path, suite_path: Path | None = None, workspaces: Path | None = None,
                 execute: bool = False) -> tuple[dict[str, Any], list[ResultsFile], list[Change], list[str]]:
    """Re-score a per-model results file or a combined phase25_results.json.

    Returns (the new document as JSON data, the re-scored results, the changes, notes).
    """
    path = Path(path)
    data = read_results_json(path)
    combined = isinstance(data, dict) and data.get("kind") == "phase25.report"
    parts: dict[str, ResultsFile] = {}
    if combined:
        from core.evaluation.report import parse_combined

        doc = parse_combined(data, path)
        parts = {"candidate": doc.candidate, "baseline": doc.baseline}
    else:
        parts = {"results": load_results(path)}
    first = next(iter(parts.values()))
    suite_file = Path(suite_path) if suite_path else Path(first.suite_path)
    suite = load_suite(suite_file)
    all_changes: list[Change] = []
    all_notes: list[str] = []
    new_parts: dict[str, ResultsFile] = {}
    for key, res in parts.items():
        new, changes, notes = rescore_results(res, suite, workspaces, execute)
        new_parts[key] = new
        all_changes += changes
        all_notes += [f"{key}: {n}" for n in notes]
    if combined:
        from core.evaluation.compare import query_classes, verdict

        cand, base = new_parts["candidate"], new_parts["baseline"]
        comp = doc.comparison
        v = verdict(cand.aggregates.accuracy, base.aggregates.accuracy, comp.verdict.primary, comp.verdict.split)
        classes = query_classes(cand, base)
        counts = {k: sum(1 for c in classes.values() if c == k) for k in comp.class_counts}
        comp = comp.model_copy(update={"verdict": v, "classes": classes, "class_counts": counts})
        out_doc = doc.model_copy(update={"candidate": cand, "baseline": base, "comparison": comp,
                                         "verdict": v.model_dump()})
        return json.loads(out_doc.model_dump_json()), list(new_parts.values()), all_changes, all_notes
    only = new_parts["results"]
    return json.loads(only.model_dump_json()), [only], all_changes, all_notes
