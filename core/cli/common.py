"""What every ``phase25`` subcommand shares: loading the config (or exiting 2 with every
problem listed) and the figures' formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from core.config import ConfigError, ExperimentConfig, load_config
from core.fmt import duration, nbytes
from core.paths import default_config

if TYPE_CHECKING:
    from core.evaluation.deliverables import Phase25Results


def fmt_duration(s: float | None) -> str:
    return duration(s, "-")


def fmt_bytes(n: float | None) -> str:
    return nbytes(n, "-")


def print_error(console: Console, message: object) -> None:
    """An error as plain red text: brackets in it stay (no markup), and a long path is never broken
    across lines (the terminal wraps it, so it still copies whole)."""
    console.print(Text(str(message), style="red"), soft_wrap=True)


def load_or_exit(console: Console, path: str | None, overrides: list[str]) -> ExperimentConfig:
    cfg_path = Path(path) if path else default_config()
    try:
        return load_config(cfg_path, overrides)
    except ConfigError as exc:
        print_error(console, exc.render())
        raise SystemExit(2) from None


def load_results_or_none(console: Console, path: Path) -> Phase25Results | None:
    """The combined results file, or None after saying why (no file yet; a bad field, named)."""
    from core.evaluation.deliverables import load_combined
    from core.evaluation.schema import ResultsError

    if not path.is_file():
        console.print(Text(f"{path}: no results yet; run the pipeline (phase25 run) first", style="red"),
                      soft_wrap=True)
        return None
    try:
        return load_combined(path)
    except ResultsError as exc:
        console.print(Text(str(exc), style="red"), soft_wrap=True)
        return None
