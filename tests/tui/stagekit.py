"""A stand-in stage process for the dashboard's live tests (no mlx, runs in well under a second
per hundred iterations). It goes through the real runner and stage entry point
(``python -m core.stages train --module tests.tui.stagekit``) and behaves like a training stage:
reports every ``train.steps_per_report`` iterations, validates every ``train.steps_per_eval``,
and on SIGINT saves a checkpoint at a step boundary and stops.

``PHASE25_TEST_STEP_S`` sets the seconds per iteration (default 0.02); ``PHASE25_TEST_QUIET_UNTIL``
names a file: the stage prints nothing until that file exists (a stage that starts quiet).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from core import events as ev
from core.stages.base import StageCancelledError, StageContext, StageOutcome


def run(ctx: StageContext) -> StageOutcome:
    t = ctx.cfg.train
    step_s = float(os.environ.get("PHASE25_TEST_STEP_S", "0.02"))
    ckpt = Path(ctx.run.path) / "stagekit.ckpt"
    best = (None, float("inf"))
    t0 = time.time()
    quiet_until = os.environ.get("PHASE25_TEST_QUIET_UNTIL")
    while quiet_until and not Path(quiet_until).exists():  # a stage that prints nothing at first
        time.sleep(0.02)
    ctx.log(f"training {t.iters} iterations (stand-in)")
    with ctx.deferred_interrupts() as cancelled:
        for it in range(1, t.iters + 1):
            if cancelled.is_set():
                ckpt.write_text(str(it - 1))
                ctx.emit(ev.CheckpointSaved(iteration=it - 1, path=str(ckpt)))
                ctx.log(f"cancelled at iteration {it - 1}; checkpoint saved", "warning")
                raise StageCancelledError(str(ckpt))
            time.sleep(step_s)
            loss = 3.0 / (1 + it / 50)
            if it % t.steps_per_report == 0:
                el = time.time() - t0
                ctx.emit(ev.TrainReport(
                    iteration=it, total_iters=t.iters, train_loss=loss, learning_rate=t.learning_rate,
                    iterations_per_second=it / el, tokens_per_second=it * 100 / el, trained_tokens=it * 100,
                    eta_s=(t.iters - it) * el / it,
                ))
            if it % t.steps_per_eval == 0:
                val = loss * 1.1
                if val < best[1]:
                    best = (it, val)
                ctx.emit(ev.ValReport(iteration=it, val_loss=val, val_time_s=0.01,
                                      best_iteration=best[0], best_val_loss=best[1]))
    return StageOutcome(summary={"iters": t.iters}, headline=f"iter {t.iters}/{t.iters} · loss {loss:.3f}")
