"""The slow fault run on the real stages (the demo's tiny models), as a test or on its own::

    .venv/bin/python tests/faults/slow_run.py --kills 100 --seed 7 --folder /tmp/faults

As root, first a full disk during fuse, quantize and the candidate's results (outputs on a tmpfs);
then kill -9 at seeded random points (``--kills`` in all, stages drawn at random); then per stage
one SIGSTOP/SIGCONT pause and torn writes (``--torn`` per stage, drawn from every write it makes).
Each fault is followed by the checks in harness.py; the figures are printed as it goes and at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import (  # noqa: E402
    Checker,
    Tally,
    can_mount,
    disk_full,
    long_pause,
    mount_tmpfs,
    random_kills,
    stage_durations,
    torn_writes,
    unmount,
)
from real_setup import demo_experiment  # noqa: E402

DISK_FULL_STAGES = ("fuse", "quantize", "test_candidate")


def slow_run(folder: Path, kills: int, seed: int, torn: int, log: Callable[[str], None],
             set_env: Callable[[str, str | None], None]) -> Tally:
    ref = demo_experiment(folder / "reference")
    t0 = time.time()
    first = ref.run()
    if first.status != "done":
        raise RuntimeError(f"the uninterrupted run ended {first.status}: {first.state.stages}")
    durations = stage_durations(first)
    log(f"uninterrupted run: {time.time() - t0:.0f}s; stages: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in durations.items()))
    out = folder / "exp" / "out"
    mounted = can_mount()
    if mounted:
        mount_tmpfs(out, "256m")
    tally = Tally()
    try:
        exp = demo_experiment(folder / "exp")
        if exp.run().status != "done":
            raise RuntimeError("the faulted experiment's first run did not complete")
        checker = Checker(exp, ref, tally, log=lambda s: log(f"{s} | {tally.figures()}"))
        if mounted:
            for stage in DISK_FULL_STAGES:
                disk_full(checker, stage, out)
                log(f"disk full during {stage} | {tally.figures()}")
        else:
            log("not root: the full-disk faults are skipped")
        random_kills(checker, n=kills, seed=seed, durations=durations)
        for i, stage in enumerate(exp.stages):
            long_pause(checker, stage, delay=durations[stage] / 2)
            writes = torn_writes(checker, stage, set_env, limit=torn, seed=seed + i)
            log(f"{stage}: pause and {torn} of its {writes} writes torn | {tally.figures()}")
    finally:
        if mounted:
            unmount(out)
    log(f"done in {time.time() - t0:.0f}s | {tally.figures()}")
    for f in tally.failures():
        log(f"FAILURE: {f}")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--torn", type=int, default=3, help="torn writes per stage")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    here = Path(__file__).parent
    os.environ["PYTHONPATH"] = os.pathsep.join([str(here / "inject"), str(here), os.environ.get("PYTHONPATH", "")])

    def set_env(name: str, value: str | None) -> None:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    def log(text: str) -> None:
        print(time.strftime("%H:%M:%S"), text, flush=True)

    tally = slow_run(args.folder, args.kills, args.seed, args.torn, log, set_env)
    return 1 if tally.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
