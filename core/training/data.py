"""Training data: checked chat rows, mlx-lm's datasets, and a batch order that can be resumed.

:class:`BatchStream` replaces ``mlx_lm.tuner.trainer.iterate_batches`` (the trainer takes it as its
``iterate_batches`` argument). It builds batches exactly as mlx-lm does (same grouping, padding to
one plus a multiple of 32, truncation, rank sharding) but the order of each epoch is a pure
function of (seed, epoch), so a resumed run can start at any step and see the batches the
uninterrupted run would have seen. It is also where the trainer asks for the next batch, so it is
the step boundary: the place where a cancel is noticed and checkpoints are written, with the
model and optimizer state fully evaluated.

Validation uses one fixed order (from the seed), so every evaluation measures the same batches and
their losses can be compared across evaluations (mlx-lm draws a new random subset each time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from core.data.problems import Problems
from core.data.schema import check_shape
from core.data.turns import expand

VAL_STREAM = 0x7A11D  # a second seed stream for the validation order


class DataError(ValueError):
    """Bad training data; the message names the file and the line."""


def read_rows(path: Path, key: str = "data.train") -> list[dict[str, Any]]:
    """Rows of a chat JSONL file, each checked against the chat-row schema preflight uses."""
    return [row for _, row in numbered_rows(path, key)]


def train_rows(path: Path, held_out: Collection[int] = ()) -> list[dict[str, Any]]:
    """The rows of train.jsonl the LoRA trains on: every row but those on the ``held_out`` lines
    (the rows that state every fact of a suite query; see core.training.holdout), in file order."""
    return [row for n, row in numbered_rows(path) if n not in held_out]


def numbered_rows(path: Path, key: str = "data.train") -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) for each row of a chat JSONL file (blank lines skipped), checked as in read_rows."""
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: missing (the {Path(path).stem} split of {key})") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{n}: invalid JSON: {exc.msg} (column {exc.colno})") from None
        found = Problems()
        if check_shape(row, path, n, found) is None:
            first = found.errors[0]
            what = f"field '{first.field}': " if first.field else ""
            raise DataError(f"{path}:{n}: {what}{first.message}")
        rows.append((n, row))
    return rows


class Trainable:
    """A dataset without the rows that would have nothing to train once cut to max_seq_length.

    With mask_prompt, a row whose trained part starts at or past max_seq_length has no loss tokens;
    a batch made only of such rows divides by zero in mlx-lm's loss and turns the weights into NaN.
    """

    def __init__(self, dataset: Any, max_seq_length: int):
        self.dataset = dataset
        self.keep: list[int] = []
        for i in range(len(dataset)):
            item = dataset[i]
            tokens, offset = item if isinstance(item, tuple) and len(item) == 2 else (item, 0)
            if offset < min(len(tokens), max_seq_length) - 1:
                self.keep.append(i)
        self.dropped = len(dataset) - len(self.keep)

    def __len__(self) -> int:
        return len(self.keep)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[self.keep[i]]

    def itemlen(self, i: int) -> int:
        inner = self.dataset
        return inner.itemlen(self.keep[i]) if hasattr(inner, "itemlen") else len(inner[self.keep[i]][0])


def load_datasets(data_dir: Path, tokenizer: Any, mask_prompt: bool, batch_size: int,
                  world_size: int = 1, max_seq_length: int | None = None,
                  warn: Callable[[str], None] | None = None, held_out: Collection[int] = ()) -> tuple[Any, Any]:
    """mlx-lm ChatDatasets (wrapped in its CacheDataset) for train.jsonl (less the rows on the
    ``held_out`` lines) and valid.jsonl (whole: it is never trained on).

    The valid split may be empty (training then runs without validation)."""
    from mlx_lm.tuner.datasets import CacheDataset, create_dataset

    if batch_size % world_size:
        raise DataError(f"train.batch_size ({batch_size}) must be divisible by the number of ranks ({world_size})")
    args = SimpleNamespace(mask_prompt=mask_prompt)
    out = []
    for split in ("train", "valid"):
        path = Path(data_dir) / f"{split}.jsonl"
        rows = train_rows(path, held_out) if split == "train" else read_rows(path)
        if mask_prompt:
            # mlx-lm masks all but the LAST message: give every assistant turn (the execute_code
            # call as well as the final answer) a row of its own so each one is trained.
            rows = expand(rows)
        if split == "train" and len(rows) < batch_size:
            raise DataError(f"{path}: {len(rows)} rows, fewer than train.batch_size ({batch_size})")
        if split == "valid" and 0 < len(rows) < batch_size:
            raise DataError(f"{path}: {len(rows)} rows, fewer than train.batch_size ({batch_size})")
        dataset: Any = CacheDataset(create_dataset(rows, tokenizer, args)) if rows else None
        if dataset is not None and max_seq_length is not None:
            trimmed = dataset = Trainable(dataset, max_seq_length)
            if trimmed.dropped and warn is not None:
                warn(f"{path}: {trimmed.dropped} of {len(rows)} rows have nothing to train within "
                     f"train.max_seq_length ({max_seq_length} tokens) and are left out; raise max_seq_length "
                     "to keep them")
            if split == "train" and len(dataset) < batch_size:
                raise DataError(f"{path}: only {len(dataset)} rows have something to train within "
                                f"train.max_seq_length ({max_seq_length}); fewer than train.batch_size ({batch_size})")
        out.append(dataset)
    return out[0], out[1]


def batch_groups(dataset: Any, batch_size: int, rank: int = 0, size: int = 1) -> list[list[int]]:
    """mlx-lm's batch grouping: indices sorted by its length key, cut into batches, sharded by rank."""
    if hasattr(dataset, "itemlen"):
        idx = sorted(range(len(dataset)), key=dataset.itemlen)
    else:
        idx = sorted(range(len(dataset)), key=lambda i: len(dataset[i][0]))
    if len(dataset) < batch_size:
        raise DataError(f"the dataset has {len(dataset)} rows, fewer than train.batch_size ({batch_size})")
    return [idx[i + rank : i + rank + batch_size : size] for i in range(0, len(idx) - batch_size + 1, batch_size)]


def epoch_order(seed: int, epoch: int, n_batches: int) -> np.ndarray:
    return np.random.default_rng((seed, epoch)).permutation(n_batches)


def collate(dataset: Any, indices: list[int], max_seq_length: int, warn: Callable[[str], None]) -> tuple[Any, Any]:
    """One batch as mlx-lm builds it: (tokens [B, L], [[offset, length]] per row)."""
    import mlx.core as mx

    items = [dataset[j] for j in indices]
    if isinstance(items[0], tuple) and len(items[0]) == 2:
        seqs, offsets = zip(*items, strict=True)
    else:
        seqs, offsets = tuple(items), (0,) * len(items)
    lengths = [len(x) for x in seqs]
    if max(lengths) > max_seq_length:
        warn(f"some rows are longer than train.max_seq_length ({max_seq_length} tokens); the longest "
             f"({max(lengths)}) is truncated")
    pad_to = 32
    width = min(1 + pad_to * ((max(lengths) + pad_to - 1) // pad_to), max_seq_length)
    arr = np.zeros((len(seqs), width), np.int32)
    for j, seq in enumerate(seqs):
        n = min(lengths[j], max_seq_length)
        arr[j, :n] = seq[:n]
        lengths[j] = n
    return mx.array(arr), mx.array(list(zip(offsets, lengths, strict=True)))


def loss_tokens(lengths: Any, width: int) -> int:
    """Tokens mlx-lm's default loss counts in a batch (its mask: offset <= t <= length, t in 1..width-1)."""
    total = 0
    for offset, length in np.asarray(lengths).tolist():
        total += max(0, min(int(length), width - 1) - max(int(offset), 1) + 1)
    return total


class BatchStream:
    """A drop-in ``iterate_batches`` for mlx-lm's trainer, with a resumable order and step hooks.

    ``start``: steps already done (a resumed run continues at batch ``start``).
    ``on_boundary(p)``: called when the trainer asks for the batch of step p+1, i.e. after step p is
    fully evaluated (p == start for the first batch); it may save a checkpoint or raise to stop.
    ``on_val_batch()`` runs before each validation batch (it may raise to stop).
    ``tokens_done``: loss tokens in the batches of the steps completed since ``start`` (this rank).
    """

    def __init__(self, seed: int, start: int = 0,
                 on_boundary: Callable[[int], None] | None = None,
                 on_val_batch: Callable[[], None] | None = None,
                 warn: Callable[[str], None] = print):
        self.seed = seed
        self.start = start
        self.completed = start
        self.tokens_done = 0
        self._pending = 0  # loss tokens of the batch handed out last, counted once its step is done
        self.on_boundary = on_boundary
        self.on_val_batch = on_val_batch
        self.warn = warn
        self._warned = False

    def _warn_once(self, text: str) -> None:
        if not self._warned:
            self._warned = True
            self.warn(text)

    def __call__(self, dataset: Any, batch_size: int, max_seq_length: int, loop: bool = False,
                 seed: int | None = None, comm_group: Any = None) -> Iterator[tuple[Any, Any]]:
        rank, size = (comm_group.rank(), comm_group.size()) if comm_group is not None else (0, 1)
        if batch_size % size:
            raise DataError(f"train.batch_size ({batch_size}) must be divisible by the number of ranks ({size})")
        groups = batch_groups(dataset, batch_size, rank, size)
        if loop:
            return self._train(dataset, groups, max_seq_length)
        return self._valid(dataset, groups, max_seq_length)

    def position(self, p: int, n_batches: int) -> tuple[int, int]:
        """(epoch, index in the epoch's order) of step p+1's batch."""
        return divmod(p, n_batches)

    def _train(self, dataset: Any, groups: list[list[int]], max_seq_length: int) -> Iterator[tuple[Any, Any]]:
        # A new call of mlx-lm's trainer continues at ``start`` (set to where the last call ended):
        # the last batch of that call was trained, so its tokens count now.
        n = len(groups)
        p = self.start
        epoch, order = -1, np.empty(0, dtype=np.int64)
        while True:
            self.completed = p
            self.tokens_done += self._pending
            self._pending = 0
            if self.on_boundary is not None:
                self.on_boundary(p)
            e, i = self.position(p, n)
            if e != epoch:
                epoch, order = e, epoch_order(self.seed, e, n)
            batch = collate(dataset, groups[int(order[i])], max_seq_length, self._warn_once)
            self._pending = loss_tokens(batch[1], int(batch[0].shape[1]))
            yield batch
            p += 1

    def _valid(self, dataset: Any, groups: list[list[int]], max_seq_length: int) -> Iterator[tuple[Any, Any]]:
        for i in np.random.default_rng((self.seed, VAL_STREAM)).permutation(len(groups)):
            if self.on_val_batch is not None:
                self.on_val_batch()
            yield collate(dataset, groups[int(i)], max_seq_length, self._warn_once)
