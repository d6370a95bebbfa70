"""Ctrl-C in the headless CLI cancels gracefully: the train stage saves a checkpoint and the exit
code says cancelled. (Resuming from such a checkpoint is covered in test_resume.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from core import events as ev
from core.runs import list_runs


def test_ctrl_c_in_phase25_run_saves_a_checkpoint_and_the_next_run_resumes(make_cfg):
    cfg = make_cfg("train.iters=400", "train.steps_per_report=2", "train.save_every=1000")
    cmd = [sys.executable, "-m", "core.cli", "run", "--config", str(cfg.source), "--stages", "train", "--plain"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines = []
    assert proc.stdout is not None
    deadline = time.time() + 120
    for line in proc.stdout:  # wait until training reports, then press Ctrl-C
        lines.append(line)
        if "[train] iter " in line:
            proc.send_signal(signal.SIGINT)
            break
        assert time.time() < deadline, "".join(lines)
    out = "".join(lines) + proc.stdout.read()
    assert proc.wait(timeout=120) == 130, out
    assert "cancelling: the running stage saves its work" in out
    assert "[train] cancelled; checkpoint" in out

    run = list_runs(cfg.runs_dir)[0]
    events, _ = run.read_events()
    cancelled = [e for e in events if isinstance(e, ev.StageCancelled)]
    assert cancelled and cancelled[0].checkpoint and os.path.isdir(cancelled[0].checkpoint)
