"""A direct-answer topic: several phrasings of one question and one answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["concept", "comparison", "best-practice"]


@dataclass(frozen=True)
class Topic:
    id: str
    area: str
    kind: Kind
    questions: tuple[str, ...]
    answer: str

    def __post_init__(self) -> None:
        if len(self.questions) < 2:
            raise ValueError(f"topic {self.id}: give at least two phrasings")
