"""The resume half of a training run: which checkpoint to continue from (or why not), and restoring
its weights, optimizer state and progress on every rank in one agreed order.

``Trainer`` (core.training.trainer) mixes this in; it provides ``ctx``, ``plan``, ``t``, ``store``,
``rank``, ``size``, ``writer`` and ``log``.
"""

from __future__ import annotations

from typing import Any

from core.config import TrainSection
from core.stagekit import StageError, StageIO
from core.training import checkpoint as ck
from core.training.plan import TrainPlan, what_changed


def _set_path(tree: Any, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = tree
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


class Resume:
    ctx: StageIO
    plan: TrainPlan
    t: TrainSection
    store: ck.CheckpointStore
    rank: int
    size: int
    writer: bool

    def log(self, text: str, level: str = "info") -> None:
        raise NotImplementedError

    def _sum(self, x: Any) -> Any:
        import mlx.core as mx

        return mx.distributed.all_sum(x, stream=mx.cpu) if self.size > 1 else x

    def _bcast(self, x: Any) -> Any:
        """Rank 0's value everywhere (all_sum of rank 0's value and zeros)."""
        import mlx.core as mx

        if self.size == 1:
            return x
        return mx.distributed.all_sum(x if self.rank == 0 else mx.zeros_like(x), stream=mx.cpu)

    def _check_same_layout(self, layout: list[tuple[str, Any]]) -> None:
        """Raise StageError unless every rank's trainable tree has rank 0's names and shapes."""
        import hashlib

        import mlx.core as mx

        if self.size == 1:
            return
        digest = hashlib.sha256(repr([(k, tuple(s)) for k, s in layout]).encode()).digest()
        mine = mx.array(list(digest[:16]), dtype=mx.int32)
        differs = int(not mx.array_equal(self._bcast(mine), mine).item())
        if self._sum(mx.array(differs)).item():  # every rank stops, so none waits on the others
            raise StageError("the ranks' trainable parameters differ from rank 0's in names or shapes "
                             "(a different model or mlx-lm version on a host?); cannot resume")

    # -- resume decision -------------------------------------------------------------------
    def decide_resume(self) -> tuple[ck.Checkpoint | None, str]:
        if not self.writer:
            return None, ""
        if self.plan.force:
            if self.store.folders():
                moved = self.store.retire()
                return None, f"--force: starting over (earlier checkpoints moved to {moved})"
            return None, "--force: starting over"
        while True:
            try:
                latest = self.store.latest()
                if latest is not None and self._usable(latest):
                    latest.arrays()  # hashes can match files mlx cannot read: find out now
                break
            except ck.CorruptCheckpoint as exc:
                if exc.previous is None:
                    exc.previous = next((i for i, _ in self.store.folders() if i < (exc.iteration or 0)), None)
                if self.t.on_corrupt_checkpoint != "previous" or exc.previous is None:
                    raise StageError(exc.user_message()) from None
                moved = self.store.set_aside_corrupt(exc.path)
                self.log(f"checkpoint iter {exc.iteration} is corrupt ({exc.reason}); moved to {moved}, "
                         f"trying iter {exc.previous}", "warning")
        if latest is None:
            return None, "no checkpoint: starting fresh"
        st = latest.state
        if st.get("resume_key") != self.plan.resume_key:
            why = what_changed(st.get("inputs") or {}, self.plan.inputs)
            moved = self.store.retire()
            return None, (f"checkpoint iter {latest.iteration} was made from different inputs ({why} changed): "
                          f"starting fresh; it was moved to {moved}")
        if latest.iteration > self.t.iters:
            moved = self.store.retire()
            return None, (f"checkpoint iter {latest.iteration} is beyond train.iters ({self.t.iters}): "
                          f"starting fresh; it was moved to {moved}")
        return latest, f"resuming from checkpoint iter {latest.iteration} ({latest.path})"

    def _usable(self, ckpt: ck.Checkpoint | None) -> bool:
        """A checkpoint this run would resume from (same inputs, within train.iters)."""
        return (ckpt is not None and ckpt.state.get("resume_key") == self.plan.resume_key
                and ckpt.iteration <= self.t.iters)

    def restore(self, model: Any, opt: Any, ckpt: ck.Checkpoint | None) -> tuple[int, dict[str, Any]]:
        """Load (rank 0) and share (all ranks) the checkpoint's weights and optimizer state."""
        import mlx.core as mx
        from mlx.utils import tree_flatten

        opt.init(model.trainable_parameters())
        start = int(self._bcast(mx.array(ckpt.iteration if ckpt else 0)).item())
        if start == 0:
            return 0, {}
        trainable = dict(tree_flatten(model.trainable_parameters()))
        opt_leaves = dict(tree_flatten(opt.state))
        if self.writer:
            assert ckpt is not None
            try:
                weights, opt_flat = ckpt.arrays()
            except ck.CorruptCheckpoint as exc:
                exc.previous = next((i for i, _ in self.store.folders() if i < ckpt.iteration), None)
                raise StageError(exc.user_message()) from None
            for name, have, want in (("adapter weights", weights, trainable), ("optimizer state", opt_flat, opt_leaves)):
                bad = sorted(set(have) ^ set(want)) or [k for k in want if have[k].shape != want[k].shape]
                if bad:
                    raise StageError(ck.CorruptCheckpoint(ckpt.path, ckpt.iteration,
                                     f"its {name} do not fit the model ({bad[0]})", None).user_message())
        else:
            weights, opt_flat = trainable, opt_leaves
        # all_sum pairs arrays by position, not by name: every rank walks the same (sorted) names,
        # after checking that all ranks hold the same names and shapes.
        w_names, o_names = sorted(trainable), sorted(opt_leaves)
        self._check_same_layout([(k, trainable[k].shape) for k in w_names] + [(k, opt_leaves[k].shape) for k in o_names])
        model.load_weights([(k, self._bcast(weights[k])) for k in w_names], strict=False)
        for k in o_names:
            _set_path(opt.state, k, self._bcast(opt_flat[k]))
        mx.eval(model.parameters(), opt.state)
        progress = dict(ckpt.state.get("progress") or {}) if ckpt else {}
        # Losses are float32 values (from .item() of float32 arrays), so float32 carries them exactly.
        ints = ("trained_tokens", "best_iteration", "evals_since_best")
        def num(k: str, default: float) -> Any:
            return default if progress.get(k) is None else progress[k]

        got = self._bcast(mx.array([int(num(k, -1)) for k in ints], dtype=mx.int64)).tolist()
        best = self._bcast(mx.array(num("best_val_loss", -1.0), dtype=mx.float32)).item()
        progress.update({k: (None if v == -1 else int(v)) for k, v in zip(ints, got, strict=True)})
        progress["best_val_loss"] = None if best == -1.0 else best
        progress["trained_tokens"] = progress["trained_tokens"] or 0
        progress["evals_since_best"] = progress["evals_since_best"] or 0
        return start, progress
