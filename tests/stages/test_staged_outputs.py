"""Forced re-runs stage their outputs: a re-training killed part-way leaves the last good adapter
(and its cache record) as they were, and the next run continues the staged training."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from conftest import run_stages

from core import events as ev
from core.integrity import problems
from core.runs import tree_digest
from core.staging import staging_path


def test_a_forced_training_killed_part_way_keeps_the_last_good_adapter_and_the_next_run_continues_it(make_cfg):
    cfg = make_cfg("train.iters=12", "train.save_every=4", "train.steps_per_eval=4", "train.steps_per_report=2")
    first = run_stages(cfg, ["train"])
    assert first.pipe.status == "done", first.stderr("train")
    adapter = cfg.resolve(cfg.outputs.adapter)
    import mlx.core as mx

    uninterrupted = mx.load(str(adapter / "adapters.safetensors"))
    before = {p.relative_to(adapter).as_posix(): tree_digest(p)[1]
              for p in (adapter / "adapters.safetensors", adapter / "best", adapter / "checkpoints")}

    killed: list[int] = []

    def kill_after_a_checkpoint(pipe, e) -> None:
        if not killed and isinstance(e, ev.TrainReport) and e.stage == "train" and e.iteration >= 6:
            killed.append(pipe.current.proc.pid)
            os.killpg(pipe.current.proc.pid, signal.SIGKILL)

    second = run_stages(cfg, ["train"], force={"train"}, hook=kill_after_a_checkpoint)
    assert second.pipe.status == "failed" and "SIGKILL" in second.state.stages["train"].reason
    now = {name: tree_digest(adapter / name)[1] for name in before}
    assert now == before  # best/, the checkpoints and the adapter are the last good ones
    assert problems(cfg) == []  # no record names bytes that changed
    staged = sorted((staging_path(adapter) / "checkpoints").glob("iter-*"))
    assert staged, "the forced training trains in its staging folder"
    saved = int(staged[-1].name.split("-")[1])

    third = run_stages(cfg, ["train"])
    assert third.pipe.status == "done", third.stderr("train")
    done = third.finished("train")
    assert not done.cached and done.summary.resumed_from == saved
    assert not staging_path(adapter).exists()
    assert done.summary.best_adapter == str(adapter / "best") and done.summary.checkpoint.startswith(str(adapter))
    assert json.loads((adapter / "adapter_config.json").read_text())["adapter_path"] == str(adapter)
    resumed = mx.load(str(adapter / "adapters.safetensors"))  # the same settings: the same trajectory
    assert resumed.keys() == uninterrupted.keys()
    assert max(mx.abs(resumed[k] - uninterrupted[k]).max().item() for k in resumed) < 1e-6
    assert abs(done.summary.val_loss - first.finished("train").summary.val_loss) < 1e-6
    assert Path(done.summary.checkpoint).is_dir() and problems(cfg) == []
