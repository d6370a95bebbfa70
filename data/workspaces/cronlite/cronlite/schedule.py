"""A parsed cron expression that can test a point in time."""

from dataclasses import dataclass
from datetime import datetime

from cronlite.fields import FIELD_RANGES, parse_field


@dataclass(frozen=True)
class Schedule:
    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    weekday: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> "Schedule":
        parts = expression.split()
        if len(parts) != len(FIELD_RANGES):
            raise ValueError(f"expected {len(FIELD_RANGES)} fields, got {len(parts)}")
        sets = [parse_field(part, *FIELD_RANGES[name])
                for part, name in zip(parts, FIELD_RANGES, strict=True)]
        return cls(*sets)

    def matches(self, when: datetime) -> bool:
        return (when.minute in self.minute and when.hour in self.hour and when.day in self.day
                and when.month in self.month and when.weekday() in self.weekday)
