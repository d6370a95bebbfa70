"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ExperimentConfig, load_config

MINIMAL = """
[experiment]
name = "test"

[candidate]
name = "c"
path = "models/c"
family = "qwen2.5"

[baseline]
name = "b"
path = "models/b"
family = "qwen3"

[outputs]
runs_dir = "runs"
"""


@pytest.fixture
def tmp_config(tmp_path: Path) -> ExperimentConfig:
    """A minimal valid config whose paths and runs live in tmp_path."""
    p = tmp_path / "exp.toml"
    p.write_text(MINIMAL)
    return load_config(p)
