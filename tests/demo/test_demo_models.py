"""The committed demo models (data/demo/models/) as the demo config and the pipeline use them."""

from __future__ import annotations

import json

import pytest

from core.config import load_config
from core.demo import DEFAULT_CORPUS_DIR, DEMO_MODELS_DIR, MODEL_NAMES, demo_status, ensure_demo_models
from core.demo.corpus import is_code_mode, read_rows
from core.paths import DEMO_CONFIG


@pytest.fixture(scope="module")
def paths():
    return ensure_demo_models(load_config(DEMO_CONFIG), log=lambda s: None)


@pytest.fixture(scope="module")
def loaded(paths):
    from mlx_lm import load

    return {role: load(str(p)) for role, p in paths.items()}


def test_demo_config_points_at_the_committed_models(paths):
    assert paths == {role: DEMO_MODELS_DIR / name for role, name in MODEL_NAMES.items()}
    build = json.loads((DEMO_MODELS_DIR / "BUILD.json").read_text())
    assert "say nothing about the real" in build["note"]
    assert build["command"] == "phase25 demo build --force"


@pytest.mark.skipif(not (DEFAULT_CORPUS_DIR / "train.jsonl").is_file(), reason="no demo training set yet")
def test_committed_models_were_built_from_the_committed_corpus():
    """Fails when the demo training set changed and `phase25 demo build` was not rerun."""
    assert demo_status(DEMO_MODELS_DIR, DEFAULT_CORPUS_DIR) == "current"


def test_models_are_tiny(paths):
    build = json.loads((DEMO_MODELS_DIR / "BUILD.json").read_text())
    # the candidate stays small enough for the demo's MLX LoRA; the baseline only runs inference
    assert 100_000 < build["models"]["candidate"]["parameters"] < 1_000_000
    assert 1_000_000 < build["models"]["baseline"]["parameters"] < 5_000_000
    for role in MODEL_NAMES:
        assert build["models"][role]["bytes"] < 4 * 1024 * 1024


def test_both_models_generate_with_mlx_lm(loaded):
    from mlx_lm import generate

    for role, (model, tok) in loaded.items():
        prompt = tok.apply_chat_template(
            [{"role": "user", "content": "What is a linter?"}], add_generation_prompt=True
        )
        text = generate(model, tok, prompt=prompt, max_tokens=8, verbose=False)
        assert isinstance(text, str) and text, role


def test_tokenizers_carry_the_family_template_and_tokens(loaded):
    (_, cand), (_, base) = loaded["candidate"], loaded["baseline"]
    for tok in (cand, base):
        assert tok.has_chat_template and tok.eos_token == "<|im_end|>"
        assert len(tok.encode("<tool_call>", add_special_tokens=False)) == 1
        assert len(tok.encode("</tool_call>", add_special_tokens=False)) == 1
    assert len(base.encode("<tool_response>", add_special_tokens=False)) == 1
    assert len(cand.encode("<tool_response>", add_special_tokens=False)) > 1  # the seed's risk 3
    assert "enable_thinking" in base.chat_template and "enable_thinking" not in cand.chat_template


def test_baseline_is_a_real_mixture_of_experts(paths, loaded):
    cfg = json.loads((paths["baseline"] / "config.json").read_text())
    assert cfg["model_type"] == "qwen3_moe"
    assert cfg["num_experts"] > cfg["num_experts_per_tok"] >= 1
    model, _ = loaded["baseline"]
    mlp = model.model.layers[0].mlp
    assert mlp.switch_mlp.gate_proj.weight.shape[0] == cfg["num_experts"]
    cand = json.loads((paths["candidate"] / "config.json").read_text())
    assert (
        cand["model_type"] == "qwen2"
        and cand["hidden_size"] % 32 == 0
        and cand["intermediate_size"] % 32 == 0
    )


def _code_mode_prompts(n: int) -> list[tuple[list[dict], list[dict] | None]]:
    rows = [r for r in read_rows(DEFAULT_CORPUS_DIR / "valid.jsonl") if is_code_mode(r)][:n]
    out = []
    for row in rows:
        cut = next(i for i, m in enumerate(row["messages"]) if m.get("tool_calls"))
        out.append((row["messages"][:cut], row.get("tools")))
    return out


@pytest.mark.skipif(not (DEFAULT_CORPUS_DIR / "valid.jsonl").is_file(), reason="no demo training set yet")
def test_only_the_baseline_already_calls_execute_code(loaded):
    """The baseline stand-in had its Phase-24-style fine-tune; the candidate has not seen a tool call yet.

    On held-out Code Mode questions the baseline starts most replies with the execute_code call,
    the candidate never does: its pretraining knows the tool-call format, but not execute_code.
    """
    from mlx_lm import generate

    calls = {"candidate": 0, "baseline": 0}
    prompts = _code_mode_prompts(6)
    for role, (model, tok) in loaded.items():
        for messages, tools in prompts:
            # as the test stage prompts: Qwen3 with thinking off (the empty <think> block)
            extra = {"enable_thinking": False} if role == "baseline" else {}
            prompt = tok.apply_chat_template(messages, tools=tools, add_generation_prompt=True, **extra)
            text = generate(model, tok, prompt=prompt, max_tokens=16, verbose=False)
            calls[role] += text.startswith('<tool_call>\n{"name": "execute_code"')
    assert calls["baseline"] >= len(prompts) // 2, calls
    assert calls["candidate"] == 0, calls
