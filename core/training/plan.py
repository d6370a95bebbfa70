"""What a training run is made of, worked out from the config before anything heavy is loaded.

:class:`TrainPlan` carries the resolved paths, the [train] settings and two keys:

* the stage cache key (``cache_fields`` + ``input_files``, hashed by the stage context): every config
  field that changes the adapter, the data files' contents, the base model's identity, the output
  path, ``[data] hold_out_leaking`` and the lines of train.jsonl held out (core.training.holdout).
  Not the suite itself: an edit to it that holds out the same lines leaves the adapter as it was
  (the stage then only counts the rows stating suite facts again). Nothing changed -> cached.
* ``resume_key`` (checkpoints): only what shapes the training trajectory (model, data, LoRA
  settings, optimizer, batch, seed, ranks, validation batches, the rows held out). A checkpoint is resumed only when
  its key matches, so a changed learning rate or data file starts fresh, while a longer
  ``iters`` continues the run it extends.

The plan is plain JSON, so the multi-rank workers read the very plan the stage made.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.config import ExperimentConfig, TrainSection
from core.training.holdout import HoldOut, HoldOutError, find_hold_out

HUB_ID = re.compile(r"[A-Za-z0-9][\w.\-]*/[\w.\-]+")
# [train] fields that change the trained weights' trajectory (see the module docstring).
TRAJECTORY_FIELDS = ("fine_tune_type", "num_layers", "batch_size", "learning_rate", "lr_schedule",
                     "lora_parameters", "max_seq_length", "mask_prompt", "seed", "val_batches")
# A file phase25 leaves in every adapter folder it trains into, so that a later run knows the folder
# is its own (and never overwrites an adapter someone else put there).
MADE_BY_PHASE25 = ".phase25-adapter"
# [train] fields that never change the output.
COSMETIC_FIELDS = {"steps_per_report", "save_every", "backend", "hosts", "n_ranks", "on_corrupt_checkpoint"}


class PlanError(ValueError):
    """The config cannot be trained as it is; the message names the file and the key."""


@dataclass
class TrainPlan:
    model: str
    model_is_local: bool
    data_dir: str
    adapter_dir: str
    train: TrainSection  # validated once, when the config is loaded (or the plan file is read)
    world_size: int
    config_file: str = ""
    resume_key: str = ""
    cache_fields: dict[str, Any] = field(default_factory=dict)  # config fields the output depends on
    inputs: dict[str, str] = field(default_factory=dict)  # component -> hash, to say what changed
    force: bool = False
    local_path: str = ""  # for a hub id: the local folder candidate.path would have been
    publish_dir: str = ""  # where the adapter ends up when it is trained in a staging folder (adapter_dir)
    holdout: HoldOut = field(default_factory=lambda: HoldOut(enabled=False))  # rows stating suite facts

    @property
    def settings(self) -> TrainSection:
        return self.train

    @property
    def adapter_path(self) -> Path:
        return Path(self.adapter_dir)

    def input_files(self) -> list[Path]:
        """What the stage cache hashes: the data files and, when local, the base model folder."""
        files = [Path(self.data_dir) / "train.jsonl", Path(self.data_dir) / "valid.jsonl"]
        return files + ([Path(self.model)] if self.model_is_local else [])

    def to_json(self) -> str:
        doc = {f.name: getattr(self, f.name) for f in fields(self)}
        doc["train"] = self.train.model_dump(mode="json")
        doc["holdout"] = self.holdout.to_dict()
        return json.dumps(doc, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainPlan:
        doc = json.loads(text)
        doc["train"] = TrainSection.model_validate(doc["train"])
        doc["holdout"] = HoldOut.from_dict(doc.get("holdout") or {})
        return cls(**doc)


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def resolve_base_model(cfg: ExperimentConfig) -> tuple[str, bool]:
    """(path or hub id, is_local). A missing local folder raises PlanError naming the config key."""
    spec = cfg.candidate
    where = f" in {cfg.source}" if cfg.source else ""
    local = cfg.resolve(spec.path)
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise PlanError(f"base model folder {local} has no config.json (candidate.path{where})")
        return str(local), True
    if local.exists():
        raise PlanError(f"base model path {local} is a file, not a model folder (candidate.path{where})")
    hub_like = HUB_ID.fullmatch(spec.path) is not None and not spec.path.startswith((".", "/", "~"))
    if hub_like and not cfg.experiment.demo:
        return spec.path, False
    hint = " (run `phase25 demo build`)" if cfg.experiment.demo else ""
    raise PlanError(f"base model not found: {local} does not exist (candidate.path = {spec.path!r}{where}){hint}")


def lr_schedule_config(t: TrainSection) -> dict[str, Any] | None:
    """The [train.lr_schedule] table as mlx-lm's build_schedule wants it, with defaults filled in."""
    s = t.lr_schedule
    if s is None:
        return None
    args = list(s.arguments)
    if not args:
        if s.name == "cosine_decay":
            args = [t.learning_rate, t.iters]
        elif s.name == "linear_schedule":
            args = [t.learning_rate, 0.0, t.iters]
        else:
            raise PlanError(f"train.lr_schedule.arguments: {s.name} needs its arguments "
                            "(mlx.optimizers.schedulers), e.g. [1e-4, 0.9] for exponential_decay")
    return {"name": s.name, "arguments": args, "warmup": s.warmup, "warmup_init": s.warmup_init}


def make_plan(cfg: ExperimentConfig, fingerprint: Callable[[Path], str], force: bool = False) -> TrainPlan:
    """Check the inputs and compute both keys. ``fingerprint`` hashes a file or folder (memoised)."""
    model, is_local = resolve_base_model(cfg)
    t = cfg.train
    data_dir = cfg.resolve(cfg.data.train)
    for split in ("train", "valid"):
        f = data_dir / f"{split}.jsonl"
        if not f.is_file():
            raise PlanError(f"{f}: missing (the {split} split of data.train in {cfg.source or 'the config'})")
    from core.training.data import DataError

    try:
        holdout = find_hold_out(cfg, data_dir / "train.jsonl")
    except (DataError, HoldOutError) as exc:
        raise PlanError(str(exc)) from None
    world = len(t.hosts) if t.hosts else t.n_ranks
    if t.batch_size % world:
        raise PlanError(f"train.batch_size ({t.batch_size}) must be divisible by the number of ranks ({world})")
    train = t.model_dump(mode="json")
    inputs = {
        "model": fingerprint(Path(model)) if is_local else f"hub:{model}",
        "data": _digest({s: fingerprint(data_dir / f"{s}.jsonl") for s in ("train", "valid")}),
        # The schedule as it will run (defaults filled in from iters), not as written.
        "settings": _digest({k: train[k] for k in TRAJECTORY_FIELDS if k != "lr_schedule"}
                            | {"lr_schedule": lr_schedule_config(t), "world_size": world}),
    }
    if holdout.lines:  # (none held out: the key is what it was before rows were ever held out)
        inputs["held_out"] = _digest(sorted(holdout.lines))
    adapter_dir = cfg.resolve(cfg.outputs.adapter)
    output_fields = {k: v for k, v in train.items() if k not in COSMETIC_FIELDS}
    return TrainPlan(
        model=model,
        model_is_local=is_local,
        data_dir=str(data_dir),
        adapter_dir=str(adapter_dir),
        train=t,
        world_size=world,
        config_file=str(cfg.source or ""),
        resume_key=_digest(inputs),
        cache_fields={"train": output_fields, "world_size": world,
                      "hold_out_leaking": holdout.enabled, "held_out": inputs.get("held_out", "")},
        inputs=inputs,
        force=force,
        local_path="" if is_local else str(cfg.resolve(cfg.candidate.path)),
        holdout=holdout,
    )


def what_changed(old: dict[str, str], new: dict[str, str]) -> str:
    names = {"model": "the base model", "data": "the training data", "settings": "the [train] settings",
             "held_out": "the rows held out for stating suite facts"}
    diff = [names.get(k, k) for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]
    return ", ".join(diff) or "unknown inputs"


def adapter_config(plan: TrainPlan) -> dict[str, Any]:
    """adapter_config.json in mlx-lm's shape (what `mlx_lm lora` writes), which load/fuse read."""
    t = plan.settings
    return {
        "model": plan.model,
        "data": plan.data_dir,
        "adapter_path": plan.publish_dir or plan.adapter_dir,
        "train": True,
        "fine_tune_type": t.fine_tune_type,
        "optimizer": "adam",
        "num_layers": t.num_layers,
        "lora_parameters": t.lora_parameters.model_dump(),
        "batch_size": t.batch_size,
        "iters": t.iters,
        "learning_rate": t.learning_rate,
        "lr_schedule": lr_schedule_config(t),
        "max_seq_length": t.max_seq_length,
        "mask_prompt": t.mask_prompt,
        "grad_checkpoint": t.grad_checkpoint,
        "seed": t.seed,
        "steps_per_report": t.steps_per_report,
        "steps_per_eval": t.steps_per_eval,
        "save_every": t.save_every,
        "val_batches": t.val_batches,
    }
