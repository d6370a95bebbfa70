"""A throwaway tiny qwen2 model and chat data for the stage tests, built in a few seconds.

The model is randomly initialised (mlx-lm's own ``qwen2`` class), its tokenizer a byte-level BPE
trained on the test rows with the Qwen2.5 chat tokens added and the real Qwen2.5 chat template.
It exists only so the MLX stages can run for real on a CPU; it learns nothing useful.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from core.paths import TEMPLATES_DIR

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "execute_code",
            "description": "Run Python code",
            "parameters": {
                "type": "object",
                "properties": {"code": {"type": "string"}},
                "required": ["code"],
            },
        },
    }
]
WORDS = ["sum", "list", "files", "count", "lines", "sort", "names", "max", "min", "words"]


def chat_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """Short Code Mode style rows: a question, then either a tool call or a direct answer."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        user = {"role": "user", "content": f"{a} the {b}"}
        if i % 3:
            reply = {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {"name": "execute_code", "arguments": {"code": f"print({a}({b}))"}},
                    }
                ],
            }
        else:
            reply = {"role": "assistant", "content": f"Use {a} on {b}."}
        rows.append({"messages": [user, reply], "tools": TOOLS})
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def build_tokenizer(out: Path, texts: list[str], vocab_size: int = 400) -> int:
    """Train a byte-level BPE and write tokenizer.json + tokenizer_config.json; returns the vocab size."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "chat_template": (TEMPLATES_DIR / "qwen2.5-instruct.jinja").read_text(),
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "bos_token": None,
        "add_bos_token": False,
        "model_max_length": 4096,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    return tok.get_vocab_size()


def build_model(
    out: Path, data_dir: Path, *, hidden: int = 64, layers: int = 2, intermediate: int = 96, seed: int = 0
) -> Path:
    """A random-init qwen2 model folder that ``mlx_lm.load`` accepts."""
    import mlx.core as mx
    from mlx_lm.models import qwen2
    from mlx_lm.utils import save_model
    from transformers import PreTrainedTokenizerFast

    rows = [
        json.loads(line)
        for f in ("train.jsonl", "valid.jsonl")
        for line in (data_dir / f).read_text().splitlines()
    ]
    # Train the BPE on the rendered rows, so the template's own text compresses well.
    tmp = out / "_bootstrap"
    build_tokenizer(tmp, [json.dumps(r) for r in rows], vocab_size=300)
    boot = PreTrainedTokenizerFast.from_pretrained(str(tmp))
    rendered = [boot.apply_chat_template(r["messages"], tools=r.get("tools"), tokenize=False) for r in rows]
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    vocab = build_tokenizer(out, rendered, vocab_size=1000)
    tok = PreTrainedTokenizerFast.from_pretrained(str(out))
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    config = {
        "model_type": "qwen2",
        "architectures": ["Qwen2ForCausalLM"],
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "intermediate_size": intermediate,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-6,
        "vocab_size": vocab,
        "max_position_embeddings": 4096,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "eos_token_id": eos,
    }
    mx.random.seed(seed)
    args = qwen2.ModelArgs.from_dict(config)
    model = qwen2.Model(args)
    mx.eval(model.parameters())
    save_model(out, model)
    (out / "config.json").write_text(json.dumps(config, indent=2))
    return out
