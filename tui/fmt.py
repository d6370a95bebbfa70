"""Small formatting helpers shared by the dashboard's screens (plain functions, no widgets)."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text

from core.fmt import STATUS_STYLE as STATUS_RICH  # Rich styles, for renderables built outside markup
from core.fmt import UNKNOWN, count, duration, nbytes  # noqa: F401 - re-exported for the screens

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
STATUS_ICON = {
    "pending": "·",
    "running": "▶",
    "cached": "≡",
    "done": "✓",
    "failed": "✗",
    "cancelled": "■",
    "interrupted": "■",
}




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
