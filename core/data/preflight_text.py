"""The preflight report as plain lines, for the terminal and the stage log."""

from __future__ import annotations

from core.data.preflight import PreflightReport
from core.data.problems import Problem, render_list
from core.data.tokencheck import TokenStats


def _markers(t: TokenStats) -> str:
    parts = []
    for marker, pieces in t.markers.items():
        if len(pieces) == 1:
            parts.append(f"{marker} 1 token")
        else:
            parts.append(f"{marker} {len(pieces)} tokens ({' '.join(repr(p) for p in pieces)})")
    return " · ".join(parts)


def token_lines(t: TokenStats) -> list[str]:
    lines = [f"{t.role} ({t.model}): {t.source}"]
    if t.error:
        return lines + [f"    {t.error}"]
    q = t.quantiles()
    lines.append(f"    chat template: {'yes' if t.has_template else 'NO'} · {t.rendered}/{t.rendered + t.failed} "
                 "rows render")
    if q:
        lines.append(f"    tokens per row: min {q['min']} · median {q['median']} · p95 {q['p95']} · max {q['max']} "
                     f"(max_seq_length {t.max_seq_length}: {t.truncated} would be truncated)")
    if t.markers:
        lines.append(f"    markers: {_markers(t)}")
    return lines


def render(report: PreflightReport, limit: int = 40) -> list[str]:
    lines = [f"{report.path}: {report.headline}"]
    if report.total:
        lines.append("  rows: " + " · ".join(f"{report.path.name if s == 'file' else s + '.jsonl'} {n}"
                                            for s, n in report.rows.items()))
        lines.append(f"  balance: {report.tool_rows} tool ({_pct(report.tool_rows, report.total)}) / "
                     f"{report.direct_rows} direct ({_pct(report.direct_rows, report.total)})")
        lines.append("  tools called in execute_code programs (rows): "
                     + " · ".join(f"{k} {v}" for k, v in report.per_tool.items()))
        lines.append("  tool calls per row: " + " · ".join(f"{k}: {v}" for k, v in sorted(report.calls_per_row.items())))
        lines.append(f"  duplicates: {report.duplicates} exact · {report.near_duplicates} valid rows near-duplicate "
                     "a train row")
    if report.masked_calls:
        lines.append(f"  mask_prompt: {report.masked_calls} rows call a tool before their last turn; training "
                     "splits each into one row per assistant turn, so the call and the answer are both trained")
    for t in report.tokens:
        lines.extend("  " + ln for ln in token_lines(t))
    if report.problems.warnings:
        lines.append(f"warnings ({len(report.problems.warnings)}):")
        lines.extend(render_list(ordered(report.problems.warnings), limit))
    if report.problems.errors:
        lines.append(f"errors ({len(report.problems.errors)}): nothing was changed; fix these and run again")
        lines.extend(render_list(ordered(report.problems.errors), limit))
    return lines


def ordered(problems: list[Problem]) -> list[Problem]:
    """By file, then line (file-level problems first); the order found is kept otherwise."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"
