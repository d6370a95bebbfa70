"""A re-run with nothing changed: prepare, train, fuse and quantize all report "cached".

Run with ``pytest -s tests/bench/test_bench_cache.py``. The first run does the work (on the demo's
data, suite and workspaces, with a tiny random qwen2 as the model, a few steps); the second,
timed, run must find every stage cached. A cached stage starts its process, checks its inputs'
hashes (memoised on size and mtime) and never loads mlx.

Prints the wall time of the cached re-run (goal < 3 s) and each stage's share; asserts only that
every stage was cached the second time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from core import events as ev
from core.config import load_config
from core.paths import DEMO_CONFIG, PROJECT_ROOT
from core.runner import Pipeline

pytestmark = [pytest.mark.bench]

STAGES = ["prepare", "train", "fuse", "quantize"]


def _run(cfg) -> tuple[float, list, str]:
    pipe = Pipeline(cfg, STAGES, poll_interval=0.02)
    t0 = time.perf_counter()
    events = list(pipe.events())
    return time.perf_counter() - t0, events, pipe.status


def test_bench_cached_rerun_of_prepare_to_quantize(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stages"))
    import tiny_model

    data = PROJECT_ROOT / "data" / "demo" / "compact"
    if not (data / "train.jsonl").is_file():
        pytest.skip(f"{data} has no train.jsonl yet")
    model = tiny_model.build_model(tmp_path / "model", data)
    out = tmp_path / "out"
    cfg = load_config(DEMO_CONFIG, [
        f'candidate.path="{model}"', f'baseline.path="{model}"',
        "train.iters=4", "train.batch_size=2", "train.steps_per_report=2", "train.steps_per_eval=4",
        "train.save_every=4", "train.val_batches=1", "train.max_seq_length=2048",
        f'outputs.adapter="{out}/adapter"', f'outputs.fused="{out}/fused"', f'outputs.quantized="{out}/q{{bits}}"',
        f'outputs.runs_dir="{tmp_path}/runs"',
    ])
    first_s, first, status = _run(cfg)
    if status != "done":
        failed = [e for e in first if isinstance(e, ev.StageFailed)]
        pytest.fail(f"the first run did not finish: {failed[0].reason if failed else status}\n"
                    + "\n".join(failed[0].stderr_tail[-15:] if failed else []))
    again_s, again, status = _run(cfg)
    finished = {e.stage: e for e in again if isinstance(e, ev.StageFinished)}
    started = {e.stage: e.ts for e in again if isinstance(e, ev.StageStarted)}
    print(f"\nfirst run (doing the work): {first_s:.1f} s")
    print(f"cached re-run of {', '.join(STAGES)}: {again_s:.2f} s (goal < 3 s)")
    for name in STAGES:
        e = finished.get(name)
        if e is not None:
            print(f"  {name:9s} {'cached' if e.cached else 'RAN'}  process {e.ts - started[name]:.2f} s, "
                  f"in-stage {e.duration_s:.2f} s")
    assert status == "done"
    assert all(finished[n].cached for n in STAGES), {n: finished[n].cached for n in finished}
