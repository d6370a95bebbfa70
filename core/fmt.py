"""Formatting figures for people: durations, byte sizes, counts. Shared by the CLI and the dashboard."""

from __future__ import annotations

UNKNOWN = "–"


def duration(s: float | None, unknown: str = UNKNOWN) -> str:
    if s is None:
        return unknown
    s = max(0.0, s)
    if s < 10:
        return f"{s:.1f}s"
    if s < 60:
        return f"{s:.0f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m{sec:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"


def nbytes(n: float | None, unknown: str = UNKNOWN) -> str:
    """A byte size in SI units (1 GB = 10^9 bytes), the units model sizes are quoted in. Every
    figure the CLI, the dashboard and the report show goes through here, so they agree."""
    if n is None or n < 0:
        return unknown
    if n < 1000:
        return f"{n:.0f} B"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000
        if n < 1000 or unit == "TB":
            return f"{n:.2f} {unit}" if n < 10 else f"{n:.1f} {unit}" if n < 100 else f"{n:.0f} {unit}"
    return unknown


def count(n: float | None, unknown: str = UNKNOWN) -> str:
    if n is None:
        return unknown
    if n >= 1e6:
        return f"{n / 1e6:.1f}M"
    if n >= 1e4:
        return f"{n / 1e3:.0f}k"
    if n >= 1e3:
        return f"{n / 1e3:.1f}k"
    return f"{n:.0f}"


# Rich styles of run and stage statuses, for the CLI and for the dashboard's rich renderables.
STATUS_STYLE = {
    "pending": "dim",
    "running": "bold yellow",
    "cached": "cyan",
    "done": "green",
    "failed": "bold red",
    "cancelled": "magenta",
    "interrupted": "magenta",
    "new": "dim",
}
