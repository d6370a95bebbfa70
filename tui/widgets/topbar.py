"""The bar at the top of every screen: the screens (click or press 1-4), the run shown, and a
plain DEMO marker when the config is the demo's tiny stand-in models."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from tui import fmt
from tui.view import RunView

SCREENS = (("pipeline", "Pipeline"), ("results", "Results"), ("runs", "Runs"), ("config", "Config"))


class TopBar(Static):
    DEFAULT_CSS = """
    TopBar { dock: top; height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, active: str, **kw: object) -> None:
        super().__init__("", **kw)  # type: ignore[arg-type]
        self.active = active
        self._view: RunView | None = None
        self._shown: tuple[object, ...] = ()

    def on_mount(self) -> None:
        self.redraw()

    def show(self, view: RunView | None) -> None:
        self._view = view
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        app = self.app
        width = self.size.width or 80
        left = Text()
        left.append(" phase25 ", style="bold reverse")
        left.append(" ")
        for i, (mode, label) in enumerate(SCREENS, start=1):
            style = "bold underline" if mode == self.active else "dim"
            name = f"{i} {label}"
            left.append(name, style=Style.parse(style) + Style(meta={"@click": f"app.show('{mode}')"}))
            left.append(" ")
        right = Text()
        demo = bool(getattr(app, "demo", False))
        view = self._view
        if view is not None and view.run_id:
            status = view.state.derived_status(alive=view.live)
            tag = {"replay": "replay", "attached": "attached", "live": "live"}.get(view.origin, "")
            if view.origin == "live" and not view.live:
                tag = "this session"  # started here, now finished
            right.append(f"{tag} " if tag and width >= 100 else "", style="dim")
            right.append(view.run_id if width >= 100 else "…" + view.run_id[-11:], style="bold")
            right.append(" ")
            right.append(fmt.STATUS_ICON.get(status, "") + " " + status, style=fmt.STATUS_RICH.get(status, ""))
            right.append(" ")
        follow = getattr(app, "follow_view", None)
        if follow is not None and follow is not view and follow.live:
            right.append(" ▶ live run: L ", style="bold black on yellow")
            right.append(" ")
        if demo:
            right.append(" DEMO " if width < 100 else " DEMO · tiny stand-in models ", style="bold black on yellow")
        pad = max(1, width - left.cell_len - right.cell_len)
        line = left + Text(" " * pad) + right
        line.truncate(width)
        key = (line.plain, tuple(line.spans))
        if key != self._shown:  # a redraw of the bar only when it changed; its size never does
            self._shown = key
            self.update(line, layout=False)
