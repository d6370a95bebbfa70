"""A true resume: cancel mid-training, run again, and end where an uninterrupted run ends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_stages

from core import events as ev


def _report_at(n: int):
    return lambda e: isinstance(e, ev.TrainReport) and e.stage == "train" and e.iteration >= n


def _weights(adapter: Path) -> dict:
    import mlx.core as mx

    return mx.load(str(adapter / "adapters.safetensors"))


@pytest.mark.parametrize("cadence", ["train.steps_per_eval=10", "train.steps_per_eval=8"])
def test_a_cancelled_run_resumes_to_the_result_of_an_uninterrupted_run(make_cfg, cadence):
    """Train 24 steps straight through; train the same 24 steps with a cancel (SIGINT through the
    runner) in the middle and a second run that resumes. The final adapters must agree to 1e-6
    (absolute, on weights of order 0.01-1) and the final validation losses to 1e-6.

    Why so tight: the resumed run restores the exact float32 weights and the Adam moments and step
    count (so the learning-rate schedule continues where it was), and its batch order is a function
    of (seed, epoch) that it fast-forwards to the checkpoint's step; the random key is re-seeded
    per step. On the CPU backend the same kernels run on the same shapes in the same order, so the
    arithmetic is the same; the tolerance only allows for a different summation order should a
    future MLX change its threading. A warmup + cosine schedule and dropout are on, so a resume
    that lost the schedule position, the optimizer moments or the random stream would miss by far
    more than this.
    """
    settings = ("train.iters=24", "train.lora_parameters.dropout=0.1", cadence,
                'train.lr_schedule={name = "cosine_decay", warmup = 4, arguments = [2e-3, 24, 1e-4]}')
    straight_cfg = make_cfg(*settings, folder="straight")
    straight = run_stages(straight_cfg, ["train"])
    assert straight.pipe.status == "done", straight.stderr("train")

    cfg = make_cfg(*settings, folder="resumed")
    first = run_stages(cfg, ["train"], cancel_when=_report_at(8))
    assert first.pipe.status == "cancelled", first.stderr("train")
    cancelled = first.of(ev.StageCancelled, "train")[0]
    ckpt = Path(cancelled.checkpoint)
    state = json.loads((ckpt / "state.json").read_text())
    stopped = state["iteration"]
    assert 8 <= stopped < 24
    assert any(c.iteration == stopped and not c.best for c in first.of(ev.CheckpointSaved, "train"))
    assert {"adapters.safetensors", "optimizer.safetensors", "adapter_config.json"} <= {p.name for p in ckpt.iterdir()}

    second = run_stages(cfg, ["train"])
    assert second.pipe.status == "done", second.stderr("train")
    summary = second.finished("train").summary
    assert summary.resumed_from == stopped
    assert f"resuming from checkpoint iter {stopped}" in summary.resume_note
    live = [r for r in second.of(ev.TrainReport, "train") if not r.replayed]
    assert live[0].iteration > stopped
    # The curve goes on where it stopped: the reports before the cancel come back first, marked.
    replayed = [r for r in second.of(ev.TrainReport, "train") if r.replayed]
    before = [r for r in first.of(ev.TrainReport, "train") if r.iteration <= stopped]
    assert [(r.iteration, r.train_loss) for r in replayed] == [(r.iteration, r.train_loss) for r in before]
    replayed_val = [v.val_loss for v in second.of(ev.ValReport, "train") if v.replayed]
    assert replayed_val and replayed_val == [v.val_loss for v in first.of(ev.ValReport, "train")
                                             if v.iteration <= stopped]
    curve = [r.iteration for r in second.state.train]
    assert curve == sorted(curve) and curve[0] == before[0].iteration and curve[-1] == 24
    if cadence.endswith("=8"):  # validations every 8 (a multiple of the 4-step reports): after the
        # resume, reports and validations fall on the uninterrupted run's iterations
        assert [r.iteration for r in live] == [r.iteration for r in straight.of(ev.TrainReport, "train")
                                               if r.iteration > stopped]
        assert [v.iteration for v in second.of(ev.ValReport, "train") if not v.replayed] == \
            [v.iteration for v in straight.of(ev.ValReport, "train") if v.iteration >= stopped]
    assert second.finished("train").headline.endswith(f"resumed @{stopped}")

    a = _weights(straight_cfg.resolve(straight_cfg.outputs.adapter))
    b = _weights(cfg.resolve(cfg.outputs.adapter))
    assert a.keys() == b.keys()
    import mlx.core as mx

    worst = max(mx.abs(a[k] - b[k]).max().item() for k in a)
    assert worst < 1e-6, worst
    s0 = straight.finished("train").summary
    assert abs(s0.val_loss - summary.val_loss) < 1e-6
    assert s0.trained_tokens == summary.trained_tokens
    lr_straight = {r.iteration: r.learning_rate for r in straight.of(ev.TrainReport, "train")}
    assert lr_straight[24] == second.of(ev.TrainReport, "train")[-1].learning_rate


def test_a_corrupt_checkpoint_stops_with_a_clear_error_naming_the_previous_one(make_cfg):
    cfg = make_cfg("train.iters=40", "train.save_every=4", folder="corrupt")
    first = run_stages(cfg, ["train"], cancel_when=_report_at(8))
    assert first.pipe.status == "cancelled"
    ckpts = sorted((cfg.resolve(cfg.outputs.adapter) / "checkpoints").glob("iter-*"))
    assert len(ckpts) == 2  # the last two are kept
    previous, latest = (int(p.name.split("-")[1]) for p in ckpts)
    data = bytearray((ckpts[-1] / "adapters.safetensors").read_bytes())
    data[-8:] = b"\x00" * 8
    (ckpts[-1] / "adapters.safetensors").write_bytes(bytes(data))

    second = run_stages(cfg, ["train"])
    assert second.pipe.status == "failed"
    reason = second.state.stages["train"].reason
    assert f"checkpoint iter {latest} in {ckpts[-1]} is corrupt" in reason
    assert "--force train" in reason and f"delete it to resume from iter {previous}" in reason
    assert "Traceback" not in second.stderr("train")

    assert "--set train.on_corrupt_checkpoint=previous" in reason

    # What the message offers: resume from the previous checkpoint, the corrupt one set aside.
    cfg_prev = make_cfg("train.iters=40", "train.save_every=4", "train.on_corrupt_checkpoint=previous",
                        folder="corrupt")
    third = run_stages(cfg_prev, ["train"])
    assert third.pipe.status == "done"
    assert third.finished("train").summary.resumed_from == previous
    corrupt_dir = ckpts[-1].parent.with_name("checkpoints.corrupt")
    assert (corrupt_dir / ckpts[-1].name / "adapters.safetensors").is_file()  # kept for a look


def test_a_killed_run_continues_from_its_last_periodic_checkpoint(make_cfg):
    import os
    import signal

    cfg = make_cfg("train.iters=24", "train.save_every=4", folder="killed")
    killed: list[int] = []

    def kill_at_report(pipe, e) -> None:
        if not killed and _report_at(10)(e):
            killed.append(pipe.current.proc.pid)
            os.killpg(pipe.current.proc.pid, signal.SIGKILL)  # no chance to save anything

    first = run_stages(cfg, ["train"], hook=kill_at_report)
    assert first.pipe.status == "failed" and "SIGKILL" in first.state.stages["train"].reason
    # What is on disk counts (the kill may land between a checkpoint's rename and its event).
    on_disk = sorted((cfg.resolve(cfg.outputs.adapter) / "checkpoints").glob("iter-*"))
    saved = int(on_disk[-1].name.split("-")[1])
    assert saved % 4 == 0 and saved >= 8
    assert saved >= max(c.iteration for c in first.of(ev.CheckpointSaved, "train") if not c.best)

    second = run_stages(cfg, ["train"])
    assert second.pipe.status == "done", second.stderr("train")
    assert second.finished("train").summary.resumed_from == saved


def test_a_checkpoint_whose_files_match_their_hashes_but_cannot_be_read_falls_back_too(make_cfg):
    """state.json's hashes can describe files mlx cannot read (written by a broken disk or tool):
    that is found before training starts, so on_corrupt_checkpoint=previous can act on it."""
    import hashlib

    cfg = make_cfg("train.iters=40", "train.save_every=4", folder="unreadable")
    first = run_stages(cfg, ["train"], cancel_when=_report_at(8))
    assert first.pipe.status == "cancelled"
    ckpts = sorted((cfg.resolve(cfg.outputs.adapter) / "checkpoints").glob("iter-*"))
    previous, latest = (int(p.name.split("-")[1]) for p in ckpts)
    weights = ckpts[-1] / "adapters.safetensors"
    weights.write_bytes(b"not a safetensors file")
    state = json.loads((ckpts[-1] / "state.json").read_text())
    state["files"]["adapters.safetensors"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    (ckpts[-1] / "state.json").write_text(json.dumps(state))

    stopped = run_stages(cfg, ["train"])
    reason = stopped.state.stages["train"].reason
    assert stopped.pipe.status == "failed" and f"checkpoint iter {latest}" in reason and "cannot read" in reason
    assert f"resume from the previous checkpoint (iter {previous})" in reason

    cfg_prev = make_cfg("train.iters=40", "train.save_every=4", "train.on_corrupt_checkpoint=previous",
                        folder="unreadable")
    resumed = run_stages(cfg_prev, ["train"])
    assert resumed.pipe.status == "done", resumed.state.stages["train"].reason
    assert resumed.finished("train").summary.resumed_from == previous
