"""Re-score a saved results file without the model: the raw replies and the tool results are in
it, so parsing and all four checks run again exactly. Code is re-executed only when asked.

Every query whose strict pass changed is listed with the reason: the checks that flipped and the
evidence that appeared (a new failure) or went away (a failure no longer found). A run folder
(``logs/runs/<id>``, whose per-query results are in ``events.jsonl``) is re-scored from its events.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.data.suite import Suite, load_suite
from core.evaluation.schema import (
    CHECKS,
    QueryRecord,
    QueryScore,
    ResultsFile,
    ToolExecution,
    load_results,
    read_results_json,
)
from core.evaluation.scoring import aggregate, rescore_record
from core.evaluation.suite_run import run_code


@dataclass
class Change:
    role: str
    query_id: str
    before: bool
    after: bool
    reason: str = ""

    def describe(self) -> str:
        head = f"{self.role} {self.query_id}: {'pass' if self.before else 'fail'} -> {'pass' if self.after else 'fail'}"
        return head + (f" ({self.reason})" if self.reason else "")


def change_reason(old: QueryScore, new: QueryScore) -> str:
    """Which checks flipped, with the evidence that appeared (new failures) or went away."""
    parts: list[str] = []
    for name in CHECKS:
        a, b = getattr(old, name), getattr(new, name)
        if a.passed == b.passed:
            continue
        if b.passed is False:
            added = [e for e in b.evidence if e not in a.evidence]
            why = sorted(added, key=lambda e: _FAILURE.search(e) is None)[:2]
        else:
            why = [f"no longer: {e}" for e in a.evidence if e not in b.evidence][:2]
        parts.append(f"{name} {_mark(a.passed)}->{_mark(b.passed)}" + (": " + "; ".join(why) if why else ""))
    return " | ".join(parts)


_FAILURE = re.compile(r"missing|fabricated|contradict|unsupported|extra wrong|does not|never|not found|found|"
                      r"fails|raised|no output|empty|not in the tool output|not a field|subscripts|timed out")


def _mark(v: bool | None) -> str:
    return "pass" if v else ("fail" if v is False else "n/a")


def rescore_results(results: ResultsFile, suite: Suite, workspaces: Path | None = None,
                    execute: bool = False, timeout_s: float = 30.0) -> tuple[ResultsFile, list[Change], list[str]]:
    """The results scored again against ``suite``; with ``execute``, the saved code is run again."""
    notes: list[str] = []
    if results.suite_hash != suite.sha256:
        notes.append(f"the results were made on suite {results.suite_hash[:12]}, this suite is "
                     f"{suite.sha256[:12]}; queries are matched by id")
    by_id = {q.id: q for q in suite.queries}
    changes: list[Change] = []

    def again(recs: list[QueryRecord]) -> list[QueryRecord]:
        out_recs = []
        for rec in recs:
            q = by_id.get(rec.query_id)
            if q is None:
                note = f"query {rec.query_id} is not in the suite; kept as scored before"
                if note not in notes:
                    notes.append(note)
                out_recs.append(rec)
                continue
            if execute and rec.execution is not None and workspaces is not None and q.workspace:
                fresh, _took = run_code(rec.execution.code, workspaces / q.workspace, timeout_s)
                # Keep the response the model saw (its answer was generated from it); refresh the run.
                rec = rec.model_copy(update={"execution": ToolExecution(
                    code=fresh.code, workspace=fresh.workspace, ok=fresh.ok, response=rec.execution.response,
                    result=fresh.result)})
            new = rescore_record(q, rec)
            if new.score.strict_pass != rec.score.strict_pass:
                label = rec.query_id + (f" (sample {rec.sample + 1})" if rec.sample else "")
                changes.append(Change(results.model.role, label, rec.score.strict_pass, new.score.strict_pass,
                                      change_reason(rec.score, new.score)))
            out_recs.append(new)
        return out_recs

    records = again(results.queries)
    more = again(results.more_samples)  # every sample of a repeated run is scored the same way
    out = results.model_copy(update={"queries": records, "more_samples": more, "aggregates": aggregate(records),
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
        from core.evaluation.deliverables import parse_combined

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


@dataclass
class EventsRescore:
    """A run folder's queries scored again from its events."""

    records: dict[str, list[QueryRecord]]
    """model -> the re-scored records (the last result per model and query)."""
    changes: list[Change]
    flips: dict[str, dict[str, int]]
    """model -> check (and "evidence") -> how many queries changed on that check (or in any evidence)."""
    before: dict[str, int]
    """model -> strict passes as recorded."""
    notes: list[str]


def _event_records(events: Path) -> dict[str, dict[str, QueryRecord]]:
    from core.evaluation.schema import ResultsError

    by_model: dict[str, dict[str, QueryRecord]] = {}
    with open(events, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                raise ResultsError(f"{events}:{n}: invalid JSON") from None
            if not isinstance(ev, dict) or ev.get("type") != "query_result" or not ev.get("result"):
                continue
            try:
                rec = QueryRecord.model_validate(ev["result"])
            except ValueError as exc:
                raise ResultsError(f"{events}:{n}: field result: {str(exc).splitlines()[0]}") from None
            by_model.setdefault(str(ev.get("model")), {})[rec.query_id] = rec
    return by_model


def rescore_events(run_dir: Path, suite_path: Path) -> EventsRescore:
    """Re-score every model's queries recorded in a run folder's ``events.jsonl``."""
    from core.evaluation.schema import ResultsError

    events = Path(run_dir) / "events.jsonl"
    if not events.is_file():
        raise ResultsError(f"{run_dir}: no events.jsonl (not a run folder)")
    by_model = _event_records(events)
    suite = load_suite(suite_path)
    by_id = {q.id: q for q in suite.queries}
    out = EventsRescore({}, [], {}, {}, [])
    for model, recs in by_model.items():
        out.records[model] = []
        out.flips[model] = dict.fromkeys([*CHECKS, "evidence"], 0)
        out.before[model] = sum(r.score.strict_pass for r in recs.values())
        for rec in recs.values():
            q = by_id.get(rec.query_id)
            if q is None:
                out.notes.append(f"{model}: query {rec.query_id} is not in the suite; kept as scored before")
                out.records[model].append(rec)
                continue
            new = rescore_record(q, rec)
            for name in CHECKS:
                out.flips[model][name] += getattr(rec.score, name).passed != getattr(new.score, name).passed
            out.flips[model]["evidence"] += any(getattr(rec.score, n).evidence != getattr(new.score, n).evidence
                                                for n in CHECKS)
            if new.score.strict_pass != rec.score.strict_pass:
                out.changes.append(Change(model, rec.query_id, rec.score.strict_pass, new.score.strict_pass,
                                          change_reason(rec.score, new.score)))
            out.records[model].append(new)
    if not by_model:
        out.notes.append(f"{events}: no scored queries in the events")
    return out
