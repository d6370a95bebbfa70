"""The dashboard's messages, named in the past tense (what happened, not what to do)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class EventsArrived(Message):
    """New events are waiting in the feed. Only a doorbell: the events stay in the feed, and
    several doorbells in the queue collapse into one (so a flood costs one redraw per tick)."""

    def __init__(self, feed_id: int) -> None:
        super().__init__()
        self.feed_id = feed_id

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsArrived) and message.feed_id == self.feed_id


class FollowEnded(Message):
    """The worker following a run stopped: the pipeline ended, or the run is no longer written."""

    def __init__(self, feed_id: int, status: str, error: str | None = None,
                 title: str = "The run could not be followed") -> None:
        super().__init__()
        self.feed_id = feed_id
        self.status = status
        self.error = error
        self.title = title


class RunLoaded(Message):
    """A run was read from disk (for a replay, an overlay or the first screen)."""

    def __init__(self, view: Any, purpose: str) -> None:
        super().__init__()
        self.view = view
        self.purpose = purpose


class RunsListed(Message):
    """The run history was read (one row per run)."""

    def __init__(self, rows: list[Any]) -> None:
        super().__init__()
        self.rows = rows


class QueryChosen(Message):
    """A results row was picked to open its diff."""

    def __init__(self, query_id: str) -> None:
        super().__init__()
        self.query_id = query_id
