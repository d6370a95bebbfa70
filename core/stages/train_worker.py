"""One rank of a multi-rank training run (started by mlx.launch, see core.training.distributed).

    python -m core.stages.train_worker --run-dir D --plan P --cancel-file F --result R

Rank 0 writes the run's events and its outcome to R as JSON ({"status": "done"|"cancelled"|
"failed", ...}); the other ranks only compute.
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from core.config import ConfigError, load_config
from core.runs import Run, atomic_write_json
from core.stages.base import StageCancelledError, StageContext, StageError
from core.training.plan import TrainPlan


class RankContext(StageContext):
    """A StageContext for ranks other than 0: same cancel handling, no events."""

    def emit(self, event: Any) -> Any:
        return event

    def log(self, text: str, level: str = "info") -> None:
        pass

    def close(self) -> None:
        self._sampler_stop.set()
        self.events.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.stages.train_worker")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--cancel-file", required=True)
    p.add_argument("--result", required=True)
    args = p.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # mlx.launch started us with it ignored

    import mlx.core as mx

    rank = mx.distributed.init().rank()
    run = Run(Path(args.run_dir))
    try:
        cfg = load_config(run.config_path)
        info = run.info()
    except (ConfigError, OSError, ValueError) as exc:
        print(f"rank {rank}: cannot read the run {run.path}: {exc}", file=sys.stderr)
        return 2
    if info.config_path:
        cfg.base_dir = Path(info.config_path).parent
        cfg.source = Path(info.config_path)
    plan = TrainPlan.from_json(Path(args.plan).read_text())
    cancel_file = Path(args.cancel_file)
    ctx = (StageContext if rank == 0 else RankContext)("train", cfg, run, args, force=plan.force)

    def cancelled() -> bool:
        return ctx.cancelled.is_set() or cancel_file.exists()

    from core.training.trainer import Trainer

    result: dict[str, Any]
    code = 0
    try:
        if rank == 0:
            ctx.start_mlx_memory()
        res = Trainer(ctx, plan, is_cancelled=cancelled).run()
        result = {"status": "done", "result": res.to_dict()}
    except StageCancelledError as exc:
        result, code = {"status": "cancelled", "checkpoint": exc.checkpoint}, 130
    except StageError as exc:
        result, code = {"status": "failed", "error": str(exc)}, 1
    except KeyboardInterrupt:
        result, code = {"status": "cancelled", "checkpoint": None}, 130
    except Exception as exc:
        traceback.print_exc()
        result, code = {"status": "failed", "error": f"rank {rank} crashed: {type(exc).__name__}: {exc}"}, 1
    finally:
        ctx.close()
    if rank == 0:
        atomic_write_json(Path(args.result), result)
    return code


if __name__ == "__main__":
    sys.exit(main())
