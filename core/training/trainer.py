"""Training with mlx-lm's own trainer (``mlx_lm.tuner.trainer.train``), resumable and cancellable.

mlx-lm does the work: its compiled step, gradient averaging across ranks, its validation and its
reports. Around it, phase25 adds:

* :class:`~core.training.data.BatchStream` as the trainer's ``iterate_batches``: a batch order
  that is a function of (seed, epoch), and the step boundary where cancels are noticed and
  checkpoints written (the model and optimizer state are evaluated there);
* :class:`~core.training.callback.EventCallback`: reports as events, best adapter, early stop;
* checkpoints with the optimizer state, so a resumed run continues the same trajectory: same
  weights, same Adam moments and step count (so the same point of the learning-rate schedule),
  same next batch. The random key is re-seeded from (seed, step) before every step, so dropout
  draws are the same after a resume too.

Only rank 0 writes events, checkpoints and the adapter; the other ranks receive the restored
state from rank 0 through ``all_sum``, so they never need to read rank 0's disk.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import events as ev
from core.runs import atomic_write_json
from core.stagekit import StageCancelledError, StageError, StageIO
from core.training import checkpoint as ck
from core.training.plan import MADE_BY_PHASE25, TrainPlan, adapter_config, lr_schedule_config
from core.training.resume import Resume

if TYPE_CHECKING:
    from core.training.callback import TrainProgress

PARTIAL = ".adapters.partial.safetensors"


class _Cancelled(Exception):
    def __init__(self, path: str | None):
        self.path = path


@dataclass
class TrainResult:
    iterations: int
    total_iters: int
    resumed_from: int | None
    resume_note: str
    early_stopped: bool
    progress: TrainProgress
    tokens_per_second: float | None
    adapter: str
    best_adapter: str | None
    checkpoint: str | None
    world_size: int
    timing: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As JSON (rank 0 hands its result to the stage this way)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainResult:
        from core.training.callback import TrainProgress

        return cls(**{**d, "progress": TrainProgress.from_dict(d.get("progress") or {})})

    def moved(self, old: Path, new: Path) -> TrainResult:
        """The same result with the paths under ``old`` (a staging folder) under ``new``."""
        def at(p: str | None) -> str | None:
            return str(new) + p[len(str(old)):] if p is not None and p.startswith(str(old)) else p

        return replace(self, adapter=at(self.adapter) or self.adapter, best_adapter=at(self.best_adapter),
                       checkpoint=at(self.checkpoint))


def step_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step) % (1 << 62)


class Trainer(Resume):
    """One training run: ``Trainer(ctx, plan).run()`` -> TrainResult, or raises
    StageCancelledError / StageError. ``ctx`` is a StageContext (or a muted one on ranks > 0)."""

    def __init__(self, ctx: StageIO, plan: TrainPlan, is_cancelled: Any = None):
        import mlx.core as mx

        self.ctx, self.plan, self.t = ctx, plan, plan.settings
        self.world = mx.distributed.init()
        self.rank, self.size = self.world.rank(), self.world.size()
        self.writer = self.rank == 0
        self.store = ck.CheckpointStore(plan.adapter_path / "checkpoints")
        self.is_cancelled = is_cancelled or ctx.cancelled.is_set
        self.adapter_cfg = adapter_config(plan)
        self.resumed: ck.Checkpoint | None = None
        self.latest_path: str | None = None

    # -- helpers ---------------------------------------------------------------------------
    def log(self, text: str, level: str = "info") -> None:
        if self.writer:
            self.ctx.log(text, level)

    # -- setup -----------------------------------------------------------------------------
    def load(self) -> tuple[Any, Any, Any, Any]:
        from mlx_lm import load

        from core.training.data import DataError, load_datasets

        try:
            loaded: Any = load(self.plan.model)
            model, tokenizer = loaded[0], loaded[1]
        except Exception as exc:  # mlx-lm raises many kinds; the user needs the path and the key
            where = f" in {self.plan.config_file}" if self.plan.config_file else ""
            local = f"; no local folder {self.plan.local_path} either" if self.plan.local_path else ""
            raise StageError(f"cannot load the base model {self.plan.model} (candidate.path{where}): "
                             f"{type(exc).__name__}: {exc}{local}") from None
        try:
            train_set, valid_set = load_datasets(Path(self.plan.data_dir), tokenizer, self.t.mask_prompt,
                                                 self.t.batch_size, self.size, self.t.max_seq_length,
                                                 warn=lambda text: self.log(text, "warning"),
                                                 held_out=self.plan.holdout.lines)
        except DataError as exc:
            raise StageError(str(exc)) from None
        return model, tokenizer, train_set, valid_set

    def prepare_model(self, model: Any) -> Any:
        import mlx.core as mx
        import mlx.optimizers as optim
        import numpy as np
        from mlx_lm.tuner.utils import build_schedule, linear_to_lora_layers

        t = self.t
        np.random.seed(t.seed)
        mx.random.seed(t.seed)
        if t.num_layers > len(model.layers):
            raise StageError(f"train.num_layers ({t.num_layers}) is more than the model's {len(model.layers)} layers")
        model.freeze()
        if t.fine_tune_type == "full":
            for layer in model.layers[-max(t.num_layers, 0):]:
                layer.unfreeze()
        else:
            linear_to_lora_layers(model, t.num_layers, t.lora_parameters.model_dump(),
                                  use_dora=t.fine_tune_type == "dora")
        schedule = lr_schedule_config(t)
        return optim.Adam(learning_rate=build_schedule(schedule) if schedule else t.learning_rate)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t0 = time.time()
        with self.ctx.deferred_interrupts():
            ckpt, note = self.decide_resume()
            if note:
                self.log(note, "warning" if "different inputs" in note or "beyond" in note else "info")
            model, _tok, train_set, valid_set = self.load()
            opt = self.prepare_model(model)
            start, progress = self.restore(model, opt, ckpt)
            self.resumed = ckpt if start else None
            self.latest_path = str(ckpt.path) if (ckpt and start) else None
            if self.is_cancelled():
                raise StageCancelledError(self.latest_path)
            setup_s = time.time() - t0
            return self._train(model, opt, train_set, valid_set, start, progress, note, t0, setup_s)

    def _train(self, model: Any, opt: Any, train_set: Any, valid_set: Any, start: int,
               progress_d: dict[str, Any], note: str, t0: float, setup_s: float) -> TrainResult:
        import mlx.core as mx
        from mlx.utils import tree_flatten
        from mlx_lm.tuner.trainer import TrainingArgs
        from mlx_lm.tuner.trainer import train as mlx_train

        from core.training.callback import (
            EarlyStop,
            EventCallback,
            TrainProgress,
            replay_history,
            resume_segments,
        )
        from core.training.data import BatchStream

        t, adapter_dir = self.t, self.plan.adapter_path
        progress = TrainProgress.from_dict(progress_d)
        base_tokens = progress.trained_tokens

        def save(p: int, exact_tokens: bool = False) -> str | None:
            if not exact_tokens:  # tokens of the steps since the last report are not in it yet
                done = int(self._sum(mx.array(stream.tokens_done, dtype=mx.int64)).item())
                progress.trained_tokens = base_tokens + done
            if not self.writer:
                return None
            weights = dict(tree_flatten(model.trainable_parameters()))
            state = {"total_iters": t.iters, "resume_key": self.plan.resume_key, "inputs": self.plan.inputs,
                     "progress": progress.to_dict(), "world_size": self.size, "model": self.plan.model,
                     "data": {"seed": t.seed, "next_batch": p}, "history": callback.history}
            path = self.store.save(p, weights, dict(tree_flatten(opt.state)), state, self.adapter_cfg)
            self.latest_path = str(path)
            self.ctx.emit(ev.CheckpointSaved(iteration=p, path=str(path), best=False))
            return str(path)

        def stop_requested() -> bool:
            flag = self.is_cancelled()
            if self.size > 1:
                flag = self._sum(mx.array(int(flag))).item() > 0
            return bool(flag)

        def on_boundary(p: int) -> None:
            mx.random.seed(step_seed(t.seed, p))
            if p == start:
                if stop_requested():
                    raise _Cancelled(self.latest_path)
                return
            if stop_requested():
                raise _Cancelled(save(p))
            if p % t.save_every == 0:
                save(p)

        def on_val_batch() -> None:
            if self.size == 1 and self.is_cancelled():  # ranks agree at step boundaries only
                p = stream.completed
                raise _Cancelled(save(p) if p > start else self.latest_path)

        def save_best(it: int) -> str | None:
            if not self.writer:
                return None
            from core.staging import staged_dir

            with staged_dir(adapter_dir / "best") as tmp:
                mx.save_safetensors(str(tmp / ck.WEIGHTS), dict(tree_flatten(model.trainable_parameters())))
                atomic_write_json(tmp / ck.CONFIG, self.adapter_cfg)
                atomic_write_json(tmp / "best.json", {"iteration": it, "val_loss": progress.best_val_loss})
            return str(adapter_dir / "best")

        stream = BatchStream(t.seed, start, on_boundary=on_boundary, on_val_batch=on_val_batch,
                             warn=lambda s: self.log(s, "warning"))
        callback = EventCallback(emit=self.ctx.emit, start=start, total=t.iters, steps_per_eval=t.steps_per_eval,
                                 progress=progress, base_tokens=base_tokens, has_val=valid_set is not None,
                                 patience=t.patience, on_best=save_best, is_writer=self.writer,
                                 steps_per_report=t.steps_per_report)
        if self.writer and self.resumed is not None:
            history = self.resumed.state.get("history") or []
            sent = replay_history(history, self.ctx.emit)
            callback.history = [h for h in history if isinstance(h, dict)]
            if sent:
                self.log(f"the curve up to iter {start} is replayed from the checkpoint ({sent} reports)")
        adapter_dir.mkdir(parents=True, exist_ok=True)
        if self.writer:
            (adapter_dir / MADE_BY_PHASE25).touch()
        partial = adapter_dir / PARTIAL
        early = False
        t_loop = time.time()
        try:
            if start < t.iters:
                self.log(f"training {t.fine_tune_type} on {self.plan.model}: iters {start + 1}..{t.iters}"
                         + (f" on {self.size} ranks" if self.size > 1 else ""))
                for a, b, validate in resume_segments(start, t.iters, t.steps_per_report, t.steps_per_eval):
                    if a:
                        self.log(f"mlx-lm's table below counts from 1 again: its iter 1 is iter {a + 1}"
                                 + (f" (it stops at {b}, so that reports and validations fall where an "
                                    "uninterrupted run has them)" if b < t.iters else ""))
                    callback.start, callback.base_tokens = a, progress.trained_tokens
                    stream.start = a
                    args = TrainingArgs(
                        batch_size=t.batch_size, iters=b - a, val_batches=t.val_batches,
                        steps_per_report=t.steps_per_report, steps_per_eval=t.steps_per_eval,
                        steps_per_save=t.iters + 1,  # checkpoints are ours (at the step boundary)
                        max_seq_length=t.max_seq_length, adapter_file=str(partial),
                        grad_checkpoint=t.grad_checkpoint,
                    )
                    mlx_train(model=model, optimizer=opt, train_dataset=train_set,
                              val_dataset=valid_set if validate else None, args=args,
                              iterate_batches=stream, training_callback=callback)
                done = t.iters
            else:
                done = start
        except _Cancelled as exc:
            partial.unlink(missing_ok=True)
            raise StageCancelledError(exc.path) from None
        except EarlyStop as exc:
            early, done = True, stream.completed
            self.log(f"early stop at iter {exc.iteration}: no better validation loss in {t.patience} evaluations "
                     f"since iter {exc.best_iteration}; the adapter is the best one (iter {exc.best_iteration})")
        trainer_s = time.time() - t_loop
        # mlx-lm reports at its last step, so after a full run the reported token count is exact.
        final_ckpt = save(done, exact_tokens=not early) if done > start else self.latest_path
        if self.writer:
            self._write_adapter(model, partial, early)
        return TrainResult(
            iterations=done, total_iters=t.iters, resumed_from=start or None, resume_note=note,
            early_stopped=early, progress=progress,
            tokens_per_second=callback.mean_tokens_per_second(),
            adapter=str(adapter_dir), best_adapter=str(adapter_dir / "best") if (adapter_dir / "best").is_dir() else None,
            checkpoint=final_ckpt, world_size=self.size,
            timing={"setup_s": setup_s, "trainer_s": trainer_s, "total_s": time.time() - t0},
        )

    def _write_adapter(self, model: Any, partial: Path, early: bool) -> None:
        """adapter_config.json, then adapters.safetensors by rename: the pair is never half-written."""
        import mlx.core as mx
        from mlx.utils import tree_flatten

        adapter_dir = self.plan.adapter_path
        best = adapter_dir / "best" / ck.WEIGHTS
        if early and best.is_file():
            import shutil

            shutil.copyfile(best, partial)
        elif not partial.is_file():  # mlx-lm did not run (nothing left to train)
            mx.save_safetensors(str(partial), dict(tree_flatten(model.trainable_parameters())))
        atomic_write_json(adapter_dir / ck.CONFIG, self.adapter_cfg)
        os.replace(partial, adapter_dir / ck.WEIGHTS)
