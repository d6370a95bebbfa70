"""Shared fixtures, and how the test command spreads its files over workers."""

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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Benchmarks measure time side by side, so they never share the machine with other tests:
    asked for tests/bench alone, ``-n auto`` runs one process (and ``-s`` shows their ratios)."""
    args = [str(a) for a in config.args] or [""]
    if all(Path(a.split("::")[0]).resolve().is_relative_to(BENCH) for a in args):
        return 0
    return None


BENCH = Path(__file__).resolve().parent / "bench"


@pytest.fixture(autouse=True)
def own_last_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs made by the tests must not change which config the user's dashboard opens next."""
    import core.paths

    path = tmp_path_factory.getbasetemp() / "last_config"
    monkeypatch.setenv("PHASE25_LAST_CONFIG", str(path))
    monkeypatch.setattr(core.paths, "LAST_CONFIG_FILE", path)


@pytest.fixture
def tmp_config(tmp_path: Path) -> ExperimentConfig:
    """A minimal valid config whose paths and runs live in tmp_path."""
    p = tmp_path / "exp.toml"
    p.write_text(MINIMAL)
    return load_config(p)
