"""What every ``phase25`` subcommand shares: loading the config (or exiting 2 with every
problem listed) and the figures' formats."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.text import Text

from core.config import ConfigError, ExperimentConfig, load_config
from core.fmt import duration, nbytes
from core.paths import default_config


def fmt_duration(s: float | None) -> str:
    return duration(s, "-")


def fmt_bytes(n: float | None) -> str:
    return nbytes(n, "-")


def load_or_exit(console: Console, path: str | None, overrides: list[str]) -> ExperimentConfig:
    cfg_path = Path(path) if path else default_config()
    try:
        return load_config(cfg_path, overrides)
    except ConfigError as exc:
        console.print(Text(exc.render(), style="red"))
        raise SystemExit(2) from None
