"""train -> fuse -> quantize through the real runner, on a tiny model: what each stage leaves behind
works with plain mlx-lm."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_stages, write_config

from core import events as ev
from core.paths import PROJECT_ROOT
from core.runner import stage_env
from core.runs import tree_digest


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny):
    cfg = write_config(tmp_path_factory.mktemp("pipeline"), tiny)
    out = run_stages(cfg, ["train", "fuse", "quantize"])
    assert out.pipe.status == "done", out.stderr("train") + out.stderr("fuse") + out.stderr("quantize")
    # The 8-bit fallback, asked for the way the parity stage asks for it.
    eight = subprocess.run(
        [sys.executable, "-m", "core.stages", "quantize", "--run-dir", str(out.pipe.run.path), "--bits", "8"],
        capture_output=True,
        text=True,
        env=stage_env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert eight.returncode == 0, eight.stderr
    return cfg, out


def _generate(path: Path, adapter: Path | None = None) -> str:
    from mlx_lm import generate, load

    model, tok = load(str(path), adapter_path=str(adapter) if adapter else None)
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "sum the list"}], add_generation_prompt=True
    )
    return generate(model, tok, prompt, max_tokens=6)


def test_train_reports_every_step_window_and_validation_with_best_and_eta(built):
    cfg, out = built
    reports = out.of(ev.TrainReport, "train")
    assert [r.iteration for r in reports] == [4, 8, 12, 16, 20]
    assert all(
        r.total_iters == 20 and r.tokens_per_second > 0 and r.peak_memory_gb is not None for r in reports
    )
    assert [r.trained_tokens for r in reports] == sorted(r.trained_tokens for r in reports)
    etas = [r.eta_s for r in reports]
    assert etas[-1] == 0 and etas[0] > etas[-2] > 0, etas
    vals = out.of(ev.ValReport, "train")
    assert [v.iteration for v in vals] == [0, 9, 19]  # mlx-lm validates before steps 1, 10 and 20
    assert vals[-1].best_val_loss == min(v.val_loss for v in vals)
    best = [c for c in out.of(ev.CheckpointSaved, "train") if c.best]
    assert best and best[-1].iteration == vals[-1].best_iteration
    assert json.loads((Path(best[-1].path) / "best.json").read_text())["iteration"] == best[-1].iteration
    periodic = [c.iteration for c in out.of(ev.CheckpointSaved, "train") if not c.best]
    assert periodic == [8, 16, 20]
    summary = out.finished("train").summary
    equivalent = out.equivalent("train")
    assert equivalent.startswith("mlx_lm lora --model ") and "--mask-prompt" in equivalent
    assert summary.iterations == 20 and summary.trained_tokens == reports[-1].trained_tokens
    assert out.finished("train").headline.startswith("iter 20/20 · val ")
    assert [e.command for e in out.of(ev.Equivalent, "train")] == [equivalent]  # the dashboard's log shows it
    logged = out.pipe.run.stage_log("train", "stdout").read_text().splitlines()
    assert any(t.startswith("equivalent: mlx_lm lora") for t in logged)


def test_the_adapter_works_with_the_plain_mlx_lm_generate_command(built, tiny):
    cfg, _ = built
    adapter = cfg.resolve(cfg.outputs.adapter)
    assert {"adapters.safetensors", "adapter_config.json"} <= {p.name for p in adapter.iterdir()}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlx_lm",
            "generate",
            "--model",
            str(tiny.model),
            "--adapter-path",
            str(adapter),
            "--prompt",
            "sum the list",
            "--max-tokens",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Generation: 4 tokens" in proc.stdout


def test_fused_model_is_float16_carries_the_adapter_and_is_recorded(built, tiny):
    import mlx.core as mx
    from mlx_lm import load

    cfg, out = built
    fused = cfg.resolve(cfg.outputs.fused)
    weights = mx.load(str(fused / "model.safetensors"))
    assert {str(w.dtype) for w in weights.values()} == {"mlx.core.float16"}
    assert json.loads((fused / "config.json").read_text())["torch_dtype"] == "float16"
    # Same logits as base + adapter (up to float16 rounding); clearly not the base alone.
    tokens = mx.array([[5, 17, 42, 7, 99, 3]])
    with_adapter, _ = load(str(tiny.model), adapter_path=str(cfg.resolve(cfg.outputs.adapter)))
    base, _ = load(str(tiny.model))
    fused_model, _ = load(str(fused))
    ref = with_adapter(tokens)
    fusing_error = mx.abs(fused_model(tokens).astype(mx.float32) - ref).max().item()
    adapter_effect = mx.abs(base(tokens) - ref).max().item()
    assert fusing_error < 0.1 * adapter_effect, (fusing_error, adapter_effect)
    assert _generate(fused)
    art = out.pipe.run.manifest()["fused_model"]
    assert (art.bytes, art.sha256) == tree_digest(fused)
    equivalent = out.equivalent("fuse")
    assert equivalent.startswith("mlx_lm fuse --model ") and "--dtype float16" in equivalent


def test_quantized_models_at_5_and_8_bits_load_and_generate(built):
    cfg, out = built
    for bits in (5, 8):
        qdir = cfg.quantized_dir(bits)
        q = json.loads((qdir / "config.json").read_text())["quantization"]
        assert (q["bits"], q["group_size"]) == (bits, 32)
        assert _generate(qdir)
    events, _ = out.pipe.run.read_events()
    done = {
        e.summary.bits: e.summary
        for e in events
        if isinstance(e, ev.StageFinished) and e.stage == "quantize"
    }
    s5, s8 = done[5], done[8]
    # group 32 with float16 scale and bias adds 1 bit per weight; norms stay float16.
    assert 5 + 1 < s5.bits_per_weight < 5 + 1.5 and 8 + 1 < s8.bits_per_weight < 8 + 1.5
    assert s5.skipped_layers == 0 and s5.quantized_layers > 0
    assert s8.fallback is True and s5.fallback is False
    assert s8.bytes > s5.bytes
    commands = [e.command for e in events if isinstance(e, ev.Equivalent) and e.stage == "quantize"]
    assert any(c.endswith("-q --q-bits 5 --q-group-size 32") for c in commands)


def test_quantize_counts_skipped_layers_and_replaces_an_existing_output_cleanly(built, tmp_path):
    from core.convert.quantize import quantize_model

    cfg, _ = built
    fused = cfg.resolve(cfg.outputs.fused)
    out = tmp_path / "q5g64"
    first = quantize_model(fused, out, 5, 64)
    # intermediate size 96 is not divisible by 64: each layer's down_proj stays in float.
    assert first["skipped_layers"] == 2
    assert {s["layer"] for s in first["skipped"]} == {
        "model.layers.0.mlp.down_proj",
        "model.layers.1.mlp.down_proj",
    }
    again = quantize_model(fused, out, 5, 64)  # mlx-lm's convert alone refuses an existing path
    assert again["bits_per_weight"] == first["bits_per_weight"]
    before = tree_digest(out)
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "qwen2"}')  # no weights
    with pytest.raises(FileNotFoundError):
        quantize_model(broken, out, 5, 64)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken-model", "q5g64"]  # no temp folder left


def test_a_cached_rerun_shows_each_equivalent_command_and_records_the_earlier_artifacts(built):
    """`phase25 run` prints each stage's plain mlx_lm command; `phase25 show` prints it again; a
    cached stage puts the artifact it would have written into the new run's manifest."""
    cfg, first = built
    env = stage_env()
    cli = [sys.executable, "-m", "core.cli"]
    out = subprocess.run([*cli, "run", "--config", str(cfg.source), "--stages", "train,fuse,quantize", "--plain"],
                         capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[quantize] cached" in out.stdout
    run_id = out.stdout.split("run ", 1)[1].split(":", 1)[0]
    run_dir = cfg.runs_dir / run_id
    lines = out.stdout.splitlines()
    equivalents = {s: [ln for ln in lines if ln.startswith(f"[{s}] equivalent: ")] for s in ("train", "fuse", "quantize")}
    assert all(len(v) == 1 for v in equivalents.values()), equivalents  # once per stage
    assert f"mlx_lm lora --model {cfg.resolve(cfg.candidate.path)} --train --data {run_dir / 'stages' / 'train.data'} " \
        in equivalents["train"][0]
    assert (run_dir / "stages" / "train.data" / "train.jsonl").is_file()
    assert "mlx_lm fuse --model " in equivalents["fuse"][0]
    assert "mlx_lm convert --hf-path " in equivalents["quantize"][0]

    show = subprocess.run([*cli, "show", run_id, "--config", str(cfg.source)], capture_output=True, text=True,
                          env={**env, "COLUMNS": "300"}, cwd=PROJECT_ROOT, timeout=60)
    assert show.returncode == 0, show.stderr
    for stage, tool in (("train", "mlx_lm lora"), ("fuse", "mlx_lm fuse"), ("quantize", "mlx_lm convert")):
        assert f"{stage} equivalent: {tool} " in show.stdout

    from core.runs import Run

    earlier, now = first.pipe.run.manifest(), Run(run_dir).manifest()
    for name in ("adapter", "adapter_config", "fused_model", "quantized_5bit"):
        assert name in now, sorted(now)
        assert (now[name].path, now[name].sha256, now[name].bytes) == \
            (earlier[name].path, earlier[name].sha256, earlier[name].bytes)
        assert now[name].stage == earlier[name].stage
    events, _ = Run(run_dir).read_events()
    assert {e.name for e in events if isinstance(e, ev.ArtifactWritten)} >= {"adapter", "fused_model", "quantized_5bit"}
