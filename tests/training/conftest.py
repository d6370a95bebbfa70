"""The training tests (core/training) use the stage tests' tiny model and configs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "stages"))

from tiny_fixtures import make_cfg, tiny  # noqa: E402,F401 - fixtures for this folder
