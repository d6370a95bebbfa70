"""The doctor's training-time model against measured training steps of the demo models.

Run with ``pytest -s tests/bench/test_bench_doctor_time.py``. It measures this machine's matmul
throughput (the doctor's own micro-benchmark), then times LoRA training steps of the demo qwen2 at
a few batch sizes and sequence lengths, and prints measured seconds per step beside
``FLOPs counted by core.doctor.timing / measured FLOP/s``.

Tiny models are overhead-bound at small batches (FACTS.md), so the FLOPs model is expected to
under-predict there; on a shared machine both figures move with the load. It asserts only that
the prediction is within a factor of 10 of the measurement, i.e. that the FLOPs are counted in
the right order of magnitude.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.doctor.machine import run_bench
from core.paths import DATA_DIR

pytestmark = [pytest.mark.bench]
MODEL = DATA_DIR / "demo" / "models" / "tiny-qwen2.5-coder"


def test_predicted_step_time_against_measured_on_the_demo_qwen2() -> None:
    settings = [(2, 256, 2), (8, 128, 2), (4, 512, 2)]
    bench = run_bench()
    cmd = [sys.executable, "-m", "core.doctor.measure", str(MODEL), "--timed-steps", "3"]
    for b, s, n in settings:
        cmd += ["--setting", f"{b}:{s}:{n}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    print(f"\nmatmul {bench.matmul_flops_f32 / 1e9:.2f} GFLOP/s (float32, the demo's dtype; {bench.matmul_size}^2)")
    for r in rows:
        predicted = r["step_flops"] / bench.matmul_flops_f32
        ratio = predicted / r["step_s"]
        print(f"batch {r['batch']} x seq {r['seq']}: measured {r['step_s']:.3f} s/step, "
              f"predicted {predicted:.3f} s/step (x{ratio:.2f})")
        assert 0.1 < ratio < 10
