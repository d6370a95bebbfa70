"""The other fine-tune types, and a quantized base (QLoRA) that fuse must dequantize."""

from __future__ import annotations

import json

import pytest
from conftest import run_stages

from core import events as ev


@pytest.mark.parametrize("kind,leaf", [("dora", ".m"), ("full", "mlp.down_proj.weight")])
def test_dora_and_full_fine_tuning_write_adapters_mlx_lm_loads(make_cfg, tiny, kind, leaf):
    import mlx.core as mx
    from mlx_lm import load

    cfg = make_cfg(f'train.fine_tune_type="{kind}"', "train.num_layers=1", "train.iters=4", folder=kind)
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "done", out.stderr("train")
    adapter = cfg.resolve(cfg.outputs.adapter)
    assert json.loads((adapter / "adapter_config.json").read_text())["fine_tune_type"] == kind
    keys = list(mx.load(str(adapter / "adapters.safetensors")))
    assert keys and all(k.startswith("model.layers.1.") for k in keys)  # only the last layer trained
    assert any(k.endswith(leaf) for k in keys)
    model, _ = load(str(tiny.model), adapter_path=str(adapter))
    assert model(mx.array([[3, 4, 5]])).shape[-1] > 100


def test_a_quantized_base_trains_and_fuses_to_a_dequantized_float16_model(make_cfg, tiny, tmp_path):
    import mlx.core as mx

    from core.convert.quantize import quantize_model

    q4 = tmp_path / "base-4bit"
    quantize_model(tiny.model, q4, 4, 32)
    cfg = make_cfg("train.iters=4", model=q4, folder="qlora")
    out = run_stages(cfg, ["train", "fuse"])
    assert out.pipe.status == "done", out.stderr("train") + out.stderr("fuse")
    summary = out.finished("fuse").summary
    assert summary.dequantized is True and "--dequantize" in out.equivalent("fuse")
    fused = cfg.resolve(cfg.outputs.fused)
    config = json.loads((fused / "config.json").read_text())
    assert "quantization" not in config and config["torch_dtype"] == "float16"
    assert {str(w.dtype) for w in mx.load(str(fused / "model.safetensors")).values()} == {"mlx.core.float16"}
    # Fusing again replaces the folder in one piece.
    again = run_stages(cfg, ["fuse"], force={"fuse"})
    assert again.pipe.status == "done" and not again.finished("fuse").cached
    assert sorted(p.name for p in fused.parent.iterdir() if p.name.startswith(".")) == []
    assert any(isinstance(e, ev.ArtifactWritten) and e.name == "fused_model" for e in again.events)
