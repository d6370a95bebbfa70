"""mlx-lm's training reports as phase25 events.

mlx-lm's trainer calls ``on_train_loss_report`` every ``steps_per_report`` steps and
``on_val_loss_report`` after each validation, with plain dicts. :class:`EventCallback` turns them
into :class:`TrainReport` / :class:`ValReport` events (on rank 0 only), keeps the best validation
loss, saves the best adapter when it improves, and stops early after ``patience`` evaluations
without improvement.

Iterations: after a resume, mlx-lm counts from 1 again; ``start`` maps its numbers back to the
run's own. mlx-lm also validates before its first step, so a resumed run validates once at the
resume point; unless an uninterrupted run validates there too, that result is left out (no
ValReport, no effect on the best adapter or on patience). ETA = remaining steps at the last measured training speed + remaining validations at
their mean measured time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mlx_lm.tuner.callbacks import TrainingCallback

from core import events as ev


class EarlyStop(Exception):
    def __init__(self, iteration: int, best_iteration: int | None):
        self.iteration, self.best_iteration = iteration, best_iteration
        super().__init__(f"early stop at iter {iteration}")


@dataclass
class TrainProgress:
    """What a checkpoint must carry besides the weights to continue the same run."""

    trained_tokens: int = 0
    best_val_loss: float | None = None
    best_iteration: int | None = None
    evals_since_best: int = 0
    last_train_loss: float | None = None
    last_val_loss: float | None = None
    last_val_iteration: int | None = None
    first_val_loss: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainProgress:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


HISTORY_LIMIT = 10_000  # train and val reports a checkpoint keeps for the curve after a resume


def replay_history(history: Any, emit: Callable[[Any], Any]) -> int:
    """Re-send a checkpoint's reports (marked ``replayed``), so that a resumed run's curve starts
    where the interrupted one began. Returns how many were sent; malformed entries are skipped."""
    from pydantic import ValidationError

    kinds: dict[str, type[ev.TrainReport] | type[ev.ValReport]] = {
        "train_report": ev.TrainReport, "val_report": ev.ValReport}
    sent = 0
    for item in history if isinstance(history, list) else []:
        kind = kinds.get(str(item.get("type"))) if isinstance(item, dict) else None
        if kind is None:
            continue
        try:
            emit(kind.model_validate({**item, "replayed": True}))
        except ValidationError:
            continue
        sent += 1
    return sent


def regular_eval(it: int, total: int, steps_per_eval: int) -> bool:
    """Whether an uninterrupted run validates at ``it`` (steps done): mlx-lm validates before its
    first step, before every ``steps_per_eval``-th step, and before its last."""
    return it == 0 or (it + 1) % steps_per_eval == 0 or it + 1 == total


def resume_segments(start: int, total: int, steps_per_report: int, steps_per_eval: int) -> list[tuple[int, int, bool]]:
    """How a run resumed at ``start`` calls mlx-lm's trainer: ``(from, to, validate)`` spans.

    mlx-lm counts its steps from 1 on every call, reports every ``steps_per_report`` of its own
    steps and at its last, and validates at its first, every ``steps_per_eval``-th and before its
    last. Resumed in the middle of a window, one call would report and validate on other iterations
    than an uninterrupted run. So the run is cut at the next report boundary and the next
    validation boundary; from there on every window lines up again. ``validate`` is False for a
    span in which an uninterrupted run would not validate at all (mlx-lm is then given no
    validation set, so it spends no time on it). Needs ``steps_per_eval`` to be a multiple of
    ``steps_per_report`` (mlx-lm's defaults are); otherwise one call, as before.
    """
    if start >= total:
        return []
    points = [start]
    if start and steps_per_eval % steps_per_report == 0 and start % steps_per_eval:
        for every in (steps_per_report, steps_per_eval):
            nxt = min(total, -(-start // every) * every)
            if nxt > points[-1]:
                points.append(nxt)
    if total > points[-1]:
        points.append(total)
    spans = []
    for a, b in zip(points, points[1:], strict=False):
        n = b - a
        checked = {a, b - 1} | {a + k - 1 for k in range(steps_per_eval, n + 1, steps_per_eval)}
        spans.append((a, b, any(regular_eval(v, total, steps_per_eval) for v in checked)))
    return spans


def remaining_evals(start: int, total: int, steps_per_eval: int, done: int) -> int:
    """Validations mlx-lm will still run after ``done`` steps (it counts from ``start``).

    mlx-lm evaluates before its step ``it`` (1-based, relative) when it == 1, it % steps_per_eval
    == 0 or it == its last step."""
    n_rel = total - start
    first = done - start + 1  # the next relative step that has not started yet
    if first > n_rel:
        return 0
    count = sum(1 for it in range(max(first, 1), n_rel + 1) if it == 1 or it % steps_per_eval == 0 or it == n_rel)
    return count


@dataclass
class EventCallback(TrainingCallback):
    emit: Callable[[Any], Any]
    start: int
    total: int
    steps_per_eval: int
    progress: TrainProgress
    base_tokens: int = 0
    has_val: bool = True
    patience: int | None = None
    on_best: Callable[[int], str | None] | None = None  # saves the best adapter, returns its path
    is_writer: bool = True
    val_times: list[float] = field(default_factory=list)
    train_reports: int = 0
    last_it_per_s: float | None = None
    tokens_per_s: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # the reports so far, kept in checkpoints
    first_start: int = 0  # where this process began (``start`` moves on with each call of mlx-lm's trainer)
    steps_per_report: int = 0  # to correct mlx-lm's it/s for a report window shorter than that
    last_report: int = 0

    def __post_init__(self) -> None:
        self.first_start = self.last_report = self.start

    def iterations_per_second(self, it: int, reported: float) -> float:
        """mlx-lm divides steps_per_report by the time since its last report, even when fewer steps
        ran (a call that ends between reports, as after a resume): scale it to the steps taken."""
        steps = it - max(self.last_report, self.start)
        if self.steps_per_report and 0 < steps < self.steps_per_report:
            return reported * steps / self.steps_per_report
        return reported

    def _report(self, event: Any) -> None:
        self.emit(event)
        self.history.append(event.model_dump(mode="json", exclude={"ts", "v", "stage", "replayed"}))
        del self.history[:-HISTORY_LIMIT]

    def eta(self, done: int) -> float | None:
        if not self.last_it_per_s:
            return None
        left = (self.total - done) / self.last_it_per_s
        if self.has_val:
            n = remaining_evals(self.first_start, self.total, self.steps_per_eval, done)
            mean_val = sum(self.val_times) / len(self.val_times) if self.val_times else 0.0
            left += n * mean_val
        return max(0.0, left)

    def on_train_loss_report(self, train_info: dict[str, Any]) -> None:
        import mlx.core as mx

        it = self.start + int(train_info["iteration"])
        loss = float(train_info["train_loss"])
        it_per_s = self.iterations_per_second(it, float(train_info["iterations_per_second"]))
        self.last_report = it
        self.progress.last_train_loss = loss
        self.progress.trained_tokens = self.base_tokens + int(train_info["trained_tokens"])
        self.last_it_per_s = it_per_s or None
        self.tokens_per_s.append(float(train_info["tokens_per_second"]))
        self.train_reports += 1
        if not self.is_writer:
            return
        self._report(ev.TrainReport(
            iteration=it,
            total_iters=self.total,
            train_loss=loss,
            learning_rate=float(train_info["learning_rate"]),
            iterations_per_second=it_per_s,
            tokens_per_second=float(train_info["tokens_per_second"]),
            trained_tokens=self.progress.trained_tokens,
            peak_memory_gb=float(train_info.get("peak_memory", mx.get_peak_memory() / 1e9)),
            active_memory_gb=mx.get_active_memory() / 1e9,
            cache_memory_gb=mx.get_cache_memory() / 1e9,
            eta_s=self.eta(it),
        ))

    def regular_eval(self, it: int) -> bool:
        return regular_eval(it, self.total, self.steps_per_eval)

    def on_val_loss_report(self, val_info: dict[str, Any]) -> None:
        it = self.start + int(val_info["iteration"])
        loss = float(val_info["val_loss"])
        self.val_times.append(float(val_info["val_time"]))
        if not self.regular_eval(it) or it == self.progress.last_val_iteration:
            # mlx-lm validates before the first step of each call, so after a resume it validates
            # where an uninterrupted run does not, or again where the checkpoint already holds a
            # validation (an early stop saves right after one): that measurement is not reported
            # and never counts towards the best adapter or early stopping.
            return
        p = self.progress
        p.last_val_loss, p.last_val_iteration = loss, it
        if p.first_val_loss is None:
            p.first_val_loss = loss
        improved = math.isfinite(loss) and (p.best_val_loss is None or loss < p.best_val_loss)
        if improved:
            p.best_val_loss, p.best_iteration, p.evals_since_best = loss, it, 0
        elif p.best_iteration is not None and it > p.best_iteration:
            p.evals_since_best += 1
        if self.is_writer:
            self._report(ev.ValReport(iteration=it, val_loss=loss, val_time_s=float(val_info["val_time"]),
                                   best_iteration=p.best_iteration, best_val_loss=p.best_val_loss))
        if improved and self.on_best is not None:
            path = self.on_best(it)
            if path and self.is_writer:
                self.emit(ev.CheckpointSaved(iteration=it, path=path, best=True))
        if self.patience is not None and p.evals_since_best >= self.patience:
            raise EarlyStop(it, p.best_iteration)

    def mean_tokens_per_second(self) -> float | None:
        return sum(self.tokens_per_s) / len(self.tokens_per_s) if self.tokens_per_s else None
