"""The dashboard process never loads mlx: not on import, not while running, replaying a run,
opening every screen, or starting a stage (the stage is a separate process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tui_helpers import SNAPSHOT_CONFIG

from core.paths import PROJECT_ROOT

SCRIPT = textwrap.dedent(
    f"""
    import asyncio, sys
    from tui.app import Phase25App

    async def main():
        app = Phase25App({str(SNAPSHOT_CONFIG)!r}, attach=False, remember=False)
        async with app.run_test(size=(160, 50)) as pilot:
            for key in ["1", "2", "enter", "escape", "3", "4", "question_mark", "escape", "1"]:
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
    asyncio.run(main())
    bad = sorted(m for m in sys.modules if m.split(".")[0] in ("mlx", "mlx_lm"))
    print(bad)
    sys.exit(1 if bad else 0)
    """
)


def test_running_the_dashboard_never_loads_mlx():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.strip().endswith("[]")
