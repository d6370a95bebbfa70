"""The demo's stand-in models on first use: the train stage builds them when missing and says
plainly when they are stale for the current compact data. The builder is replaced by a stub that
writes model-shaped folders (a real build takes minutes)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

import core.demo.build as demo
from core.config import load_config
from core.stages.base import StageError
from core.stages.train import ensure_demo


def _config(tmp_path: Path, corpus: Path, demo_flag: bool = True):
    (tmp_path / "exp.toml").write_text(f"""
[experiment]
demo = {str(demo_flag).lower()}
[candidate]
name = "c"
path = "models/tiny-qwen2.5-coder"
family = "qwen2.5"
[baseline]
name = "b"
path = "models/tiny-qwen3-moe-phase24"
family = "qwen3"
[data]
train = "{corpus.as_posix()}"
""")
    return load_config(tmp_path / "exp.toml")


def _ctx(cfg):
    logged: list[tuple[str, str]] = []
    return SimpleNamespace(cfg=cfg, cancelled=threading.Event(),
                           log=lambda text, level="info": logged.append((level, text))), logged


def _stub_builder(calls: list):
    def build(out_dir, corpus_dir, seed=0, force=False, recipe=None, log=print):
        calls.append((Path(out_dir), Path(corpus_dir)))
        for name in demo.MODEL_NAMES.values():
            (out_dir / name).mkdir(parents=True, exist_ok=True)
            for f in ("config.json", "model.safetensors", "tokenizer.json"):
                (out_dir / name / f).write_text("{}")
        (out_dir / "BUILD.json").write_text(json.dumps({"inputs_digest": "an older corpus"}))
        return {"action": "built"}

    return build


def test_the_train_stage_builds_missing_demo_models_and_says_it_takes_minutes(corpus_dir, tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(demo, "build_demo_models", _stub_builder(calls))
    cfg = _config(tmp_path, corpus_dir)
    ctx, logged = _ctx(cfg)
    ensure_demo(ctx)
    assert calls == [(tmp_path / "models", corpus_dir)]
    assert any(level == "warning" and "demo models are missing in" in text and "few minutes" in text
               for level, text in logged), logged
    # Now present, but built from other inputs than the current corpus: said clearly, not rebuilt.
    ctx, logged = _ctx(cfg)
    ensure_demo(ctx)
    assert len(calls) == 1
    stale = [text for level, text in logged if level == "warning"]
    assert stale and "are stale" in stale[0] and str(corpus_dir) in stale[0] and "phase25 demo build" in stale[0]


def test_a_demo_build_that_cannot_start_fails_the_stage_with_the_reason(corpus_dir, tmp_path):
    cfg = _config(tmp_path, corpus_dir)
    cfg.baseline.path = "elsewhere/tiny-qwen3-moe-phase24"
    ctx, _ = _ctx(cfg)
    with pytest.raises(StageError, match="cannot build the demo models: .*baseline.path must be"):
        ensure_demo(ctx)
