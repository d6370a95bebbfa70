"""Fixtures for the Code Mode tests: cached tool runs over the fixture workspaces."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.codemode.workspaces import workspace_path

sys.path.insert(0, str(Path(__file__).parent))  # the helper modules sandbox_user and sandbox_sides
from sandbox_sides import side  # noqa: E402, F401  (the fixture that runs hostile snippets both ways)


def _tree_state(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def tree_state() -> Callable[[Path], dict[str, tuple[int, int]]]:
    """Every file under a folder with its size and mtime, to show nothing was written there."""
    return _tree_state


@pytest.fixture(scope="session")
def tool_run() -> Callable[..., Any]:
    """Run a tool inside a fixture workspace; results are cached for the session (mypy is slow)."""
    cache: dict[tuple[str, str, tuple[Any, ...]], Any] = {}

    def run(tool: Callable[..., Any], workspace: str, *args: Any) -> Any:
        key = (tool.__name__, workspace, args)
        if key not in cache:
            old = os.getcwd()
            os.chdir(workspace_path(workspace))
            try:
                cache[key] = tool(*args)
            finally:
                os.chdir(old)
        return cache[key]

    return run
