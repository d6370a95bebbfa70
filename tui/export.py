"""Export the Results screen as Markdown: the summary line and the table, as shown."""

from __future__ import annotations

from core.config import ExperimentConfig
from core.state import RunState
from tui.results_data import BAND_WORDS, CHECK_ORDER, MODELS, SHORT, Row, build_rows, summarize

UNKNOWN = "–"


def _mark(v: object) -> str:
    return "✓" if v is True else "✗" if v is False else UNKNOWN


def _num(v: float | None, spec: str) -> str:
    return UNKNOWN if v is None else f"{v:{spec}}"


def results_markdown(state: RunState, cfg: ExperimentConfig | None) -> str:
    rows, source = build_rows(state, cfg)
    s = summarize(state, rows, cfg)
    lines = [f"# Results · run {state.run_id or UNKNOWN}", ""]
    if cfg is not None and cfg.experiment.demo:
        lines += ["> DEMO: tiny stand-in models; these scores say nothing about the real models.", ""]
    for m in MODELS:
        p, n = s.passes[m]
        acc = UNKNOWN if s.accuracy[m] is None else f"{s.accuracy[m] * 100:.0f}%"  # type: ignore[operator]
        lines.append(f"- {SHORT[m]} ({m}): {acc} ({p:g}/{n} strict passes)")
    lines.append(f"- ratio: {_num(s.ratio, '.2f')} · verdict: {BAND_WORDS.get(s.band or '', UNKNOWN)}"
                 + (f" ({s.reason})" if s.reason else ""))
    sh = s.shown
    if sh.interval is not None:
        lines.append(f"- 95% interval {sh.interval[0]:.2f}-{sh.interval[1]:.2f}, margin up "
                     f"{_num(sh.margin_up, 'd')} / down {_num(sh.margin_down, 'd')} queries"
                     + (f" · {sh.tentative}" if sh.tentative else ""))
    lines.append(f"- speed 7B/30B: {_num(s.speed_measured, '.2f')} measured, {_num(s.speed_predicted, '.2f')} predicted")
    lines.append(f"- memory 7B/30B: {_num(s.memory_measured, '.2f')} measured, "
                 f"{_num(s.memory_predicted, '.2f')} predicted")
    lines.append(f"- source: {source or UNKNOWN}" + (f"; verdict: {s.origin}" if s.origin else ""))
    lines.append("")
    head = ["id", "category", "query"]
    for m in MODELS:
        head += [f"{SHORT[m]} {'/'.join(CHECK_ORDER)}", f"{SHORT[m]} pass", f"{SHORT[m]} latency s",
                 f"{SHORT[m]} tok/s"]
    head.append("class")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in rows:
        lines.append("| " + " | ".join(_cells(r)) + " |")
    return "\n".join(lines) + "\n"


def _cells(r: Row) -> list[str]:
    cells = [r.query_id, r.category or UNKNOWN, r.prompt.replace("|", "\\|").replace("\n", " ")[:80]]
    for m in MODELS:
        res = r.results.get(m)
        cells.append("".join(_mark(res.checks.get(c)) if res else UNKNOWN for c in CHECK_ORDER))
        cells.append(UNKNOWN if res is None or res.passed is None else ("pass" if res.passed else "fail"))
        cells.append(_num(res.latency_s if res else None, ".2f"))
        cells.append(_num(res.tps if res else None, ".1f"))
    cells.append(r.klass)
    return cells
