"""The plain mlx-lm command lines equivalent to the train, fuse and quantize stages.

Each stage sends its equivalent as an Equivalent event (``ctx.equivalent``; its log shows it),
so a result can be reproduced (or compared) with mlx-lm alone. Where the stage goes beyond mlx-lm (a true resume,
float16 output from fuse), the note says so.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from core.training.plan import TrainPlan, lr_schedule_config

# mlx-lm's own defaults for the settings its CLI has no flag for.
MLX_LORA_DEFAULTS = {"rank": 8, "dropout": 0.0, "scale": 20.0}


def lora_yaml(plan: TrainPlan) -> str | None:
    """The -c YAML for what `mlx_lm lora` only takes from a config file (LoRA rank/scale/dropout,
    the lr schedule), or None when mlx-lm's defaults already match."""
    t = plan.settings
    lines: list[str] = []
    lp = t.lora_parameters.model_dump()
    if lp != MLX_LORA_DEFAULTS:
        lines += ["lora_parameters:"] + [f"  {k}: {v}" for k, v in lp.items()]
    sched = lr_schedule_config(t)
    if sched:
        lines += ["lr_schedule:", f"  name: {sched['name']}", f"  arguments: {sched['arguments']}",
                  f"  warmup: {sched['warmup']}", f"  warmup_init: {sched['warmup_init']}"]
    return "\n".join(lines) + "\n" if lines else None


def launch_prefix(plan: TrainPlan, hostfile: Path | None) -> list[str]:
    t = plan.settings
    if plan.world_size <= 1:
        return []
    where = ["--hostfile", str(hostfile)] if t.hosts and hostfile else ["-n", str(plan.world_size)]
    backend = [] if t.backend == "any" else ["--backend", t.backend]
    return ["mlx.launch", *where, *backend, "--"]


def lora_command(plan: TrainPlan, yaml_path: Path | None = None, hostfile: Path | None = None,
                 data_dir: Path | str | None = None) -> str:
    """``data_dir``: the rows as the trainer sees them (with mask_prompt, one row per assistant
    turn; the train stage writes them into the run folder), else the config's data folder."""
    t = plan.settings
    argv = [
        "mlx_lm", "lora", "--model", plan.model, "--train", "--data", str(data_dir or plan.data_dir),
        "--adapter-path", plan.adapter_dir, "--fine-tune-type", t.fine_tune_type,
        "--num-layers", str(t.num_layers), "--batch-size", str(t.batch_size), "--iters", str(t.iters),
        "--learning-rate", repr(t.learning_rate), "--steps-per-report", str(t.steps_per_report),
        "--steps-per-eval", str(t.steps_per_eval), "--save-every", str(t.save_every),
        "--val-batches", str(t.val_batches), "--max-seq-length", str(t.max_seq_length), "--seed", str(t.seed),
    ]
    if t.mask_prompt:
        argv.append("--mask-prompt")
    if t.grad_checkpoint:
        argv.append("--grad-checkpoint")
    if yaml_path is not None:
        argv += ["-c", str(yaml_path)]
    cmd = shlex.join(launch_prefix(plan, hostfile) + argv)
    if t.mask_prompt and data_dir is None:
        cmd += ("  # phase25 first splits multi-turn rows into one row per assistant turn, so the"
                " execute_code call is trained too (mlx-lm masks all but the last message)")
    return cmd + ("  # same rows and settings; mlx-lm draws its own batch order and validation batches,"
                  " so the losses differ a little")


def fuse_command(model: str, adapter: Path, save_path: Path, dequantize: bool, cast_f16: bool) -> str:
    argv = ["mlx_lm", "fuse", "--model", model, "--adapter-path", str(adapter), "--save-path", str(save_path)]
    if dequantize:
        argv.append("--dequantize")
    if not cast_f16:
        return shlex.join(argv)
    # mlx_lm fuse keeps the base dtype and has no --dtype: a convert pass makes it float16.
    tmp = str(save_path) + ".fused"
    argv[argv.index("--save-path") + 1] = tmp
    return shlex.join(argv) + " && " + shlex.join(
        ["mlx_lm", "convert", "--hf-path", tmp, "--mlx-path", str(save_path), "--dtype", "float16"])


def convert_command(fused: Path, out: Path, bits: int, group_size: int) -> str:
    return shlex.join(["mlx_lm", "convert", "--hf-path", str(fused), "--mlx-path", str(out), "-q",
                       "--q-bits", str(bits), "--q-group-size", str(group_size)])
