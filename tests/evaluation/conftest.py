"""Fixtures for the evaluation tests: hand-made queries, a synthetic suite, tiny random models, and
scripted replies in place of the engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from eval_queries import synthetic_suite, write_suite  # noqa: E402


@pytest.fixture(scope="session")
def suite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_suite(tmp_path_factory.mktemp("suite") / "suite.json")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Random-weight stand-ins (candidate qwen2, baseline qwen3_moe) with the demo tokenizers."""
    from eval_tiny_models import build_tiny_model

    root = tmp_path_factory.mktemp("tiny")
    texts = [q.prompt for q in synthetic_suite().queries]
    return {role: build_tiny_model(root / role, role, texts) for role in ("candidate", "baseline")}


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suite runs reply from a script (eval_scripted.FIRST / SECOND) instead of loading a model."""
    from eval_scripted import use_scripted_engine

    use_scripted_engine(monkeypatch)
