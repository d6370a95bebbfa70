"""Entry point of a stage process: ``python -m core.stages NAME --run-dir DIR [--force] [options]``.

It loads the run's config snapshot, runs the stage module and turns the outcome into events.
Exit codes: 0 done, 1 failed (StageError or a crash), 2 bad usage, 130 cancelled.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import shutil
import sys
import time
import traceback
from pathlib import Path

from core import events as ev
from core.config import ConfigError, ExperimentConfig, load_config
from core.runs import Run
from core.stage_summaries import read_summary
from core.stages import StageDef, UnknownStage, get
from core.stages.base import StageCancelledError, StageContext, StageError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        print("usage: python -m core.stages NAME --run-dir DIR [--force] [options]", file=sys.stderr)
        return 2
    custom = argv.index("--module") if "--module" in argv else None
    if custom is not None and custom + 1 < len(argv):
        # A stage defined outside this package (a plug-in): --module dotted.path
        sdef = StageDef(argv[0], argv[custom + 1], argv[0])
        del argv[custom : custom + 2]
    else:
        try:
            sdef = get(argv[0])
        except UnknownStage as exc:
            print(str(exc), file=sys.stderr)
            return 2
    module = importlib.import_module(sdef.module if custom is not None else f"core.stages.{sdef.module}")
    parser = argparse.ArgumentParser(prog=f"python -m core.stages {sdef.name}")
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--force", action="store_true")
    if hasattr(module, "add_arguments"):
        module.add_arguments(parser)
    args = parser.parse_args(argv[1:])

    run = Run(args.run_dir)
    try:
        info = run.info()
        cfg = load_config(run.config_path)
    except (OSError, ValueError) as exc:
        print(f"{run.path}: not a readable run: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    # The snapshot's relative paths are relative to the original config's folder.
    if info.config_path:
        cfg.base_dir = Path(info.config_path).parent
        cfg.source = Path(info.config_path)

    ctx = StageContext(sdef.name, cfg, run, args, force=args.force)
    t0 = time.time()
    ctx.capture_stdout()
    try:
        ctx.begin_writing()
        outcome = module.run(ctx)
    except StageCancelledError as exc:
        ctx.emit(ev.StageCancelled(duration_s=time.time() - t0, checkpoint=exc.checkpoint))
        print(f"{sdef.name}: cancelled" + (f"; checkpoint saved to {exc.checkpoint}" if exc.checkpoint else ""),
              file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        ctx.emit(ev.StageCancelled(duration_s=time.time() - t0))
        print(f"{sdef.name}: cancelled", file=sys.stderr)
        return 130
    except StageError as exc:
        print(f"{sdef.name}: {exc}", file=sys.stderr)
        ctx.emit(ev.StageFailed(reason=str(exc), exit_code=1, duration_s=time.time() - t0))
        return 1
    except Exception as exc:  # a crash: the traceback goes to the stage's stderr log
        full = disk_full(exc, output_places(cfg))
        if full is None:
            traceback.print_exc()
            return 1
        print(f"{sdef.name}: {full}", file=sys.stderr)
        ctx.emit(ev.StageFailed(reason=full, exit_code=1, duration_s=time.time() - t0))
        return 1
    finally:
        ctx.release_stdout()
        ctx.close()
    done = ev.StageFinished(stage=sdef.name, duration_s=time.time() - t0, cached=outcome.cached,
                            summary=read_summary(sdef.name, outcome.summary), headline=outcome.headline)
    ctx.end_writing()  # its records are stored: they are the newest word on its outputs again
    ev.EventWriter(run.events_path, stage=sdef.name).emit(done)
    return 0


def output_places(cfg: ExperimentConfig) -> list[Path]:
    """The folders a stage writes into: the outputs and the run folders."""
    o = cfg.outputs
    return [cfg.resolve(p).parent for p in (o.adapter, o.fused, o.results)] + [cfg.runs_dir]


def disk_full(exc: BaseException, places: list[Path] | None = None) -> str | None:
    """The message for a write that failed for lack of space (or quota), or None for other errors.
    mlx says neither errno nor cause ('[write] Unable to write N bytes to file'): that is taken for
    a full disk too, with the free space of the output folders (``places``) to go by."""
    seen: BaseException | None = exc
    while seen is not None:
        errno_ = getattr(seen, "errno", None)
        text = str(seen).strip()
        full = errno_ in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in text or "Disk quota" in text
        if full or text.startswith("[write] Unable to write"):
            where = getattr(seen, "filename", None)
            head = "the disk is full" if full else "a write failed, most likely because the disk is full"
            return (f"{head}{f' writing {where}' if where else ''} ({text or 'no space left on device'})"
                    f"{_free_space(places or [])}. Nothing was replaced: the earlier outputs are as they were. "
                    "Free some space and run the stage again")
        seen = seen.__cause__ or seen.__context__
    return None


def _free_space(places: list[Path]) -> str:
    free: dict[str, int] = {}
    for p in places:
        p = Path(p)
        while not p.exists() and p != p.parent:
            p = p.parent
        try:
            free[str(p)] = shutil.disk_usage(p).free
        except OSError:
            continue
    if not free:
        return ""
    where, left = min(free.items(), key=lambda kv: kv[1])
    return f"; {left / 1e6:.1f} MB free on {where}"


if __name__ == "__main__":
    sys.exit(main())
