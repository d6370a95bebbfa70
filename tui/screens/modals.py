"""Small dialogs: a choice between a few buttons, keyboard-first (each button has a key)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ChoiceScreen(ModalScreen[str]):
    """Asks one question. ``choices`` are (value, key, label, variant); escape picks ``dismiss_value``."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 64; max-width: 95%; height: auto; border: thick $primary; background: $surface;
        padding: 1 2;
    }
    ChoiceScreen #question { text-style: bold; margin-bottom: 1; }
    ChoiceScreen #detail { color: $text-muted; margin-bottom: 1; }
    ChoiceScreen Horizontal { height: auto; align-horizontal: right; }
    ChoiceScreen Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "pick_default", "Back")]

    def __init__(
        self,
        question: str,
        detail: str,
        choices: list[tuple[str, str, str, str]],
        dismiss_value: str = "",
    ) -> None:
        super().__init__()
        self.question, self.detail, self.choices, self.dismiss_value = question, detail, choices, dismiss_value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            if self.detail:
                yield Static(self.detail, id="detail")
            with Horizontal():
                for value, key, label, variant in self.choices:
                    yield Button(f"{label} ({'esc' if key == 'escape' else key})", id=f"choice-{value}", variant=variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query(Button).last().focus()

    def on_key(self, event: Key) -> None:
        for value, k, _, _ in self.choices:
            if event.key == k:
                event.stop()
                self.dismiss(value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_pick_default(self) -> None:
        self.dismiss(self.dismiss_value)


def confirm_cancel(stage: str) -> ChoiceScreen:
    return ChoiceScreen(
        f"Cancel {stage}?",
        "The stage is asked to stop at a safe point and save what it can (a training run keeps its "
        "last checkpoint). It is stopped outright if it does not finish within the grace period.",
        [("cancel", "y", "Cancel the stage", "error"), ("keep", "n", "Keep running", "primary")],
        dismiss_value="keep",
    )


def confirm_quit(stage: str, not_started: list[str] | None = None) -> ChoiceScreen:
    """``not_started``: the stages of this pipeline after the running one, which nobody starts
    once the dashboard has quit and left the stage running."""
    detail = ("Stop it gracefully before quitting, or leave it running: it keeps writing its run directory, "
              "and the next phase25-tui re-attaches to it.")
    if not_started:
        detail += (f"\nIf you leave it, {', '.join(not_started)} will not start: run "
                   f"{'them' if len(not_started) > 1 else 'it'} later with a (stages already done "
                   "finish at once from their cache).")
    return ChoiceScreen(
        f"{stage} is still running.",
        detail,
        [
            ("stop", "s", "Stop it", "error"),
            ("leave", "l", "Leave it running", "warning"),
            ("stay", "escape", "Stay", "primary"),
        ],
        dismiss_value="stay",
    )
