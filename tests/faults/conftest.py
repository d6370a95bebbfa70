"""Fixtures for the fault-injection tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from harness import use_fault_env  # noqa: E402


@pytest.fixture
def fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fault_env(monkeypatch)
