"""Where the project keeps things, and which config is used when none is named."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
LOGS_DIR = PROJECT_ROOT / "logs"
TEMPLATES_DIR = DATA_DIR / "templates"
REAL_CONFIG = PROJECT_ROOT / "phase25.toml"
DEMO_CONFIG = DATA_DIR / "demo" / "phase25.demo.toml"
# Where the last-used config is remembered; PHASE25_LAST_CONFIG moves it (the tests keep it apart).
LAST_CONFIG_FILE = Path(os.environ.get("PHASE25_LAST_CONFIG") or LOGS_DIR / ".last_config")


def default_config() -> Path:
    """The last-used config if it still exists, else the demo config."""
    try:
        last = Path(LAST_CONFIG_FILE.read_text().strip())
        if last.is_file():
            return last
    except OSError:
        pass
    return DEMO_CONFIG


def remember_config(path: Path) -> None:
    from core.runs import atomic_write_text

    try:
        atomic_write_text(LAST_CONFIG_FILE, str(Path(path).resolve()) + "\n")
    except OSError:
        pass
