"""What every artifact will take on disk, grouped by the volume it lands on, against its free space."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.doctor.memory import arch, lora_params_per_layer, trained_layers
from core.evaluation.predict import predict

CHECKPOINTS_KEPT = 2
"""The train stage keeps the last two checkpoints (core.training.checkpoint)."""


@dataclass(frozen=True)
class Artifact:
    name: str
    path: Path
    bytes: int
    note: str = ""


def existing_parent(path: Path) -> Path:
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def hub_cache_dir() -> Path:
    try:
        from huggingface_hub.constants import HF_HUB_CACHE

        return Path(HF_HUB_CACHE)
    except ImportError:
        return Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"


def artifacts(cfg: Any, candidate_config: dict[str, Any] | None, downloads: dict[str, int]) -> list[Artifact]:
    """The artifacts of one run: adapter (with best and checkpoints), fused f16, quantized at bits
    and, if parity falls back, at fallback_bits; plus the downloads into the Hugging Face cache."""
    out: list[Artifact] = []
    hub = hub_cache_dir()
    for role, n in downloads.items():
        out.append(Artifact(f"download ({role})", hub, n, "Hugging Face cache"))
    if candidate_config is None:
        return out
    t, q = cfg.train, cfg.quantize
    a = arch(candidate_config)
    lora = lora_params_per_layer(a, t.lora_parameters.rank) * trained_layers(a, t.num_layers)
    # adapter + best/ (float32 weights), and each checkpoint: weights + Adam's two moments.
    adapter = lora * 4 * 2 + CHECKPOINTS_KEPT * lora * 4 * 3
    out.append(Artifact("adapter", cfg.resolve(cfg.outputs.adapter), adapter, "adapter, best/ and 2 checkpoints"))
    f16 = predict(candidate_config, None, None, 1.0).weight_bytes
    out.append(Artifact("fused (float16)", cfg.resolve(cfg.outputs.fused), f16))
    for bits, note in ((q.bits, ""), (q.fallback_bits, "only if parity falls back")):
        size = predict(candidate_config, bits, q.group_size, 1.0).weight_bytes
        out.append(Artifact(f"quantized {bits}-bit", cfg.resolve(cfg.outputs.quantized.format(bits=bits)), size, note))
    return out


def by_volume(items: list[Artifact]) -> list[tuple[Path, int, int, list[Artifact]]]:
    """(mount point, bytes needed, bytes free, artifacts) per volume the artifacts land on."""
    groups: dict[int, tuple[Path, list[Artifact]]] = {}
    for it in items:
        root = existing_parent(it.path)
        dev = root.stat().st_dev
        groups.setdefault(dev, (root, []))[1].append(it)
    out = []
    for root, arts in groups.values():
        free = shutil.disk_usage(root).free
        # Fused and quantized models are written beside the old ones and swapped in: full size.
        need = sum(a.bytes for a in arts)
        out.append((root, need, free, arts))
    return out

