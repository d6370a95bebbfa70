"""Fixtures for the MLX stage tests: a throwaway tiny qwen2 model, chat data, configs, a runner."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny_model  # noqa: E402

from core import events as ev  # noqa: E402
from core.config import ExperimentConfig, load_config  # noqa: E402
from core.runner import Pipeline  # noqa: E402
from core.state import RunState  # noqa: E402

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
    p.write_text(CONFIG.format(model=model or tiny.model, data=data or tiny.data))
    return load_config(p, list(overrides))


@pytest.fixture
def make_cfg(tmp_path: Path, tiny: Tiny) -> Callable[..., ExperimentConfig]:
    """make_cfg(*overrides, folder='exp', model=..., data=...) -> a config in tmp_path/folder."""

    def make(
        *overrides: str, folder: str = "exp", model: Path | str | None = None, data: Path | None = None
    ) -> ExperimentConfig:
        return write_config(tmp_path / folder, tiny, *overrides, model=model, data=data)

    return make


@dataclass
class Outcome:
    pipe: Pipeline
    events: list[Any]
    state: RunState

    def finished(self, stage: str) -> ev.StageFinished:
        return next(e for e in self.events if isinstance(e, ev.StageFinished) and e.stage == stage)

    def of(self, kind: type, stage: str | None = None) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and (stage is None or e.stage == stage)]

    def stderr(self, stage: str) -> str:
        assert self.pipe.run is not None
        return self.pipe.run.stage_log(stage, "stderr").read_text(errors="replace")


def run_stages(
    cfg: ExperimentConfig,
    stages: list[str],
    force: set[str] | None = None,
    cancel_when: Callable[[Any], bool] | None = None,
    grace: float = 20.0,
    hook: Callable[[Pipeline, Any], None] | None = None,
) -> Outcome:
    """Run stages through the real runner (each a subprocess); optionally cancel on an event
    (``cancel_when``) or act on each event (``hook(pipe, event)``)."""
    pipe = Pipeline(cfg, stages, force=force, grace_s=grace, poll_interval=0.05)
    events: list[Any] = []
    fired = threading.Event()
    for e in pipe.events():
        events.append(e)
        if hook is not None:
            hook(pipe, e)
        if cancel_when is not None and not fired.is_set() and cancel_when(e):
            fired.set()
            pipe.cancel()
    return Outcome(pipe, events, RunState.from_events(events))
