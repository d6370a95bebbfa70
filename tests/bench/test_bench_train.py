"""phase25's train stage against plain ``mlx_lm lora``, side by side in one run.

Run with ``pytest -s tests/bench/test_bench_train.py``. Both train the same model on the same
data with the same settings; the number of steps is a whole number of epochs, so both train on
exactly the same batches (in a different order) and the same number of tokens. Each side runs
three times, alternating, after one warm-up run that fills MLX's kernel cache; the faster run of each
side counts (the machine may be shared). The model is a tiny random qwen2: the smallest steps
give the largest share of overhead, so this is the unfavourable case for phase25's own costs.

Prints:
- tokens/s inside the training loop, each side as it reports it (phase25: its TrainReport events;
  mlx-lm: the figures of its own progress table, read from its stdout here only because the
  benchmark has no other way to get them), and the ratio phase25 / mlx-lm (goal >= 1.00);
- end-to-end wall time of each process, and the end-to-end tokens/s ratio (the tokens are the
  same, so it is the inverse ratio of the wall times);
- the share of phase25's wall time spent outside mlx-lm's training loop (start-up, model load,
  events, checkpoints, memory sampling).

Asserts only that both runs worked and trained the same number of tokens.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import events as ev
from core.config import load_config
from core.paths import PROJECT_ROOT
from core.runner import stage_env
from core.runs import create_run

pytestmark = [pytest.mark.bench]

STAGES_TESTS = Path(__file__).resolve().parents[1] / "stages"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+[▼▲]\s+([\d,]+)\s+([\d.]+)k\s*$")
BATCH, EPOCHS, REPORT, ROUNDS = 4, 3, 6, 3

CONFIG = """
[experiment]
name = "bench-train"
[candidate]
name = "bench"
path = "{model}"
family = "qwen2.5"
[baseline]
name = "unused"
path = "{model}"
family = "qwen3"
[data]
train = "{data}"
# both sides train on every row of the same files (plain mlx_lm lora knows nothing of the suite)
hold_out_leaking = false
[train]
fine_tune_type = "lora"
num_layers = 2
batch_size = {batch}
iters = {iters}
learning_rate = 1e-3
steps_per_report = {report}
steps_per_eval = {half}
save_every = {half}
val_batches = 2
max_seq_length = 1024
mask_prompt = true
seed = 0
[outputs]
adapter = "out/adapter"
fused = "out/fused"
quantized = "out/q{{bits}}"
runs_dir = "runs"
"""


def _model_and_data(tmp: Path) -> tuple[Path, Path, str]:
    """A tiny random qwen2 and short chat rows: the smallest steps, so the largest share of
    overhead (a conservative case for phase25's own costs)."""
    sys.path.insert(0, str(STAGES_TESTS))
    import tiny_model

    data = tmp / "data"
    tiny_model.write_jsonl(data / "train.jsonl", tiny_model.chat_rows(48, seed=1))
    tiny_model.write_jsonl(data / "valid.jsonl", tiny_model.chat_rows(8, seed=2))
    return tiny_model.build_model(tmp / "model", data, hidden=96), data, "a tiny random qwen2 (hidden 96, 2 layers)"


def _batches_per_epoch(data: Path) -> int:
    rows = sum(1 for line in (data / "train.jsonl").read_text().splitlines() if line.strip())
    return rows // BATCH


def _phase25(cfg_path: Path) -> dict:
    cfg = load_config(cfg_path)
    run = create_run(cfg, ["train"])
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "core.stages", "train", "--run-dir", str(run.path), "--force"],
                          capture_output=True, text=True, env=stage_env(), cwd=PROJECT_ROOT)
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    events, _ = run.read_events()
    reports = [e for e in events if isinstance(e, ev.TrainReport)]
    done = next(e for e in events if isinstance(e, ev.StageFinished))
    tokens = reports[-1].trained_tokens
    return {"wall": wall, "tokens": tokens, "window_tps": [r.tokens_per_second for r in reports],
            "trainer_s": done.summary.timing["trainer_s"]}


def _plain(cfg_path: Path, model: Path, data: Path, iters: int, half: int, out: Path) -> dict:
    argv = [sys.executable, "-m", "mlx_lm", "lora", "--model", str(model), "--train", "--data", str(data),
            "--adapter-path", str(out), "--fine-tune-type", "lora", "--num-layers", "2",
            "--batch-size", str(BATCH), "--iters", str(iters), "--learning-rate", "1e-3",
            "--steps-per-report", str(REPORT), "--steps-per-eval", str(half), "--save-every", str(half),
            "--val-batches", "2", "--max-seq-length", "1024", "--seed", "0", "--mask-prompt"]
    env = dict(os.environ, NO_COLOR="1", TERM="dumb", COLUMNS="200")
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cfg_path.parent)
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [ROW.match(ANSI.sub("", ln)) for ln in proc.stdout.splitlines()]
    rows = [m for m in rows if m]
    window_tps = [float(m.group(3).replace(",", "")) for m in rows]
    tokens_k = float(rows[-1].group(4)) if rows else None
    return {"wall": wall, "window_tps": window_tps, "tokens_k": tokens_k}


def _loop_tps(window_tps: list[float]) -> float:
    """The same estimator for both sides: the mean of the per-report-window tokens/s. Over whole
    epochs both sides see the same batches, only spread over the windows differently."""
    return sum(window_tps) / len(window_tps)


def test_bench_train_stage_against_plain_mlx_lm_lora(tmp_path):
    model, data, what = _model_and_data(tmp_path)
    per_epoch = _batches_per_epoch(data)
    iters = per_epoch * EPOCHS
    iters -= iters % REPORT  # whole report windows; keep whole epochs when possible
    half = iters // 2
    cfg_path = tmp_path / "bench.toml"
    cfg_path.write_text(CONFIG.format(model=model, data=data, batch=BATCH, iters=iters, report=REPORT, half=half))

    _plain(cfg_path, model, data, REPORT, REPORT, tmp_path / "warmup")  # fills MLX's kernel cache
    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(_phase25(cfg_path))
        theirs.append(_plain(cfg_path, model, data, iters, half, tmp_path / "plain"))
    a = min(ours, key=lambda r: r["wall"])
    b = min(theirs, key=lambda r: r["wall"])
    a_tps = max(_loop_tps(r["window_tps"]) for r in ours)
    b_tps = max(_loop_tps(r["window_tps"]) for r in theirs)
    for name, runs in (("phase25", ours), ("mlx_lm lora", theirs)):
        print(f"\n{name:12s} runs: " + ", ".join(f"{r['wall']:.1f} s / {_loop_tps(r['window_tps']):.0f} tok/s" for r in runs),
              end="")
    outside = 1 - a["trainer_s"] / a["wall"]
    print(f"\n\nmodel: {what}; {iters} steps of batch {BATCH} ({iters / per_epoch:.1f} epochs)")
    print(f"trained tokens: phase25 {a['tokens']}, mlx_lm lora {b['tokens_k']}k (its table rounds to 0.1k)")
    print(f"tokens/s in the training loop (best run): phase25 {a_tps:.0f}, mlx_lm lora {b_tps:.0f}; "
          f"ratio {a_tps / b_tps:.2f} (goal >= 1.00)")
    print(f"wall time (best run): phase25 {a['wall']:.2f} s, mlx_lm lora {b['wall']:.2f} s; end-to-end tokens/s "
          f"(same tokens) ratio phase25 / mlx-lm {b['wall'] / a['wall']:.2f}")
    print(f"phase25 time outside mlx-lm's training loop: {a['wall'] - a['trainer_s']:.2f} s "
          f"= {outside:.0%} of its wall time")
    assert a["tokens"] > 0 and b["window_tps"]
    assert abs(a["tokens"] / 1000 - b["tokens_k"]) <= 0.051 + 0.001 * a["tokens"] / 1000
