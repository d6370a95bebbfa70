"""Helpers shared by the dashboard's tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.paths import DEMO_CONFIG
from tui.app import Phase25App

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = FIXTURES / "runs"
# Relative to the demo config's folder, so a config dump reads the same on every machine.
RECORDED_REL = os.path.relpath(RECORDED, DEMO_CONFIG.parent)


def recorded(kind: str) -> str:
    """The id of the recorded run used for ``kind`` (fixtures/index.json; see the README)."""
    return json.loads((FIXTURES / "index.json").read_text())[kind]


def has_recording(kind: str) -> bool:
    index = json.loads((FIXTURES / "index.json").read_text())
    return kind in index and (RECORDED / index[kind]).is_dir()


SNAPSHOT_CONFIG = FIXTURES / "phase25.snapshot.toml"


def snapshot_app(initial: str | None, **kw: Any) -> Phase25App:
    """An app on the frozen copy of the demo config (fixtures/phase25.snapshot.toml), reading the
    recorded runs folder itself (read-only): the same pictures on every machine and every day."""
    kw.setdefault("attach", False)
    kw.setdefault("remember", False)
    return Phase25App(SNAPSHOT_CONFIG, initial=initial, **kw)


async def settle(pilot: Any, app: Phase25App, rounds: int = 3) -> None:
    """Let the app show its first run, its short workers finish (not the one following a run),
    and the screen catch up."""
    await wait_for(pilot, lambda: app.loaded, timeout=20)
    for _ in range(rounds):
        short = [w for w in app.workers if w.group != "pipeline"]
        if short:  # (an empty list would mean "all of them")
            await app.workers.wait_for_complete(short)
        await pilot.pause()


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.05)


def screen_text(app: Phase25App) -> str:
    """What the screen shows, as plain text (what a user would read)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)
