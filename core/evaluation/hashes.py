"""The config and data hashes a results file and the report carry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.config import ExperimentConfig
from core.runs import sha256_file


def config_hash(cfg: ExperimentConfig) -> str:
    """sha256 of the resolved config (canonical JSON)."""
    blob = json.dumps(cfg.to_toml_dict(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def data_hash(cfg: ExperimentConfig) -> str:
    """sha256 over the training split files (train.jsonl, valid.jsonl) and the suite; 'missing' parts say so."""
    h = hashlib.sha256()
    folder = cfg.resolve(cfg.data.train)
    for name, path in (("train.jsonl", folder / "train.jsonl"), ("valid.jsonl", folder / "valid.jsonl"),
                       ("suite", cfg.resolve(cfg.data.suite))):
        digest = sha256_file(path) if Path(path).is_file() else "missing"
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()
