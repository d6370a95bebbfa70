"""`phase25 doctor`: need against have per stage, a verdict each, what to change, and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import load_config
from core.doctor import machine
from core.doctor.checks import Inputs, build_report
from core.doctor.inputs import DataLengths, SuitePrompts
from core.doctor.machine import Bench, Platform
from core.doctor.models import locate
from core.paths import DATA_DIR

ROOT = DATA_DIR.parent
REAL = ROOT / "phase25.toml"
DEMO = DATA_DIR / "demo" / "phase25.demo.toml"
GB = 10**9


def phase25(*args: str, cache: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS=str(columns), PHASE25_CACHE=str(cache))
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def _platform(backend: str, memory_gb: float) -> Platform:
    return Platform(backend=backend, device="test", mlx="0", mlx_lm="0", memory_limit=int(memory_gb * GB),
                    memory_source="test", system_memory=int(memory_gb * GB), system="test")


def _bench(gflops: float, gb_s: float) -> Bench:
    return Bench(matmul_flops=gflops * 1e9, bandwidth=gb_s * 1e9, matmul_size=1024, seconds=1.0,
                 matmul_flops_f32=gflops * 1e9, key="k", measured_at=0.0)


def _real_inputs(backend: str, memory_gb: float, gflops: float, gb_s: float) -> Inputs:
    cfg = load_config(REAL)
    models = {role: locate(role, getattr(cfg, role), cfg) for role in ("candidate", "baseline")}
    lengths = DataLengths(rows=857, mean=1411, p95=1605, longest=1977, truncated=0, longest_rows=[], tokenizer="t")
    prompts = {r: SuitePrompts(queries=20, tool_queries=13, longest=1300, mean=1250) for r in models}
    return Inputs(cfg=cfg, platform=_platform(backend, memory_gb), bench=_bench(gflops, gb_s), models=models,
                  lengths=lengths, prompts=prompts)


def _check(report, section: str, name: str):
    return next(c for c in report.checks if c.section == section and c.name == name)


def test_a_16gb_mac_is_told_the_7b_training_wont_fit_and_what_would() -> None:
    report = build_report(_real_inputs("metal", 16, 20_000, 400))
    train = _check(report, "memory", "train")
    assert train.verdict == "won't fit"
    assert "QLoRA" in train.advice or "more memory" in train.advice
    assert report.exit_code == 1


def test_a_64gb_mac_fits_the_7b_and_the_seed_timeline_is_shown_beside_the_prediction() -> None:
    report = build_report(_real_inputs("metal", 64, 20_000, 400))
    assert _check(report, "memory", "train").verdict == "fits"
    assert _check(report, "memory", "test candidate").verdict == "fits"
    train_time = _check(report, "time", "train")
    assert "the seed expects ~30-40 minutes" in train_time.have
    assert train_time.verdict == "fits"
    assert train_time.detail["seconds"] < 8 * 3600


def test_grad_checkpointing_is_advised_when_it_makes_training_fit() -> None:
    inputs = _real_inputs("metal", 32, 20_000, 400)
    inputs.cfg.train.grad_checkpoint = False
    train = _check(build_report(inputs), "memory", "train")
    assert train.verdict != "fits"
    assert train.advice.startswith("set train.grad_checkpoint = true")


def test_on_the_cpu_backend_training_is_called_impractically_long() -> None:
    report = build_report(_real_inputs("cpu", 24, 4, 1))
    train = _check(report, "time", "train")
    assert train.verdict == "won't fit"
    assert "impractically long" in train.advice and "CPU backend" in train.advice
    assert train.detail["seconds"] > 30 * 86400


def test_disk_lists_every_artifact_against_free_space() -> None:
    report = build_report(_real_inputs("metal", 64, 20_000, 400))
    listing = " ".join(c.need for c in report.section("disk"))
    for name in ("fused (float16) 15.2 GB", "quantized 5-bit 5.2 GB", "quantized 8-bit 8.1 GB", "adapter"):
        assert name in listing
    assert "download (candidate) 15.2 GB" in listing  # not in this machine's Hugging Face cache


def test_a_missing_local_model_folder_wont_fit_and_names_the_key(tmp_path: Path) -> None:
    cfg_text = DEMO.read_text().replace('path = "models/tiny-qwen2.5-coder"', 'path = "./no-such-model"')
    (tmp_path / "c.toml").write_text(cfg_text)
    cfg = load_config(tmp_path / "c.toml")
    info = locate("candidate", cfg.candidate, cfg)
    assert info.where == "missing"
    assert info.config is not None  # predicted from hf_id's published config all the same


def test_the_benchmark_is_measured_once_per_machine_and_then_cached(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_run(budget_s: float = 4.0) -> Bench:
        calls.append(budget_s)
        return Bench(matmul_flops=5e9, bandwidth=1e9, matmul_size=512, seconds=0.1, matmul_flops_f32=5e9,
                     key=machine.machine_key(), measured_at=0.0)

    monkeypatch.setattr(machine, "run_bench", fake_run)
    path = tmp_path / "bench.json"
    first, cached1 = machine.cached_bench(path)
    second, cached2 = machine.cached_bench(path)
    assert (cached1, cached2) == (False, True) and len(calls) == 1
    assert second is not None and second.matmul_flops == first.matmul_flops  # type: ignore[union-attr]
    path.write_text(json.dumps(first.to_dict() | {"key": "another machine"}))  # type: ignore[union-attr]
    machine.cached_bench(path)
    assert len(calls) == 2


def test_the_real_benchmark_takes_at_most_five_seconds() -> None:
    b = machine.run_bench()
    assert b.seconds <= 5.0
    assert b.matmul_flops > 0 and b.bandwidth > 0


def test_doctor_on_the_demo_config_fits_and_exits_0(tmp_path: Path) -> None:
    out = phase25("doctor", "--config", str(DEMO), cache=tmp_path, columns=80)  # stdout a pipe, not a tty
    assert out.returncode == 0, out.stdout + out.stderr
    assert "everything fits" in out.stdout
    assert "won't fit" not in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


def test_every_table_reads_at_80_columns() -> None:
    """Nothing wider than 80 columns, no name or verdict broken, nothing cut, one artifact a line."""
    import io
    import re

    from rich.console import Console

    from core.cli.commands.doctor import render

    report = build_report(_real_inputs("cpu", 24, 4, 1))
    buf = io.StringIO()
    render(report, Console(file=buf, width=80, force_terminal=False, color_system=None))
    lines = buf.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in buf.getvalue()
    rows: dict[tuple[str, str], str] = {}
    section = ""
    for line in lines:
        if line.strip() in {c.section for c in report.checks}:
            section = line.strip()
        for c in report.section(section):
            if line.startswith(c.name + " "):
                rows[(section, c.name)] = line
    for c in report.checks:
        if len(c.name) > 20:  # a long name (a volume's path) folds onto the next line
            continue
        row = rows[(c.section, c.name)]  # the name whole, at the start of its row
        if c.verdict != "info":
            assert row[len(c.name):].split()[0] == c.verdict.split()[0], row  # its verdict beside it
    for artifact in ("+ fused (float16) 15.2 GB", "+ quantized 5-bit 5.2 GB", "+ quantized 8-bit 8.1 GB",
                     "+ download (candidate) 15.2 GB"):
        assert any(re.search(r"(^|\s\s)" + re.escape(artifact), line) for line in lines), artifact  # a line each
    wide = io.StringIO()
    render(report, Console(file=wide, width=160, force_terminal=False, color_system=None))
    train = next(line for line in wide.getvalue().splitlines() if line.startswith("train "))
    assert "(weights" in train and "24.0 GB" in train  # wide: need and have side by side


def test_doctor_json_has_every_section_and_the_exit_code(tmp_path: Path) -> None:
    out = phase25("doctor", "--config", str(DEMO), "--json", "--no-bench", cache=tmp_path)
    doc = json.loads(out.stdout)
    assert doc["exit_code"] == out.returncode == 0
    assert {c["section"] for c in doc["checks"]} >= {"platform", "models", "data", "memory", "disk"}
    assert any("time" in n for n in doc["notes"])  # no benchmark cached and none run: said, not made up


def test_doctor_on_a_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(DEMO.read_text().replace("batch_size = 2", "batch_size = 0"))
    out = phase25("doctor", "--config", str(bad), cache=tmp_path)
    assert out.returncode == 2
    assert "batch_size" in out.stdout + out.stderr


@pytest.mark.slow
def test_doctor_on_the_real_config_here_says_training_is_impractical_and_exits_1(tmp_path: Path) -> None:
    out = phase25("doctor", "--config", str(REAL), cache=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "impractically long" in out.stdout and "CPU backend" in out.stdout
    for figure in ("15.2 GB", "21.0 GB", "5-bit (group 64) · qwen3", "the seed expects ~30-40 minutes"):
        assert figure in out.stdout


def test_your_own_baseline_not_here_yet_is_predicted_at_the_seeds_bits() -> None:
    cfg = load_config(REAL)  # baseline.path: the Phase 24 model folder, not on this machine
    info = locate("baseline", cfg.baseline, cfg)
    assert info.bits == cfg.verdict.seed_baseline_bits == 5 and "seed_baseline_bits" in info.config_source
    assert info.download_bytes is not None and 15 * GB < info.download_bytes < 25 * GB  # 30B at 5 bits, not 61 GB
