"""The markdown comparison report (``outputs.report``) rendered from the combined results document."""

from __future__ import annotations

from core.evaluation.compare import predicted_ratios
from core.evaluation.deliverables import Phase25Results, fmt_bytes, fmt_num, fmt_pct, stale_parity
from core.evaluation.generalisation import workspace_lines
from core.evaluation.judge import judge_lines
from core.evaluation.lora_change import section_for
from core.evaluation.predict import format_params
from core.evaluation.schema import CHECKS, QueryRecord, ResultsFile
from core.evaluation.training_data import training_lines
from core.evaluation.verdict_md import (
    passes_words,
    physics_lines,
    power_lines,
    routing_lines,
    scope_lines,
    tentative_lines,
)

DEMO_WARNING = ("**Demo run.** Both models are tiny stand-ins built locally (a few hundred thousand "
                "parameters); their scores and speeds say nothing about Qwen2.5-Coder-7B or Qwen3-30B-A3B. "
                "This report only shows that the pipeline and its measurements work end to end.")


def _mark(v: bool | None) -> str:
    return "✓" if v is True else ("✗" if v is False else "–")


def _ratio(x: float | None) -> str:
    return f"{x:.2f}x" if x is not None else "unknown"


def _model_rows(doc: Phase25Results) -> list[str]:
    rows = ["| role | name | loaded from | form | bits | size on disk |", "|---|---|---|---|---|---|"]
    for res in (doc.candidate, doc.baseline):
        m = res.model
        src = m.path + (f" + adapter {m.adapter_path}" if m.adapter_path else "")
        reused = f" (reused from {res.reused_from})" if res.reused_from else ""
        rows.append(f"| {m.role} | {m.name} | `{src}`{reused} | {m.form} | {m.bits or 16} | "
                    f"{fmt_bytes(m.size_on_disk_bytes)} |")
    return rows


def _check_rows(doc: Phase25Results) -> list[str]:
    c, b = doc.candidate.aggregates, doc.baseline.aggregates
    rows = ["| check | candidate | baseline |", "|---|---|---|"]
    for name in CHECKS:
        rows.append(f"| {name} | {c.checks[name][0]}/{c.checks[name][1]} | {b.checks[name][0]}/{b.checks[name][1]} |")
    rows.append(f"| format, lenient parse (reported beside) | {c.lenient_format_passes}/{c.checks['format'][1]} | "
                f"{b.lenient_format_passes}/{b.checks['format'][1]} |")
    for label, key in (("tool recall", "tool_recall"), ("direct specificity", "direct_specificity"),
                       ("balanced accuracy", "balanced_accuracy")):
        rows.append(f"| {label} | {fmt_pct(getattr(c, key))} | {fmt_pct(getattr(b, key))} |")
    return rows


def _confusion(res: ResultsFile) -> list[str]:
    k = res.aggregates.confusion
    return [f"**{res.model.role}** | called | answered in text",
            "---|---|---",
            f"tool query ({k.tool_called + k.tool_missed}) | {k.tool_called} | {k.tool_missed}",
            f"direct question ({k.direct_called + k.direct_answered}) | {k.direct_called} | {k.direct_answered}",
            ""]


def _query_rows(doc: Phase25Results) -> list[str]:
    base = doc.baseline.by_id()
    head = ("| query | kind | 7B F | D | T | Q | 7B | 30B F | D | T | Q | 30B | class |")
    rows = [head, "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for q in doc.candidate.queries:
        b = base.get(q.query_id)
        cc = q.score.checks()
        bc = b.score.checks() if b else {}
        bpass = _mark(b.score.strict_pass) if b else "–"
        rows.append(
            f"| {q.query_id} | {q.category} | " + " | ".join(_mark(cc[n]) for n in CHECKS)
            + f" | **{_mark(q.score.strict_pass)}** | " + " | ".join(_mark(bc.get(n)) for n in CHECKS)
            + f" | **{bpass}** | {doc.comparison.classes.get(q.query_id, '–')} |"
        )
    return rows


def _evidence(rec: QueryRecord) -> list[str]:
    out = []
    for name in CHECKS:
        check = getattr(rec.score, name)
        if check.passed is False:
            out.append(f"  - {name}: " + "; ".join(check.evidence[:6]))
    return out


def _failures(res: ResultsFile) -> list[str]:
    lines = []
    for rec in res.queries:
        ev = _evidence(rec)
        if ev:
            lines.append(f"- `{rec.query_id}`")
            lines.extend(ev)
    return lines or ["- every query passed every applicable check"]


def _speed_rows(doc: Phase25Results) -> list[str]:
    rows = ["| measured | candidate | baseline | candidate / baseline |", "|---|---|---|---|"]
    for r in doc.comparison.measured:
        rows.append(f"| {r.metric} | {fmt_num(r.candidate, r.unit)} | {fmt_num(r.baseline, r.unit)} | {_ratio(r.ratio)} |")
    return rows


def _speed_lines(doc: Phase25Results) -> list[str]:
    seed = doc.comparison.seed_expectations
    by = {r.metric: r for r in doc.comparison.measured}
    tps = next((r for m, r in by.items() if m.startswith("generation tokens/s")), None)
    mem = next((r for m, r in by.items() if m.startswith("peak memory")), None)
    speed = _ratio(tps.ratio) if tps else "unknown"
    saving = f"{1 - mem.ratio:.0%}" if mem and mem.ratio is not None else "unknown"
    lines = [f"The seed expected the 7B to be {seed['speedup_low']:g}-{seed['speedup_high']:g}x faster and to use "
             f"{seed['memory_saving']:.0%} less memory. Measured here: {speed} the baseline's tokens/s and "
             f"{saving} less peak memory."]
    speed_pred, mem_pred = predicted_ratios(doc.comparison)
    if speed_pred is not None and mem_pred is not None:
        lines.append(f"Physics predicts, for the real models at the tested bits: {speed_pred:.2f}x the 30B's decode "
                     f"ceiling (the dense 7B reads every weight per token, the 30B-A3B only its active experts) and "
                     f"{1 - mem_pred:.0%} less weight memory.")
    return lines


def _predicted_rows(doc: Phase25Results) -> list[str]:
    rows = ["| role | figures for | params (total / active) | bits | weights | read per token | "
            "decode ceiling | measured tok/s | measured peak memory |",
            "|---|---|---|---|---|---|---|---|---|"]
    measured = {"candidate": doc.candidate.aggregates, "baseline": doc.baseline.aggregates}
    for p in doc.comparison.predicted:
        a = measured.get(p.role)
        rows.append(
            f"| {p.role} | {p.what} | {format_params(p.total_params)} / {format_params(p.active_params)} | "
            f"{p.bits or 16} | {fmt_bytes(p.weight_bytes)} | {fmt_bytes(p.bytes_per_token)} | "
            f"{p.decode_tps_ceiling:.0f} tok/s at {p.bandwidth_gb_s:g} GB/s | "
            f"{fmt_num(a.generation_tps_mean if a else None, 'tok/s')} | {fmt_bytes(a.peak_memory_bytes if a else None)} |"
        )
    return rows


def _parity_lines(doc: Phase25Results) -> list[str]:
    parity = doc.parity
    if not parity:
        return ["Parity was not run in this run (no decision file); the candidate is the configured "
                "quantized model."]
    suite = parity.get("suite_hash")
    rows = [f"Decision made by run `{parity.get('run_id', 'unknown')}`"
            + (f" on suite `{suite[:12]}`" if suite else "") + ".", ""]
    stale = stale_parity(doc)
    if stale:
        rows += [f"> **Warning:** {stale}.", ""]
    rows += ["| variant | strict passes | lost against f16 |", "|---|---|---|"]
    for name, v in (parity.get("variants") or {}).items():
        lost = ", ".join(v.get("lost") or []) or "none"
        rows.append(f"| {name} | {v.get('strict_passes')}/{v.get('n')} | {lost if name.startswith('q') else '–'} |")
    rows += ["", f"**Decision:** {parity.get('chosen_bits')}-bit ({parity.get('chosen_path')}). "
                 f"{parity.get('reason', '')}"]
    return rows


def render_markdown(doc: Phase25Results, report_paths: dict[str, str] | None = None) -> str:
    v = doc.comparison.verdict
    c, b = doc.candidate, doc.baseline
    ratio = f"{v.ratio:.2f}" if v.ratio is not None else "undefined"
    lines = [f"# Phase 25: {c.model.name} vs {b.model.name}", ""]
    if doc.demo:
        lines += [f"> {DEMO_WARNING}", ""]
    lines += [
        f"Run `{doc.run_id}`, {doc.created}. Experiment `{doc.experiment}`.",
        "",
        "## Verdict",
        "",
        f"**{v.label}**: the candidate passed {passes_words(doc.comparison, doc.candidate.aggregates)} ({fmt_pct(v.candidate_accuracy)}), the "
        f"baseline {passes_words(doc.comparison, doc.baseline.aggregates, baseline=True)} ({fmt_pct(v.baseline_accuracy)}); ratio {ratio} ({v.reason}).",
        *tentative_lines(doc.comparison),
        "",
        f"Bands: ratio >= {v.primary:.2f} means 7B primary; {v.split:.2f} to {v.primary:.2f} means split by use "
        f"case; below {v.split:.2f} means stay on 30B.",
        f"Partial credit (share of applicable checks passed, a second figure only): candidate "
        f"{fmt_pct(c.aggregates.partial_credit)}, baseline {fmt_pct(b.aggregates.partial_credit)}.",
        "",
        *scope_lines(doc.comparison),
        "",
        "### Power: would another run land in the same band?",
        "",
        *power_lines(doc.comparison),
        "",
        "## Routing the split outcome",
        "",
        "From the two models' per-query results (no new generation).",
        "",
        *routing_lines(doc.comparison),
        "",
        "## Models",
        "",
        *_model_rows(doc),
        "",
        "## Training data",
        "",
        *training_lines(doc.training),
        "",
        "## Checks",
        "",
        "Format: strict parse of the `execute_code` call (tool queries). Discrimination: a call on a tool "
        "query, none on a direct one. Typed: the code calls the expected tools, reads only fields of the "
        "result models, never subscripts one, and runs without an exception. Quality: the expected facts "
        "and no unsupported numbers (tool queries), the rubric (direct questions).",
        "",
        *_check_rows(doc),
        "",
        *judge_lines({"candidate": c.queries, "baseline": b.queries}),
        *_confusion(c),
        *_confusion(b),
        "## All 20 queries",
        "",
        "F format, D discrimination, T typed, Q quality; ✓ pass, ✗ fail, – not applicable. "
        "Class compares the strict passes: fixed (7B passes, 30B fails), regressed, both pass, both fail. "
        f"Counts: {', '.join(f'{k} {n}' for k, n in doc.comparison.class_counts.items())}.",
        "",
        *_query_rows(doc),
        "",
        "### Why the candidate failed",
        "",
        *_failures(c),
        "",
        "### Why the baseline failed",
        "",
        *_failures(b),
        "",
        *section_for(c, report_paths),
        *workspace_lines(doc),
        "## Speed and memory, measured side by side",
        "",
        *_speed_rows(doc),
        "",
        *_speed_lines(doc),
        "",
        "## Where the seed's speed and memory claims stand",
        "",
        *physics_lines(doc.comparison.physics),
        "",
        "## Predicted against measured",
        "",
        "Predicted from each config.json: parameters from the architecture, weight bytes at the tested bits "
        "(quantized weights carry a 16-bit scale and bias per group), and the decode ceiling = memory "
        "bandwidth / bytes read per token (active parameters for the MoE).",
        "",
        *_predicted_rows(doc),
        "",
    ]
    if doc.demo:
        lines += ["On the demo the measurements come from MLX's CPU backend, not the configured bandwidth, so "
                  "the ceilings are not comparable with them; the real-model rows are what to expect on the Mac.",
                  ""]
    lines += ["## Quantization parity", "", *_parity_lines(doc), ""]
    for note in doc.comparison.notes + ([doc.comparison.bits_note] if doc.comparison.bits_note else []) + c.notes[:1]:
        lines.append(f"- {note}")
    lines += [
        "",
        "## Provenance",
        "",
        f"- config hash: `{doc.config_hash}`",
        f"- data hash: `{doc.data_hash}`",
        f"- suite hash: `{doc.suite_hash}`",
        f"- settings: max_tokens {c.settings.max_tokens}, temperature {c.settings.temperature}, batch size "
        f"{c.settings.batch_size}, {'compact' if c.settings.compact_prompt else 'full'} system prompt "
        f"({c.settings.system_prompt_tokens} tokens for the candidate, {b.settings.system_prompt_tokens} for "
        f"the baseline, prefilled once each)",
        *[f"- model-written code ({r.model.role}): {_confinement(r)}" for r in (c, b)],
    ]
    for k, p in (report_paths or {}).items():
        lines.append(f"- {k}: `{p}`")
    return "\n".join(lines) + "\n"


def _confinement(results: ResultsFile) -> str:
    """How the suite run confined the model's code, as the results file recorded it."""
    if results.reused_from:
        return f"as recorded in {results.reused_from}: {results.settings.confinement or 'not recorded'}"
    return results.settings.confinement or "not recorded (a results file from before confinement was recorded)"
