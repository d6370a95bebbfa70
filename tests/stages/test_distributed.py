"""Training on two ranks through mlx.launch (ring backend, both on this machine)."""

from __future__ import annotations

import pytest
from conftest import run_stages

from core import events as ev


@pytest.mark.slow
def test_two_local_ranks_train_together_and_the_loss_falls(make_cfg):
    cfg = make_cfg("train.n_ranks=2", "train.batch_size=4", "train.iters=12", "train.steps_per_eval=6")
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "done", out.stderr("train")
    reports = out.of(ev.TrainReport, "train")
    assert [r.iteration for r in reports] == [4, 8, 12]  # rank 0 alone reports: no duplicates
    losses = [r.train_loss for r in reports]
    assert losses[-1] < losses[0] - 1.0, losses
    vals = out.of(ev.ValReport, "train")
    assert vals[-1].val_loss < vals[0].val_loss - 1.0
    summary = out.finished("train").summary
    assert summary["ranks"] == 2
    assert summary["equivalent"].startswith("mlx.launch -n 2 --backend ring -- mlx_lm lora ")
    adapter = cfg.resolve(cfg.outputs.adapter)
    assert (adapter / "adapters.safetensors").is_file() and (adapter / "adapter_config.json").is_file()
    launched = [e for e in out.of(ev.LogLine, "train") if e.text.startswith("launching 2 ranks")]
    assert launched and "core.training.worker" in launched[0].text
