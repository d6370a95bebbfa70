"""What LoRA changed: the unadapted candidate against the adapted one, on the same suite.

The seed's risk 1 asks whether the Code Mode rows teach Code Mode to the dense candidate at all.
This module answers it with measurements: the unadapted base model is run once on the suite
(``unadapted_results``, cached by a hash of the base weights, the suite and the evaluation
settings), and ``lora_change`` sets its calls, formats, checks and strict passes beside the
adapted candidate's. ``render_section`` is the report's "What LoRA changed" section.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from core.config import ExperimentConfig
from core.data.suite import Suite
from core.evaluation.schema import QueryRecord, ResultsError, ResultsFile

UNADAPTED_FILE = "phase25_results.unadapted.json"
CHECKS = ("format", "discrimination", "typed", "quality")


@dataclass(frozen=True)
class Side:
    """One model's figures: calls on the tool and direct queries, checks, strict passes."""

    tool_queries: int
    direct_queries: int
    calls_lenient: int          # tool queries with an execute_code call, leniently parsed
    calls_strict: int           # ... with a well-formed (strict) execute_code call
    code_ran: int               # tool queries whose code ran without an exception
    direct_calls: int           # direct questions answered with a call
    checks: dict[str, tuple[int, int]]   # check -> (passed, applicable)
    strict_passes: int
    n: int


@dataclass(frozen=True)
class QueryChange:
    query_id: str
    category: str
    before: str
    after: str


@dataclass(frozen=True)
class LoraChange:
    before: Side
    after: Side
    changed: list[QueryChange] = field(default_factory=list)
    before_label: str = "unadapted base"
    after_label: str = "after LoRA"


def _is_exec_call(rec: QueryRecord) -> bool:
    return rec.call.lenient_ok and rec.call.name == "execute_code"


def side(results: ResultsFile) -> Side:
    tool = [q for q in results.queries if q.category == "tool"]
    direct = [q for q in results.queries if q.category == "direct"]
    checks = {}
    for name in CHECKS:
        got = [getattr(q.score, name).passed for q in results.queries]
        checks[name] = (sum(1 for g in got if g), sum(1 for g in got if g is not None))
    return Side(
        tool_queries=len(tool), direct_queries=len(direct),
        calls_lenient=sum(_is_exec_call(q) for q in tool),
        calls_strict=sum(_is_exec_call(q) and q.call.strict_ok for q in tool),
        code_ran=sum(bool(q.execution and q.execution.ok) for q in tool),
        direct_calls=sum(q.call.has_call for q in direct),
        checks=checks, strict_passes=sum(q.score.strict_pass for q in results.queries), n=len(results.queries),
    )


def _state(rec: QueryRecord) -> str:
    call = ("well-formed call" if rec.call.strict_ok else "call" if rec.call.has_call else "no call")
    return f"{call}, {'pass' if rec.score.strict_pass else 'fail'}"


def lora_change(before: ResultsFile, after: ResultsFile) -> LoraChange:
    """Figures before and after LoRA; raises ResultsError when the two runs are not on the same suite."""
    if before.suite_hash != after.suite_hash:
        raise ResultsError(f"the unadapted run ({before.suite_hash[:12]}) and the adapted run "
                           f"({after.suite_hash[:12]}) were made on different suites")
    was = {q.query_id: q for q in before.queries}
    changed = []
    for q in after.queries:
        b = was.get(q.query_id)
        if b is not None and _state(b) != _state(q):
            changed.append(QueryChange(q.query_id, q.category, _state(b), _state(q)))
    return LoraChange(side(before), side(after), changed)


# -- the unadapted run, cached ----------------------------------------------------------------------
def _weights_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*")):
        if p.is_file() and (p.suffix in (".safetensors", ".json")):
            h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def cache_key(cfg: ExperimentConfig, suite: Suite) -> str:
    ev = cfg.evaluation
    base = Path(cfg.resolve_model(cfg.candidate))
    doc = {"weights": _weights_digest(base) if base.is_dir() else str(base), "suite": suite.sha256,
           "family": cfg.candidate.family, "max_tokens": ev.max_tokens, "temperature": ev.temperature,
           "compact_prompt": ev.compact_prompt, "exec_timeout_s": ev.exec_timeout_s}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def unadapted_path(cfg: ExperimentConfig) -> Path:
    """Beside the combined results: where the report looks for the unadapted run."""
    return cfg.resolve(cfg.outputs.results).parent / UNADAPTED_FILE


def unadapted_results(cfg: ExperimentConfig, suite: Suite, suite_path: Path,
                      log: Callable[[str], None] = print, run_id: str | None = None,
                      runner: Callable[..., ResultsFile] | None = None) -> ResultsFile:
    """The unadapted candidate's results on ``suite``: run once, then reused while the base
    weights, the suite and the evaluation settings are unchanged (the key is in the file's notes)."""
    from core.evaluation.suite_run import ModelToTest
    from core.evaluation.targets import identity

    key = cache_key(cfg, suite)
    path = unadapted_path(cfg)
    tag = f"lora_change cache key {key}"
    if path.is_file():
        try:
            earlier = ResultsFile.model_validate_json(path.read_text(encoding="utf-8"))
            if tag in earlier.notes:
                log(f"unadapted candidate: unchanged since {earlier.created}; reusing {path}")
                return earlier
        except ValueError:
            log(f"unadapted candidate: {path} is not a results file; running again")
    base = cfg.resolve_model(cfg.candidate)
    target = ModelToTest(identity("candidate", cfg.candidate, base, None, form="base"), base)
    target = ModelToTest(target.identity.model_copy(update={"role": "unadapted"}), base)
    if runner is None:
        from core.evaluation.suite_run import run_suite

        runner = run_suite
    log(f"unadapted candidate: running the suite once on {base} (what LoRA changed)")
    results = runner(cfg, suite, target, suite_path=suite_path, log=log, run_id=run_id)
    results = results.model_copy(update={"notes": [*results.notes, tag]})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(results.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return results


# -- the report section -----------------------------------------------------------------------------
def _frac(a: int, b: int) -> str:
    return f"{a}/{b}"


def render_section(change: LoraChange) -> list[str]:
    """Markdown lines of the "What LoRA changed" section."""
    b, a = change.before, change.after
    rows = [
        ("`execute_code` calls on tool queries (lenient)", _frac(b.calls_lenient, b.tool_queries),
         _frac(a.calls_lenient, a.tool_queries)),
        ("well-formed calls (strict)", _frac(b.calls_strict, b.tool_queries), _frac(a.calls_strict, a.tool_queries)),
        ("code that ran without an exception", _frac(b.code_ran, b.tool_queries), _frac(a.code_ran, a.tool_queries)),
        ("calls on direct questions", _frac(b.direct_calls, b.direct_queries), _frac(a.direct_calls, a.direct_queries)),
        *[(f"{name} check", _frac(*b.checks[name]), _frac(*a.checks[name])) for name in CHECKS],
        ("strict passes", _frac(b.strict_passes, b.n), _frac(a.strict_passes, a.n)),
    ]
    lines = ["## What LoRA changed", "",
             f"The same suite and settings on the {change.before_label} candidate and {change.after_label} "
             "(the tested, quantized model): does the Code Mode set teach the candidate Code Mode?", "",
             f"| | {change.before_label} | {change.after_label} |", "|---|---|---|"]
    lines += [f"| {what} | {x} | {y} |" for what, x, y in rows]
    if change.changed:
        lines += ["", "Queries whose outcome changed:", ""]
        lines += [f"- `{c.query_id}` ({c.category}): {c.before} → {c.after}" for c in change.changed]
    return lines


def section_for(candidate: ResultsFile, report_paths: dict[str, str] | None) -> list[str]:
    """The report hook: the section when the unadapted run sits beside the combined results, else a
    line saying it was not measured. Never raises."""
    results = (report_paths or {}).get("results")
    path = Path(results).parent / UNADAPTED_FILE if results else None
    if path is None or not path.is_file():
        return ["## What LoRA changed", "", "Not measured: no unadapted run beside the results.", ""]
    try:
        before = ResultsFile.model_validate_json(path.read_text(encoding="utf-8"))
        return [*render_section(lora_change(before, candidate)), ""]
    except (OSError, ValueError) as exc:
        return ["## What LoRA changed", "", f"Not shown: {path}: {exc}", ""]


class LoraPanel(BaseModel):
    """What the Results screen shows for "what LoRA changed": a row a figure, before and after."""

    before_label: str = "unadapted base"
    after_label: str = "after LoRA"
    rows: list[tuple[str, str, str]] = []
    note: str = ""  # set when it could not be measured, saying why


def panel(cfg: ExperimentConfig | None, candidate: Path | None) -> LoraPanel:
    """The unadapted run beside the combined results against the tested candidate's results file."""
    if cfg is None or candidate is None or not candidate.is_file():
        return LoraPanel(note="no candidate results yet")
    path = unadapted_path(cfg)
    if not path.is_file():
        return LoraPanel(note=f"not measured: no unadapted run at {path} (the test 7B stage makes it)")
    try:
        before = ResultsFile.model_validate_json(path.read_text(encoding="utf-8"))
        after = ResultsFile.model_validate_json(candidate.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return LoraPanel(note=f"not shown: {exc}")
    change = lora_change(before, after)
    b, a = change.before, change.after
    rows = [("execute_code calls (lenient)", _frac(b.calls_lenient, b.tool_queries), _frac(a.calls_lenient, a.tool_queries)),
            ("well-formed calls (strict)", _frac(b.calls_strict, b.tool_queries), _frac(a.calls_strict, a.tool_queries)),
            ("code that ran", _frac(b.code_ran, b.tool_queries), _frac(a.code_ran, a.tool_queries)),
            ("calls on direct questions", _frac(b.direct_calls, b.direct_queries), _frac(a.direct_calls, a.direct_queries)),
            *[(f"{name} check", _frac(*b.checks[name]), _frac(*a.checks[name])) for name in CHECKS],
            ("strict passes", _frac(b.strict_passes, b.n), _frac(a.strict_passes, a.n))]
    return LoraPanel(rows=rows)
