"""Problems found in data files: each names the file, the line and the field.

Errors stop the pipeline; warnings are shown and let it go on. Every problem is kept, the
rendering caps how many are listed and says how many more there were.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
DEFAULT_LISTED = 40


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Problems:
    """A growing list of problems about one or more files."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        file: Path | str,
        line: int | None,
        field: str | None,
        message: str,
        severity: Severity = "error",
    ) -> None:
        self.items.append(Problem(str(file), line, field, message, severity))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


def render_list(problems: list[Problem], limit: int = DEFAULT_LISTED, indent: str = "  - ") -> list[str]:
    """One line per problem, at most ``limit`` (0 or less: all), then a line with how many more and of
    which kind."""
    if limit <= 0:
        limit = len(problems)
    lines = [indent + str(p) for p in problems[:limit]]
    rest = problems[limit:]
    if rest:
        kinds = Counter(p.message.split(";")[0].split(" (")[0] for p in rest)
        common = ", ".join(f"{n}× {k}" for k, n in kinds.most_common(3))
        lines.append(f"{indent}... and {len(rest)} more ({common})")
    return lines


def headline_count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
