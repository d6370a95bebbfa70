"""What a stage and the domain code it drives agree on: the two ways a stage ends early
(``StageError``, ``StageCancelledError``), what a finished stage hands back (``StageOutcome``),
and the narrow interface the domain needs from a running stage (``StageIO``).

Foundation: the domain (training, evaluation) imports this, never ``core.stages``.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.stage_summaries import StageSummary


class StageError(Exception):
    """A stage cannot go on; the message is shown to the user as is (no traceback)."""


class StageCancelledError(Exception):
    """The user cancelled; whatever could be saved has been."""

    def __init__(self, checkpoint: str | None = None):
        self.checkpoint = checkpoint
        super().__init__("cancelled")


@dataclass
class StageOutcome:
    summary: StageSummary = field(default_factory=StageSummary)
    headline: str = ""
    cached: bool = False


class StageIO(Protocol):
    """What domain code may use of the running stage: send events and log lines, see a cancel."""

    cancelled: threading.Event

    def emit(self, event: Any) -> Any: ...

    def log(self, text: str, level: str = "info") -> None: ...

    def deferred_interrupts(self) -> AbstractContextManager[threading.Event]: ...
