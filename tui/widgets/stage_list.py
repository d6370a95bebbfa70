"""The stage list: each stage's state (colour-coded), duration and one key figure."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from core.pipeline import BY_NAME, STAGE_NAMES
from core.state import StageState
from tui import fmt
from tui.view import RunView


def key_figure(st: StageState) -> str:
    if st.status == "failed":
        first = (st.reason.splitlines() or [""])[0]
        return first or (f"exit code {st.exit_code}" if st.exit_code is not None else "failed")
    if st.status == "cancelled":
        return st.headline or "cancelled"
    if st.status == "running" and st.progress is not None and not st.headline:
        p = st.progress
        return f"{p.current}/{p.total}" if p.total else str(p.current)
    return st.headline


class StageList(DataTable[Text]):
    DEFAULT_CSS = """
    StageList { height: auto; max-height: 12; }
    """

    def __init__(self, **kw: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_cursor=True, **kw)  # type: ignore[arg-type]
        self.figure_width = 48
        self._cells: dict[tuple[str, str], tuple[object, ...]] = {}
        self._view: RunView | None = None
        self._shown_at_width = -1

    @property
    def drawn_at_current_width(self) -> bool:
        """Whether the result column was last sized and cut for the width the table has now."""
        return self._view is None or self._shown_at_width == self.size.width

    def on_mount(self) -> None:
        self.add_column("stage", key="stage", width=9)
        self.add_column("status", key="status", width=11)
        self.add_column("time", key="time", width=7)
        self.add_column("result", key="result", width=self.figure_width)
        for name in STAGE_NAMES:
            self.add_row(Text(BY_NAME[name].title), Text(""), Text(""), Text(""), key=name)

    @property
    def selected(self) -> str:
        row = self.cursor_row if 0 <= self.cursor_row < len(STAGE_NAMES) else 0
        return STAGE_NAMES[row]

    def select(self, name: str) -> None:
        if name in STAGE_NAMES:
            self.move_cursor(row=STAGE_NAMES.index(name))

    def on_resize(self) -> None:
        # The result column is cut to the width the table had when it was last drawn: a first
        # draw during layout (a narrow width) must not stay once the real width is known.
        if self._view is not None:
            self.show(self._view)

    def show(self, view: RunView) -> None:
        self._view = view
        self._shown_at_width = self.size.width
        now = view.now()
        # the other three columns (27) and every cell's padding (2 x 4), and the scrollbar gutter
        width = max(16, self.size.width - 37) if self.size.width else self.figure_width
        self._size_result_column(width)
        for name in STAGE_NAMES:
            st, earlier = view.stage_state(name)
            status: str = st.status
            if earlier and status == "running":
                status = "interrupted"
            dim = " dim" if earlier else ""
            status_cell = fmt.status_text(status)
            if earlier:
                status_cell.stylize("dim")
            figure = fmt.truncate(key_figure(st), width)
            if earlier and figure:
                figure = fmt.truncate(figure, width - 10) + " (earlier)"
            elif earlier:
                figure = "(earlier run)"
            style = ("red" if st.status == "failed" else "") + dim
            time_cell = Text(fmt.duration(st.elapsed(now)) if st.started or st.duration_s else "",
                             style="dim" if earlier else "")
            self._set(name, "status", status_cell)
            self._set(name, "time", time_cell)
            self._set(name, "result", Text(figure, style=style.strip()))
            self._set(name, "stage", Text(BY_NAME[name].title, style="bold" if status == "running" else dim.strip()))

    def _size_result_column(self, width: int) -> None:
        """The result column takes the width the table has (a fixed width: it does not wait for
        the table to measure its cells, so a first draw at a narrow width never stays)."""
        column = self.columns.get(ColumnKey("result"))
        if column is not None and column.width != width:
            column.width = width
            self._require_update_dimensions = True
            self.refresh()

    def _set(self, row: str, col: str, value: Text) -> None:
        """Update a cell only when what it shows changed (each update costs a relayout)."""
        key = (value.plain, str(value.style), tuple(value.spans))
        if self._cells.get((row, col)) == key:
            return
        self._cells[(row, col)] = key
        self.update_cell(row, col, value)
