"""Fixtures for the dashboard's tests: a writable copy of the recorded runs (fixtures/runs, see the
README there), an app factory on the demo config, and UTC for deterministic timestamps."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tui_helpers import RECORDED  # noqa: E402

from core.paths import DEMO_CONFIG  # noqa: E402
from tui.app import Phase25App  # noqa: E402

os.environ["TZ"] = "UTC"
time.tzset()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Textual's Pilot is async) on a fresh event loop."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**args))
    return True


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """A copy of the recorded runs that a test may add runs to."""
    dst = tmp_path / "runs"
    shutil.copytree(RECORDED, dst)
    return dst


@pytest.fixture
def make_app(runs_dir: Path) -> Callable[..., Phase25App]:
    def make(*overrides: str, runs: Path | str | None = None, **kw: Any) -> Phase25App:
        kw.setdefault("attach", False)
        kw.setdefault("remember", False)
        where = runs if runs is not None else runs_dir
        return Phase25App(DEMO_CONFIG, [f'outputs.runs_dir="{where}"', *overrides], **kw)

    return make
