"""The fake pipeline's experiment (see fake_pipeline.py) in a folder of its own."""

from __future__ import annotations

from pathlib import Path

from harness import Experiment

from core.config import load_config
from core.stages import StageDef

FAKE = """
[experiment]
name = "faults"

[candidate]
name = "c"
path = "models/c"
family = "qwen2.5"

[baseline]
name = "b"
path = "models/b"
family = "qwen3"

[outputs]
runs_dir = "runs"
"""
FAKE_STAGES = ["source", "build", "summary"]


def fake_experiment(folder: Path) -> Experiment:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exp.toml").write_text(FAKE)
    cfg = load_config(folder / "exp.toml")
    out = folder / "out"
    return Experiment(
        cfg=cfg, stages=FAKE_STAGES,
        defs={n: StageDef(n, "fake_pipeline", n, uses_mlx=False) for n in FAKE_STAGES},
        outputs=lambda exp: {"source.txt": out / "source.txt", "built": out / "built",
                             "summary.json": out / "summary.json"},
    )
