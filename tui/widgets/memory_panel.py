"""The live memory panel: MLX active and peak memory, the stage process tree's RSS and the system's
used memory over time (sparklines), and the peak of each stage in a small table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from core import events as ev
from core.stages import BY_NAME, STAGE_NAMES
from tui import fmt
from tui.view import RunView

SERIES = (
    ("rss", "RSS", "process", "rss_bytes"),
    ("mlx-active", "MLX active", "mlx", "mlx_active_bytes"),
    ("mlx-peak", "MLX peak", "mlx", "mlx_peak_bytes"),
    ("system", "system used", "process", "system_used_bytes"),
)


def series(samples: Sequence[ev.MemorySample], source: str, attr: str, last: int) -> list[float]:
    """The last ``last`` values of one measure (scanning back from the newest sample)."""
    out: list[float] = []
    for s in reversed(samples):
        if s.source == source:
            v = getattr(s, attr, None)
            if v is not None:
                out.append(float(v))
                if len(out) >= last:
                    break
    out.reverse()
    return out


def peak_rows(view: RunView) -> list[tuple[str, str, str]]:
    rows = []
    for name in STAGE_NAMES:
        st = view.state.stages.get(name)
        if st is None or (not st.peak_rss and not st.peak_mlx):
            continue
        rows.append((BY_NAME[name].title, fmt.nbytes(st.peak_rss), fmt.nbytes(st.peak_mlx)))
    return rows


def peak_table(rows: list[tuple[str, str, str]]) -> Table:
    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold dim", expand=False)
    t.add_column("stage")
    t.add_column("peak RSS", justify="right")
    t.add_column("peak MLX", justify="right")
    for row in rows:
        t.add_row(*row)
    if not t.row_count:
        t.add_row(Text("no memory samples yet", style="dim"), "", "")
    return t


class MemoryPanel(Vertical):
    _peaks: list[tuple[str, str, str]] | None = None

    DEFAULT_CSS = """
    MemoryPanel { height: 1fr; }
    MemoryPanel .mem-row { height: 1; }
    MemoryPanel .mem-label { width: 12; color: $text-muted; }
    MemoryPanel Sparkline { width: 1fr; height: 1; }
    MemoryPanel .mem-value { width: 24; text-align: right; }
    MemoryPanel #mem-peaks { height: auto; padding: 1 0 0 0; }
    """

    def compose(self) -> ComposeResult:
        for key, label, _, _ in SERIES:
            with Horizontal(classes="mem-row"):
                yield Static(label, classes="mem-label")
                yield Sparkline([], id=f"spark-{key}")
                yield Static(fmt.UNKNOWN, id=f"val-{key}", classes="mem-value")
        yield Static(id="mem-peaks")

    def show(self, view: RunView) -> None:
        samples = view.state.memory
        width = max(10, self.size.width - 36)
        for key, _label, source, attr in SERIES:
            data = series(samples, source, attr, width)
            self.query_one(f"#spark-{key}", Sparkline).data = data
            if data:
                text = f"{fmt.nbytes(data[-1])}  max {fmt.nbytes(max(data))}"
            else:
                text = fmt.UNKNOWN
            self.query_one(f"#val-{key}", Static).update(text, layout=False)
        peaks = peak_rows(view)
        if peaks != self._peaks:  # its height may change: a relayout, but only when it does
            self._peaks = peaks
            self.query_one("#mem-peaks", Static).update(peak_table(peaks))
