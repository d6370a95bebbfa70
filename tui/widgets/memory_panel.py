"""The live memory panel: MLX active and peak memory, the stage process tree's RSS and the system's
used memory over time (sparklines), and the peak of each stage in a small table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Sparkline, Static

from core import events as ev
from core.pipeline import BY_NAME, STAGE_NAMES
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


PEAK_COLUMN_W = 30  # one stage/peak RSS/peak MLX table and the gap after it


def _one_table(rows: list[tuple[str, str, str]]) -> Table:
    t = Table(box=None, pad_edge=False, show_edge=False, header_style="bold dim", expand=False)
    t.add_column("stage")
    t.add_column("peak RSS", justify="right")
    t.add_column("peak MLX", justify="right")
    for row in rows:
        t.add_row(*row)
    if not t.row_count:
        t.add_row(Text("no memory samples yet", style="dim"), "", "")
    return t


def peak_table(rows: list[tuple[str, str, str]], columns: int = 1) -> Table:
    """The per-stage peaks, split over ``columns`` tables side by side (stage order runs down each)."""
    columns = max(1, min(columns, len(rows)))
    if columns == 1:
        return _one_table(rows)
    per = -(-len(rows) // columns)
    grid = Table.grid(padding=(0, 3))
    for _ in range(columns):
        grid.add_column()
    grid.add_row(*(_one_table(rows[i:i + per]) for i in range(0, len(rows), per)))
    return grid


def peak_columns(n_rows: int, width: int, height: int) -> int:
    """How many tables side by side show ``n_rows`` stages in ``height`` lines (a header each), as
    many as ``width`` allows; whatever still does not fit scrolls."""
    room = max(1, height - 1)
    wanted = -(-n_rows // room)
    return max(1, min(wanted, (width + 3) // PEAK_COLUMN_W))


class MemoryPanel(Vertical):
    _peaks: tuple[list[tuple[str, str, str]], int] | None = None

    DEFAULT_CSS = """
    MemoryPanel { height: 1fr; }
    MemoryPanel .mem-row { height: 1; }
    MemoryPanel .mem-label { width: 12; color: $text-muted; }
    MemoryPanel Sparkline { width: 1fr; height: 1; }
    MemoryPanel .mem-value { width: 24; text-align: right; }
    MemoryPanel #mem-peaks-box { height: 1fr; margin: 1 0 0 0; scrollbar-size-vertical: 1; }
    MemoryPanel #mem-peaks { height: auto; }
    """

    def compose(self) -> ComposeResult:
        for key, label, _, _ in SERIES:
            with Horizontal(classes="mem-row"):
                yield Static(label, classes="mem-label")
                yield Sparkline([], id=f"spark-{key}")
                yield Static(fmt.UNKNOWN, id=f"val-{key}", classes="mem-value")
        with VerticalScroll(id="mem-peaks-box", can_focus=False):
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
        self._draw_peaks(peak_rows(view))

    def _draw_peaks(self, peaks: list[tuple[str, str, str]]) -> None:
        size = self.content_size
        columns = peak_columns(len(peaks), size.width, size.height - len(SERIES) - 1)
        if (peaks, columns) != self._peaks:  # its height may change: a relayout, but only when it does
            self._peaks = (peaks, columns)
            self.query_one("#mem-peaks", Static).update(peak_table(peaks, columns))

    def on_resize(self) -> None:
        """Shown (a narrow screen's m), or the screen resized: as many columns as now fit."""
        if self._peaks is not None:
            self._draw_peaks(self._peaks[0])
