"""The tiny qwen2 model, its chat data and configs for it: shared by the MLX stage tests
(tests/stages) and the training tests (tests/training), whose conftests import these fixtures."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny_model  # noqa: E402

from core.config import ExperimentConfig, load_config  # noqa: E402
from core.paths import DATA_DIR  # noqa: E402

SUITE = DATA_DIR / "suite" / "suite.json"  # the train stage holds rows stating its facts out

CONFIG = """
[experiment]
name = "stage-tests"

[candidate]
name = "tiny qwen2"
path = "{model}"
family = "qwen2.5"

[baseline]
name = "unused"
path = "{model}"
family = "qwen3"

[data]
train = "{data}"
suite = "{suite}"

[train]
fine_tune_type = "lora"
num_layers = 2
batch_size = 2
iters = 20
learning_rate = 1e-3
steps_per_report = 4
steps_per_eval = 10
save_every = 8
val_batches = 2
max_seq_length = 512
mask_prompt = true
seed = 0

[quantize]
bits = 5
group_size = 32

[outputs]
adapter = "out/adapter"
fused = "out/fused"
quantized = "out/q{{bits}}"
runs_dir = "runs"
"""


@dataclass
class Tiny:
    model: Path
    data: Path


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    root = tmp_path_factory.mktemp("tiny")
    data = root / "data"
    tiny_model.write_jsonl(data / "train.jsonl", tiny_model.chat_rows(24, seed=1))
    tiny_model.write_jsonl(data / "valid.jsonl", tiny_model.chat_rows(6, seed=2))
    model = tiny_model.build_model(root / "model", data)
    return Tiny(model=model, data=data)


def write_config(
    folder: Path, tiny: Tiny, *overrides: str, model: Path | str | None = None, data: Path | None = None
) -> ExperimentConfig:
    """A config in ``folder`` (outputs and runs inside it) for the tiny model, with --set overrides."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "phase25.toml"
    p.write_text(CONFIG.format(model=model or tiny.model, data=data or tiny.data, suite=SUITE))
    return load_config(p, list(overrides))


@pytest.fixture
def make_cfg(tmp_path: Path, tiny: Tiny) -> Callable[..., ExperimentConfig]:
    """make_cfg(*overrides, folder='exp', model=..., data=...) -> a config in tmp_path/folder."""

    def make(
        *overrides: str, folder: str = "exp", model: Path | str | None = None, data: Path | None = None
    ) -> ExperimentConfig:
        return write_config(tmp_path / folder, tiny, *overrides, model=model, data=data)

    return make


