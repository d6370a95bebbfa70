"""The demo experiment (the real stages, on the tiny stand-in models) in a folder of its own,
shortened so that a fault run takes seconds per stage: a few training iterations, short replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness import Experiment

from core.config import load_config
from core.paths import PROJECT_ROOT
from core.stages import STAGE_NAMES

DEMO = PROJECT_ROOT / "data" / "demo" / "phase25.demo.toml"
MODELS = PROJECT_ROOT / "data" / "demo" / "models"
ITERS = 12
TOLERANCE = 1e-6  # the resume tests' tolerance on the adapter's weights and the validation loss


def demo_models_present() -> bool:
    return all((MODELS / n / "config.json").is_file() for n in ("tiny-qwen2.5-coder", "tiny-qwen3-moe-phase24"))


def demo_experiment(folder: Path) -> Experiment:
    out = folder / "out"
    overrides = [
        f"train.iters={ITERS}", "train.save_every=4", "train.steps_per_eval=4", "train.steps_per_report=2",
        "train.val_batches=2", f'train.lr_schedule={{name = "cosine_decay", arguments = [1e-3, {ITERS}, 1e-5]}}',
        "evaluation.max_tokens=24",
        f"outputs.adapter={out}/adapter", f"outputs.fused={out}/fused", f"outputs.quantized={out}/q{{bits}}",
        f"outputs.results={out}/phase25_results.json", f"outputs.report={out}/phase25_report.md",
        f"outputs.diary={out}/diary.md", f"outputs.memory={out}/MEMORY.md", f"outputs.runs_dir={folder}/runs",
    ]
    cfg = load_config(DEMO, overrides)
    return Experiment(cfg=cfg, stages=list(STAGE_NAMES), outputs=lambda exp: {
        "fused model": out / "fused", "quantized model": out / "q5",
    }, compare_extra=compare_adapter_and_replies)


def _results(exp: Experiment, role: str) -> dict[str, Any]:
    p = Path(exp.cfg.resolve(exp.cfg.outputs.results))
    p = p.with_name(f"{p.stem}.{role}.json")
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError):
        return {}
    return {q["query_id"]: [r["text"] for r in q["rounds"]] for q in data.get("queries", [])}


def compare_adapter_and_replies(exp: Experiment, ref: Experiment) -> list[str]:
    """The adapter's weights and the final validation loss within the resume tests' tolerance, and
    the replies (the results without their timings) the same."""
    import mlx.core as mx

    found: list[str] = []
    a_dir, b_dir = (Path(e.cfg.resolve(e.cfg.outputs.adapter)) for e in (exp, ref))
    try:
        a, b = (mx.load(str(d / "adapters.safetensors")) for d in (a_dir, b_dir))
    except (RuntimeError, ValueError) as exc:
        return [f"the adapter cannot be read: {exc}"]
    if a.keys() != b.keys():
        found.append("the adapter's tensors differ in names")
    else:
        worst = max(mx.abs(a[k] - b[k]).max().item() for k in a)
        if worst >= TOLERANCE:
            found.append(f"the adapter differs by up to {worst:.2e} (tolerance {TOLERANCE})")
    losses = []
    for e in (exp, ref):
        rec = json.loads((e.cfg.runs_dir.parent / "cache" / "train.json").read_text())
        losses.append((rec.get("summary") or {}).get("val_loss"))
    if None in losses or abs(losses[0] - losses[1]) >= TOLERANCE:
        found.append(f"the final validation loss {losses[0]} differs from {losses[1]}")
    for role in ("candidate", "baseline"):
        if _results(exp, role) != _results(ref, role):
            found.append(f"the {role}'s replies differ")
    return found
