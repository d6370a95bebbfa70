"""What every main screen shares: the top bar, the footer, and being told when the run changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from tui.view import RunView
from tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from tui.app import Phase25App


class RunScreen(Screen[None]):
    """A screen that shows (part of) the displayed run. ``show_run`` gets the events that just
    arrived, or None for a full redraw (on resume, or when another run is shown)."""

    MODE = ""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    @property
    def p25(self) -> Phase25App:
        return cast("Phase25App", self.app)

    def on_screen_resume(self) -> None:
        self.show_run(self.p25.view, None)

    def show_run(self, view: RunView, batch: list[Any] | None) -> None:
        for bar in self.query(TopBar):
            bar.show(view)
