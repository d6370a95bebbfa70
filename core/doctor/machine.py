"""This machine: the MLX backend and versions, the memory MLX may use, and a micro-benchmark of
its matmul throughput and memory bandwidth (at most a few seconds, cached per machine).

The benchmark times float16 matrix products and a large array copy with MLX itself, so the
figures are what the stages will get on this backend (Metal or CPU), not a spec sheet's.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

BENCH_VERSION = 2
BENCH_BUDGET_S = 4.0


@dataclass(frozen=True)
class Platform:
    backend: str
    """'metal' or 'cpu'."""
    device: str
    mlx: str | None
    mlx_lm: str | None
    memory_limit: int
    """Bytes MLX may use: Metal's recommended working set where there is one, else system memory."""
    memory_source: str
    system_memory: int
    system: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def platform_info() -> Platform:
    import mlx.core as mx

    total = int(psutil.virtual_memory().total)
    metal = bool(mx.metal.is_available())
    info: dict[str, Any] = {}
    getter = getattr(mx, "device_info", None) or getattr(mx.metal, "device_info", None)
    if getter is not None:
        try:
            info = dict(getter())
        except Exception:  # older MLX on a machine without Metal
            info = {}
    limit, source = total, "system memory"
    if metal and info.get("max_recommended_working_set_size"):
        limit, source = int(info["max_recommended_working_set_size"]), "Metal's recommended working set"
    elif metal and info.get("memory_size"):
        limit, source = int(info["memory_size"]), "Metal device memory"
    return Platform(
        backend="metal" if metal else "cpu",
        device=str(info.get("device_name") or info.get("architecture") or platform.processor() or "?"),
        mlx=_version("mlx"), mlx_lm=_version("mlx-lm"),
        memory_limit=limit, memory_source=source, system_memory=total,
        system=f"{platform.system()} {platform.machine()}",
    )


@dataclass(frozen=True)
class Bench:
    matmul_flops: float
    """Measured float16 matmul throughput, FLOP/s."""
    bandwidth: float
    """Measured memory bandwidth (bytes read + written per second) of a large copy."""
    matmul_size: int
    seconds: float
    matmul_flops_f32: float
    """The same product in float32 (the demo models' dtype; on a CPU it often differs)."""
    key: str
    measured_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def flops_for(self, dtype_bytes: int) -> float:
        """Matmul FLOP/s in a model's dtype: float32 (4 bytes) or 16-bit."""
        return self.matmul_flops_f32 if dtype_bytes == 4 else self.matmul_flops


def _timed(fn: Any, deadline: float, max_reps: int = 50) -> float:
    """Seconds per call: one warm-up, then repeats until ``deadline`` (at least one timed call)."""
    fn()
    reps, t0 = 0, time.perf_counter()
    while reps < max_reps:
        fn()
        reps += 1
        if time.perf_counter() >= deadline:
            break
    return (time.perf_counter() - t0) / reps


def run_bench(budget_s: float = BENCH_BUDGET_S) -> Bench:
    """Matmul FLOP/s and copy bandwidth, about half of ``budget_s`` each. Sizes grow until one call
    is long enough to time (CPU: a few hundred; Metal: thousands), so a slow machine stays fast."""
    import mlx.core as mx

    t_start = time.perf_counter()
    half = t_start + budget_s / 2
    n, per = 128, 0.0
    while True:
        a = mx.full((n, n), 0.5, dtype=mx.float16)  # the values do not change the speed
        b = mx.full((n, n), 0.25, dtype=mx.float16)
        mx.eval(a, b)
        per = _timed(lambda a=a, b=b: mx.eval(a @ b), min(time.perf_counter() + budget_s / 16, half))
        if per > 0.1 or n >= 8192 or time.perf_counter() + 8 * per * 2 > half:
            break
        n *= 2
    flops = 2 * n**3 / per
    a32, b32 = a.astype(mx.float32), b.astype(mx.float32)
    mx.eval(a32, b32)
    per32 = _timed(lambda: mx.eval(a32 @ b32), min(time.perf_counter() + budget_s / 16, half + budget_s / 8))
    end = t_start + budget_s
    size, per_copy = 1 << 20, 0.0
    while True:
        x = mx.full((size,), 0.5, dtype=mx.float16)
        mx.eval(x)
        per_copy = _timed(lambda x=x: mx.eval(x + 0), min(time.perf_counter() + budget_s / 16, end))
        if per_copy > 0.1 or size >= 1 << 28 or time.perf_counter() + 4 * per_copy * 2 > end:
            break
        size *= 4
    bandwidth = 2 * size * 2 / per_copy  # float16: read and write two bytes per element
    return Bench(matmul_flops=flops, bandwidth=bandwidth, matmul_size=n, seconds=time.perf_counter() - t_start,
                 matmul_flops_f32=2 * n**3 / per32, key=machine_key(), measured_at=time.time())


def machine_key() -> str:
    import mlx.core as mx

    return "|".join([socket.gethostname(), platform.machine(), str(os.cpu_count()),
                     "metal" if mx.metal.is_available() else "cpu", _version("mlx") or "?", str(BENCH_VERSION)])


def bench_cache_path() -> Path:
    root = Path(os.environ.get("PHASE25_CACHE") or Path.home() / ".cache" / "phase25")
    return root / "doctor" / "bench.json"


def cached_bench(path: Path | None = None, run: bool = True) -> tuple[Bench | None, bool]:
    """This machine's benchmark and whether it came from the cache; measured once per machine key.
    With ``run=False`` only a cached figure is returned (None when there is none)."""
    path = path or bench_cache_path()
    key = machine_key()
    try:
        data = json.loads(path.read_text())
        if data.get("key") == key:
            return Bench(**{k: data[k] for k in Bench.__dataclass_fields__}), True
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if not run:
        return None, False
    bench = run_bench()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(bench.to_dict(), indent=1))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: measured again next time
    return bench, False
