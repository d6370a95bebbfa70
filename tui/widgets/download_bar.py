"""The download bar: while a stage fetches a model (its DownloadProgress events), a progress bar
with the bytes on disk against the total, the measured rate and the ETA. Hidden otherwise."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.text import Text
from textual.widgets import Static

from core import events as ev
from core.pipeline import BY_NAME, STAGE_NAMES
from tui import fmt
from tui.view import RunView


def active_downloads(view: RunView) -> list[tuple[str, ev.DownloadProgress]]:
    """(stage, latest tick) of each running stage whose download has not finished."""
    out = []
    for name in STAGE_NAMES:
        st = view.state.stages.get(name)
        if st is not None and st.status == "running" and st.download is not None and not st.download.done:
            out.append((name, st.download))
    return out


def figures(d: ev.DownloadProgress) -> str:
    """'3.20 GB / 15.2 GB (21%) · 45.0 MB/s · ETA 4m40s', with what is unknown left out or said so."""
    have = fmt.nbytes(d.bytes_done)
    if d.bytes_total:
        share = min(d.bytes_done / d.bytes_total, 1.0)
        text = f"{have} / {fmt.nbytes(d.bytes_total)} ({share:.0%})"
    else:
        text = f"{have} (total unknown)"
    text += f" · {fmt.nbytes(d.rate_bytes_s)}/s" if d.rate_bytes_s else " · rate: measuring"
    if d.eta_s is not None:
        text += f" · ETA {fmt.duration(d.eta_s)}"
    if d.resumed_bytes:
        text += f" · resumed at {fmt.nbytes(d.resumed_bytes)}"
    return text


def render(downloads: list[tuple[str, ev.DownloadProgress]]) -> RenderableType:
    parts: list[RenderableType] = []
    for stage, d in downloads:
        title = BY_NAME[stage].title if stage in BY_NAME else stage
        line = Text()
        line.append(f"⇣ {title} is downloading {d.repo_id} ({d.role})", style="bold")
        line.append("  " + figures(d))
        parts.append(line)
        parts.append(ProgressBar(total=float(d.bytes_total) if d.bytes_total else None,
                                 completed=float(d.bytes_done) if d.bytes_total else 0.0))
    return Group(*parts)


class DownloadBar(Static):
    DEFAULT_CSS = """
    DownloadBar { height: auto; padding: 0 1; display: none; }
    """

    def show(self, view: RunView) -> None:
        downloads = active_downloads(view)
        self.display = bool(downloads)
        if downloads:
            self.update(render(downloads))
