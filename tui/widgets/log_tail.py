"""The log tail of one stage, followed while the stage runs, under a failed stage's reason.

Its log (stdout) comes from the run's events: the stage's log lines, what its libraries printed
(the stage passes its stdout on as log lines) and its equivalent command. Its stderr, where a
crash's traceback lands, comes from the stderr file in the run folder. A run written before the
stdout lines were events (event schema 1) shows its stdout file, as it was then shown.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import RichLog

from core import events as ev
from core.pipeline import BY_NAME
from core.textfile import read_tail
from tui.view import RunView

TAIL_LINES = 300
LEVEL_STYLE = {"debug": "dim", "info": "", "warning": "yellow", "error": "bold red"}


class LogTail(RichLog):
    DEFAULT_CSS = """
    LogTail { height: 1fr; background: $surface; scrollbar-size-vertical: 1; }
    """

    def __init__(self, **kw: object) -> None:
        super().__init__(max_lines=2000, wrap=True, markup=False, highlight=False, **kw)  # type: ignore[arg-type]
        self.stage: str | None = None
        self.stream = "stdout"  # the preferred stream; a failed stage opens on stderr
        self.shown_stream = "stdout"
        self._path: Path | None = None
        self._offset = 0
        self._partial = ""
        self._key: tuple[object, ...] | None = None
        self._placeholder = False  # "(nothing on stdout yet)" is shown, to go with the first line
        self._header: list[Text] = []  # a failed stage's reason, kept when the placeholder goes
        self._view: RunView | None = None  # followed through its events (None: a file, or nothing)
        self._seen = 0  # the view's log entries looked at so far

    def show_stage(self, view: RunView, stage: str, stream: str | None = None, force: bool = False) -> None:
        """Show one stage's log; nothing is redrawn if it is already shown."""
        st, earlier = view.stage_state(stage)
        if stream is None:
            stream = "stderr" if st.status == "failed" else self.stream
        else:
            self.stream = stream
        key = (view.run_id, stage, stream, st.status, earlier)
        if key == self._key and not force:
            return
        self._key = key
        self.stage, self.shown_stream = stage, stream
        self.clear()
        self._placeholder = False
        self._header = []
        title = BY_NAME[stage].title if stage in BY_NAME else stage
        self.border_title = f"log · {title} · {stream}"
        if st.status == "failed":
            self._header.append(Text(f"✗ {title} failed: {st.reason or 'no reason given'}", style="bold red"))
            if st.exit_code is not None:
                self._header.append(Text(f"  exit code {st.exit_code}", style="red"))
        for line in self._header:
            self.write(line)
        self._view, self._path = None, None
        if earlier:
            self.write(Text("(not part of this run; from an earlier run)", style="dim"))
            return
        if stream == "stdout" and not written_to_files(view):
            self._view, self._seen = view, len(view.state.logs)
            entries = [e for e in view.state.logs if e.stage == stage]
            for e in entries[-TAIL_LINES:]:
                self.write(self.log_line(e))
            if not entries:
                self._nothing_yet(stream, st.status)
            return
        self._path = view.run.stage_log(stage, stream) if view.run is not None else None
        lines, self._offset = read_tail(self._path, TAIL_LINES) if self._path else ([], 0)
        self._partial = ""
        if lines:
            for ln in lines:
                self.write(self.file_line(ln, stream))
            return
        if not self._fallback(view, stage, stream, st.stderr_tail):
            self._nothing_yet(stream, st.status)

    def _nothing_yet(self, stream: str, status: str) -> None:
        ended = status in ("done", "failed", "cancelled")
        self.write(Text(f"(nothing on {stream}{'' if ended else ' yet'})", style="dim"))
        self._placeholder = True

    def _fallback(self, view: RunView, stage: str, stream: str, stderr_tail: list[str]) -> bool:
        if stream == "stderr":  # the stage's log lines (LogLine events) went to stdout: not shown here
            for ln in stderr_tail:
                self.write(Text(ln, style="red"))
            return bool(stderr_tail)
        logs = [e for e in view.state.logs if e.stage == stage]
        for e in logs[-TAIL_LINES:]:
            self.write(self.log_line(e))
        return bool(logs)

    @staticmethod
    def file_line(line: str, stream: str) -> Text:
        """A line of a stage's log; its colour codes (mlx-lm and rich print some) are kept as colour."""
        text = Text.from_ansi(line) if "\x1b" in line else Text(line)
        if stream == "stderr" and not text.spans:
            text.stylize("red")
        return text

    @staticmethod
    def log_line(e: ev.LogLine | ev.Equivalent) -> Text:
        """A log entry as its line: colour codes a library printed are kept as colour."""
        if isinstance(e, ev.Equivalent):
            return Text(ev.EQUIVALENT_PREFIX + e.command)
        if "\x1b" in e.text:
            return Text.from_ansi(e.text)
        return Text(e.text, style=LEVEL_STYLE.get(e.level, ""))

    def poll(self) -> int:
        """Append what the followed log gained since the last look. Returns lines added."""
        if self._view is not None:
            logs = self._view.state.logs
            new = [e for e in logs[self._seen:] if e.stage == self.stage]
            self._seen = len(logs)
            self._replace_placeholder(bool(new))
            for e in new:
                self.write(self.log_line(e))
            return len(new)
        if self._path is None:
            return 0
        try:
            with open(self._path, "rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read(1 << 20)
        except OSError:
            return 0
        if not chunk:
            return 0
        self._offset += len(chunk)
        text = self._partial + chunk.decode("utf-8", "replace").replace("\r", "\n")
        *lines, self._partial = text.split("\n")
        self._replace_placeholder(bool(lines))
        for ln in lines:
            self.write(self.file_line(ln, self.shown_stream))
        return len(lines)

    def _replace_placeholder(self, lines_came: bool) -> None:
        if lines_came and self._placeholder:
            self.clear()  # the placeholder goes; a failed stage's reason stays on top
            for header in self._header:
                self.write(header)
            self._placeholder = False


def written_to_files(view: RunView) -> bool:
    """True for a run whose stages' stdout lines were not all events yet (event schema 1)."""
    return view.state.version is not None and view.state.version < 2
