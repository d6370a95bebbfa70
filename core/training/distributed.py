"""Multi-rank training through ``mlx.launch``.

With ``train.n_ranks > 1`` (local ranks) or ``train.hosts`` (one rank per host), the train stage
writes its plan to the run folder and starts::

    mlx.launch [-n N | --hostfile H] --backend ring -- python -m core.stages.train_worker --run-dir D ...

Each rank runs the same :class:`~core.training.trainer.Trainer`; mlx-lm's trainer averages the
gradients across ranks. Rank 0 alone writes events, checkpoints and the adapter, and leaves its
outcome in ``stages/train.rank0.json`` for the stage to report.

Cancel: a SIGINT to the stage's process group reaches the local ranks directly; for ranks on
other hosts the stage also drops a cancel file that rank 0 checks at every step, and the ranks
agree on stopping through an ``all_sum`` at the step boundary, so all of them stop at the same
step and rank 0 saves the checkpoint.

For remote hosts, the same Python environment and project path must exist on each host (mlx.launch
runs the same command there over ssh).
"""

from __future__ import annotations

import ipaddress
import json
import random
import socket
import sys
from pathlib import Path

from core.training.plan import PlanError, TrainPlan

# mlx.launch itself ignores SIGINT: the ranks get the signal (same process group) and stop at a
# step boundary, while mlx.launch keeps relaying their output until they exit. The workers put
# Python's own SIGINT handler back first thing.
_LAUNCH_CODE = """import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
from mlx._distributed_utils.launch import main
sys.argv[0] = "mlx.launch"
sys.exit(main())
"""


def mlx_launch() -> list[str]:
    """The `mlx.launch` command (mlx's own launcher, run with this interpreter)."""
    return [sys.executable, "-c", _LAUNCH_CODE]


def host_ip(host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host)
    except OSError as exc:
        raise PlanError(f"train.hosts: cannot resolve host {host!r} ({exc}); the ring backend needs IPs") from None


def write_hostfile(path: Path, hosts: list[str], backend: str) -> Path:
    """mlx.launch's JSON hostfile: ssh name and IP of each host, rank 0 first."""
    data = {"backend": "" if backend == "any" else backend,
            "hosts": [{"ssh": h, "ips": [host_ip(h)]} for h in hosts]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def free_port_block(n: int, tries: int = 50) -> int:
    """A base port with ``n`` consecutive free TCP ports on this machine (ring uses one per rank)."""
    for _ in range(tries):
        base = random.randint(20000, 60000 - n)
        socks = []
        try:
            for k in range(n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind(("127.0.0.1", base + k))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    return 32323


def launch_argv(plan: TrainPlan, run_dir: Path, plan_path: Path, hostfile: Path | None,
                cancel_file: Path, result_file: Path) -> list[str]:
    t = plan.settings
    argv = mlx_launch()
    if t.hosts:
        argv += ["--hostfile", str(hostfile)]
    else:
        argv += ["-n", str(plan.world_size)]
    if t.backend != "any":
        argv += ["--backend", t.backend]
    if t.backend in ("ring", "any"):
        argv += ["--starting-port", str(free_port_block(plan.world_size))]
    return argv + ["--", sys.executable, "-m", "core.stages.train_worker", "--run-dir", str(run_dir),
                   "--plan", str(plan_path), "--cancel-file", str(cancel_file), "--result", str(result_file)]
