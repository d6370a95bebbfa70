"""Stages used by the runner tests: they exercise the real runner and stage process without mlx.

Behaviour is chosen by the stage name: sleeper (runs until cancelled, saving on SIGINT),
stubborn (ignores SIGINT), crasher (writes to stderr, then dies by SIGKILL), quick (finishes).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from core.stages.base import StageCancelledError, StageContext, StageOutcome


def run(ctx: StageContext) -> StageOutcome:
    name = ctx.name
    if name == "quick":
        ctx.progress(1, 1, "quick done")
        ctx.equivalent("quick --all")
        ctx.log("quick: a warning", "warning")
        print("[INFO] printed by a library", flush=True)
        print("a last line without its newline", end="")
        return StageOutcome(summary={"ok": True}, headline="quick ok")
    if name == "crasher":
        for i in range(80):
            print(f"crasher stderr line {i}", file=sys.stderr, flush=True)
        ctx.progress(1, 2, "about to die")
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "stubborn":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
    # sleeper: work in steps; on cancel, save a checkpoint at a step boundary
    saved = Path(ctx.run.path) / "sleeper.ckpt"
    with ctx.deferred_interrupts() as cancelled:
        for step in range(10_000):
            if cancelled.is_set():
                time.sleep(0.5)  # saving takes a moment; within the grace period
                saved.write_text(str(step))
                raise StageCancelledError(str(saved))
            ctx.progress(step, None, f"step {step}")
            time.sleep(0.05)
    return StageOutcome()
