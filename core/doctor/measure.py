"""Measure MLX's peak memory and the time of one LoRA training step, to check the doctor against.

``python -m core.doctor.measure MODEL --setting B:L:N [--setting ...] [--grad-checkpoint]`` prints
one JSON object per setting (batch B, sequence length L, N trained layers): the measured peak
(``mx.get_peak_memory()`` over one forward, backward and Adam step, weights included) beside the
prediction of ``core.doctor.memory``; with ``--timed-steps K``, the seconds per step beside the
FLOPs that ``core.doctor.timing`` counts for it. Each group of settings runs in its own process: gradient
checkpointing patches the layer class for the whole process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from core.doctor.memory import train_memory
from core.doctor.timing import step_flops
from core.evaluation.predict import read_config


def measure_step(model_path: str, batch: int, seq: int, layers: int, grad_checkpoint: bool,
                 rank: int = 8, timed_steps: int = 0) -> dict[str, Any]:
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx_lm import load
    from mlx_lm.tuner.trainer import default_loss
    from mlx_lm.tuner.trainer import grad_checkpoint as patch_checkpoint
    from mlx_lm.tuner.utils import linear_to_lora_layers

    loaded: Any = load(model_path)
    model = loaded[0]
    model.freeze()
    linear_to_lora_layers(model, layers, {"rank": rank, "scale": 20.0, "dropout": 0.0})
    if grad_checkpoint:
        patch_checkpoint(model.layers[0])
    opt = optim.Adam(learning_rate=1e-4)
    opt.init(model.trainable_parameters())
    mx.eval(model.parameters(), opt.state)
    vocab = int(model.args.vocab_size)
    mx.random.seed(0)
    tokens = mx.random.randint(0, vocab, (batch, seq + 1))
    lengths = mx.array([[0, seq]] * batch)
    loss_grad = nn.value_and_grad(model, default_loss)
    mx.eval(tokens, lengths)
    mx.clear_cache()
    mx.reset_peak_memory()
    (loss, _ntoks), grads = loss_grad(model, tokens, lengths)
    opt.update(model, grads)
    mx.eval(loss, model.parameters(), opt.state)
    peak = int(mx.get_peak_memory())
    t0 = time.perf_counter()
    for _ in range(timed_steps):
        (loss, _ntoks), grads = loss_grad(model, tokens, lengths)
        opt.update(model, grads)
        mx.eval(loss, model.parameters(), opt.state)
    step_s = (time.perf_counter() - t0) / timed_steps if timed_steps else None
    pred = train_memory(read_config(Path(model_path)), batch_size=batch, seq_len=seq, num_layers=layers, rank=rank)
    return {"model": Path(model_path).name, "batch": batch, "seq": seq, "layers": layers,
            "grad_checkpoint": grad_checkpoint, "measured": peak, "predicted": pred.peak(grad_checkpoint),
            "parts": pred.to_dict(), "step_s": step_s,
            "step_flops": step_flops(read_config(Path(model_path)), seq, layers, grad_checkpoint) * batch * seq}


def measure_in_process(model_path: str | Path, settings: list[tuple[int, int, int]], grad_checkpoint: bool,
                       timeout_s: float = 180.0) -> list[dict[str, Any]]:
    """Settings (batch, sequence, layers) measured one after another in a fresh Python process."""
    cmd = [sys.executable, "-m", "core.doctor.measure", str(model_path)]
    for b, s, n in settings:
        cmd += ["--setting", f"{b}:{s}:{n}"]
    cmd += ["--grad-checkpoint"] if grad_checkpoint else []
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr.strip()[-500:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def _setting(text: str) -> tuple[int, int, int]:
    b, s, n = (int(x) for x in text.split(":"))
    return b, s, n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.doctor.measure")
    p.add_argument("model")
    p.add_argument("--setting", type=_setting, action="append", required=True, help="BATCH:SEQ:LAYERS")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--grad-checkpoint", action="store_true")
    p.add_argument("--timed-steps", type=int, default=0, help="time this many more steps")
    a = p.parse_args(argv)
    for b, s, n in a.setting:
        print(json.dumps(measure_step(a.model, b, s, n, a.grad_checkpoint, a.rank, a.timed_steps)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
