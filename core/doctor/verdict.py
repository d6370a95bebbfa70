"""The doctor's report: checks with need against have, a verdict each, and what to change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["fits", "tight", "won't fit", "info"]
ORDER: dict[str, int] = {"info": 0, "fits": 1, "tight": 2, "won't fit": 3}

TIGHT_SHARE = 0.8
"""A need above this share of what the machine has is 'tight': other programs, the OS and MLX's
own buffers take the rest."""


def by_share(need: float, have: float | None) -> Verdict:
    """fits below TIGHT_SHARE of ``have``, tight up to all of it, won't fit above."""
    if have is None or have <= 0:
        return "info"
    if need <= TIGHT_SHARE * have:
        return "fits"
    return "tight" if need <= have else "won't fit"


@dataclass
class Check:
    section: str
    """platform, memory, disk, time, models, data."""
    name: str
    need: str = ""
    have: str = ""
    verdict: Verdict = "info"
    advice: str = ""
    """What to change when it does not fit (or is tight)."""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    config: str
    demo: bool
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    @property
    def worst(self) -> Verdict:
        worst: Verdict = "info"
        for c in self.checks:
            if ORDER[c.verdict] > ORDER[worst]:
                worst = c.verdict
        return worst

    @property
    def exit_code(self) -> int:
        """0 when everything fits (tight included), 1 when something won't."""
        return 1 if self.worst == "won't fit" else 0

    def section(self, name: str) -> list[Check]:
        return [c for c in self.checks if c.section == name]

    def lines(self) -> list[tuple[str, str]]:
        """(level, text) per check that has a verdict, for a log: warnings for tight and won't fit."""
        out = []
        for c in self.checks:
            if c.verdict == "info":
                continue
            text = f"doctor · {c.section} · {c.name}: {c.verdict}" + (f" · need {c.need}" if c.need else "")
            text += (f" · have {c.have}" if c.have else "") + (f" · {c.advice}" if c.advice else "")
            out.append(("info" if c.verdict == "fits" else "warning", " ".join(text.split())))  # one line each
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "demo": self.demo, "verdict": self.worst, "exit_code": self.exit_code,
                "checks": [c.to_dict() for c in self.checks], "notes": list(self.notes)}


def gb(n: float | None) -> str:
    if n is None:
        return "unknown"
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} KB"


def span(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"
