"""The Query diff screen: one query, both models side by side. Their responses and code are
diffed line by line (difflib), the code is syntax-highlighted, and each check shows its evidence,
followed by the tool output, the final answers and the timings. n/p (or j/k) step through the
rows the Results screen showed."""

from __future__ import annotations

import difflib

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui import fmt
from tui.results_data import CHECK_ORDER, MODELS, SHORT, ModelResult, QueryRecord, Row
from tui.widgets.topbar import TopBar

OLD = "on #4a1d1d"
NEW = "on #1d3f24"
MAX_TOOL_LINES = 40


def changed_lines(a: list[str], b: list[str]) -> tuple[set[int], set[int]]:
    """Indices of the lines of ``a`` and of ``b`` that are not in the other (difflib opcodes)."""
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    da: set[int] = set()
    db: set[int] = set()
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            da.update(range(i1, i2))
            db.update(range(j1, j2))
    return da, db


def marked(lines: list[str], changed: set[int], side: str) -> Text:
    """Lines with a gutter: '-'/'+' and a tinted background where the other side differs."""
    t = Text()
    mark, style = ("-", OLD) if side == "left" else ("+", NEW)
    for i, ln in enumerate(lines):
        if i in changed:
            t.append(f"{mark} ", style=f"bold {style}")
            t.append(ln or " ", style=style)
        else:
            t.append("  " + ln, style="")
        t.append("\n")
    t.rstrip()
    return t


def response_text(rec: QueryRecord | None) -> str:
    return rec.rounds[0].text if rec is not None and rec.rounds else ""


def code_of(rec: QueryRecord | None) -> str:
    if rec is None:
        return ""
    return (rec.execution.code if rec.execution is not None else rec.call.code) or ""


def tool_output(rec: QueryRecord | None) -> str:
    if rec is None or rec.execution is None:
        return ""
    import json

    return rec.execution.response or json.dumps(rec.execution.result, indent=1)


def section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def checks_block(r: ModelResult) -> Text:
    t = Text()
    for name in CHECK_ORDER:
        check = getattr(r.record.score, name) if r.record is not None else None
        t.append_text(fmt.check_mark(r.checks.get(name, check.passed if check else None)))
        t.append(f" {name}\n", style="bold")
        for line in check.evidence if check else []:
            t.append(f"    {line}\n", style="dim")
    t.rstrip()
    return t


def timings(r: ModelResult) -> Text:
    m = r.record.measurements if r.record is not None else None
    pairs = [
        ("latency", fmt.num(r.latency_s if r.latency_s is not None else m and m.latency_s, ".2f", " s")),
        ("first token", fmt.num(m.ttft_s if m else None, ".2f", " s")),
        ("tok/s", fmt.num(r.tps if r.tps is not None else m and m.generation_tps, ".1f")),
        ("tool run", fmt.num(m.exec_s if m else None, ".2f", " s")),
        ("prompt tok", fmt.num(m.prompt_tokens if m else None, "d")),
        ("generated tok", fmt.num(m.generated_tokens if m else None, "d")),
    ]
    if r.samples > 1 and r.pass_rate is not None:
        pairs.append(("pass rate", f"{r.pass_rate:.0%} of {r.samples} samples"))
    t = Text()
    for k, v in pairs:
        t.append(f"{k:>14} ", style="dim")
        t.append(f"{v}\n")
    t.rstrip()
    return t


def column(model: str, row: Row, other: ModelResult | None, side: str) -> RenderableType:
    r = row.results.get(model)
    head = Text(f"{SHORT[model]} · {model}  ", style="bold")
    if r is None:
        head.append("no result", style="dim")
        return Group(head)
    head.append_text(Text("PASS", style="bold black on green") if r.passed else
                     Text("FAIL", style="bold white on red") if r.passed is False else Text("–"))
    parts: list[RenderableType] = [head, section("checks"), checks_block(r)]
    mine, theirs = response_text(r.record), response_text(other.record if other else None)
    a, b = mine.splitlines(), theirs.splitlines()
    changed = changed_lines(a, b)[0] if side == "left" else changed_lines(b, a)[1]
    parts += [section("response"), marked(a, changed, side) if a else Text(fmt.UNKNOWN, style="dim")]
    code, other_code = code_of(r.record), code_of(other.record if other else None)
    if code:
        ca, cb = code.splitlines(), other_code.splitlines()
        cchanged = changed_lines(ca, cb)[0] if side == "left" else changed_lines(cb, ca)[1]
        parts += [section("execute_code"),
                  Syntax(code, "python", theme="monokai", line_numbers=True, word_wrap=True,
                         highlight_lines={i + 1 for i in cchanged})]
    out = tool_output(r.record)
    if out:
        lines = out.splitlines()
        shown = "\n".join(lines[:MAX_TOOL_LINES]) + (f"\n… {len(lines) - MAX_TOOL_LINES} more lines"
                                                      if len(lines) > MAX_TOOL_LINES else "")
        parts += [section("tool output"), Text(shown, style="italic")]
        confined = (r.record.execution.result or {}).get("confinement") if r.record and r.record.execution else None
        parts.append(Text(f"ran confined: {confined}" if confined else "confinement not recorded", style="dim"))
    fa = r.record.final_answer if r.record is not None else ""
    fb = other.record.final_answer if other is not None and other.record is not None else ""
    la, lb = fa.splitlines(), fb.splitlines()
    fchanged = changed_lines(la, lb)[0] if side == "left" else changed_lines(lb, la)[1]
    parts += [section("final answer"), marked(la, fchanged, side) if la else Text(fmt.UNKNOWN, style="dim")]
    parts += [section("timings"), timings(r)]
    return Group(*parts)


def header(row: Row, pos: int, total: int) -> Text:
    t = Text()
    t.append(f" {row.query_id} ", style="bold reverse")
    t.append(f"  {row.category or fmt.UNKNOWN}", style="bold")
    t.append(f"   {pos + 1}/{total}   ", style="dim")
    t.append(row.klass, style="bold")
    t.append("\n" + (row.prompt or fmt.UNKNOWN))
    if row.expected_tools:
        t.append("\nexpected tools: ", style="dim")
        t.append(", ".join(row.expected_tools))
    for f in row.facts:
        t.append("\nfact ", style="dim")
        t.append(f"{f.name} = {f.value!r}")
    if row.rubric:
        t.append("\nrubric: ", style="dim")
        t.append(row.rubric)
    return t


class DiffScreen(Screen[None]):
    BINDINGS = [
        Binding("n,j", "step(1)", "Next", tooltip="the next query of the filtered list"),
        Binding("p,k", "step(-1)", "Prev", tooltip="the previous query"),
        Binding("escape,backspace", "app.pop_screen", "Back", tooltip="back to the results"),
    ]
    DEFAULT_CSS = """
    DiffScreen #diff-header { padding: 0 1; background: $boost; height: auto; }
    DiffScreen #diff-body { height: 1fr; }
    DiffScreen #diff-columns { height: auto; }
    DiffScreen .diff-col { width: 1fr; height: auto; padding: 0 1; }
    DiffScreen #col-candidate { border-right: vkey $primary-darken-2; }
    """

    def __init__(self, rows: list[Row], index: int) -> None:
        super().__init__()
        self.rows, self.index = rows, index

    def compose(self) -> ComposeResult:
        yield TopBar("results")
        yield Static(id="diff-header")
        with VerticalScroll(id="diff-body"):
            with Horizontal(id="diff-columns"):
                yield Static(id="col-candidate", classes="diff-col")
                yield Static(id="col-baseline", classes="diff-col")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TopBar).show(getattr(self.app, "view", None))
        self.show()

    @property
    def row(self) -> Row:
        return self.rows[self.index]

    def show(self) -> None:
        row = self.row
        self.query_one("#diff-header", Static).update(header(row, self.index, len(self.rows)))
        cand, base = row.results.get(MODELS[0]), row.results.get(MODELS[1])
        self.query_one("#col-candidate", Static).update(column(MODELS[0], row, base, "left"))
        self.query_one("#col-baseline", Static).update(column(MODELS[1], row, cand, "right"))
        self.query_one("#diff-body").scroll_home(animate=False)

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.rows)
        self.show()
