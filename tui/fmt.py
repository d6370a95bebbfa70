"""Small formatting helpers shared by the dashboard's screens (plain functions, no widgets)."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text

UNKNOWN = "–"

STATUS_STYLE = {
    "pending": "dim",
    "running": "bold $warning",
    "cached": "$accent",
    "done": "$success",
    "failed": "bold $error",
    "cancelled": "$secondary",
    "interrupted": "$secondary",
    "new": "dim",
}
# Rich styles (no Textual variables) for renderables built outside the markup parser.
STATUS_RICH = {
    "pending": "dim",
    "running": "bold yellow",
    "cached": "cyan",
    "done": "green",
    "failed": "bold red",
    "cancelled": "magenta",
    "interrupted": "magenta",
    "new": "dim",
}
STATUS_ICON = {
    "pending": "·",
    "running": "▶",
    "cached": "≡",
    "done": "✓",
    "failed": "✗",
    "cancelled": "■",
    "interrupted": "■",
}


def duration(s: float | None) -> str:
    if s is None:
        return UNKNOWN
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


def nbytes(n: float | None) -> str:
    if n is None or n <= 0:
        return UNKNOWN
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return UNKNOWN


def count(n: float | None) -> str:
    if n is None:
        return UNKNOWN
    if n >= 1e6:
        return f"{n / 1e6:.1f}M"
    if n >= 1e4:
        return f"{n / 1e3:.0f}k"
    if n >= 1e3:
        return f"{n / 1e3:.1f}k"
    return f"{n:.0f}"


def num(v: Any, spec: str = ".2f", suffix: str = "") -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return UNKNOWN
    return f"{v:{spec}}{suffix}"


def clock(ts: float | None, with_date: bool = True) -> str:
    if ts is None:
        return UNKNOWN
    return time.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M:%S", time.localtime(ts))


def status_text(status: str, width: int = 0) -> Text:
    icon = STATUS_ICON.get(status, "?")
    label = f"{icon} {status}"
    return Text(label.ljust(width), style=STATUS_RICH.get(status, ""))


def check_mark(v: Any) -> Text:
    if v is True:
        return Text("✓", style="green")
    if v is False:
        return Text("✗", style="red")
    return Text(UNKNOWN, style="dim")


def truncate(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: max(0, n - 1)] + "…"


def rel(path: object) -> str:
    """A path relative to the project when it is inside it (shorter, and the same on every machine)."""
    from pathlib import Path

    from core.paths import PROJECT_ROOT

    p = Path(str(path))
    try:
        return str(p.resolve().relative_to(PROJECT_ROOT))
    except (ValueError, OSError):
        return str(p)
