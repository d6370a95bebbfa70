"""The tiny demo models: small stand-ins, built locally, for the real Qwen models.

The demo config (data/demo/phase25.demo.toml) runs the whole pipeline, with the same code and the
real mlx-lm model classes, on two models this module builds from a seed:

* ``tiny-qwen2.5-coder`` (candidate): a dense ``qwen2`` model with a Qwen2.5-style tokenizer,
  given a short full-weight "instruct" pretraining on chat rows WITHOUT tool calls. The pipeline's
  LoRA then has to teach it Code Mode, as it must teach the real 7B.
* ``tiny-qwen3-moe-phase24`` (baseline): a ``qwen3_moe`` model (a few experts, two active) with a
  Qwen3-style tokenizer, pretrained the same way and then fully fine-tuned on the Code Mode rows:
  the analogue of the Phase 24 fine-tune.

THESE ARE TINY STAND-INS (a few hundred thousand parameters). They exist so that every stage, test
and the dashboard can run on a CPU in minutes. Their scores say nothing about the real models.

Both are saved as ordinary mlx-lm model folders (config.json, model.safetensors, tokenizer files),
so ``mlx_lm.load`` / ``lora`` / ``fuse`` / ``convert`` / ``generate`` accept them. ``BUILD.json``
beside them records the seed, the recipe, the corpus hash, sizes and parameter counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.demo_corpus import (
    PRETRAIN_DIR,
    CorpusError,
    DemoCorpus,
    corpus_digest,
    load_corpus,
)
from core.paths import DATA_DIR, TEMPLATES_DIR

DEMO_MODELS_DIR = DATA_DIR / "demo" / "models"
DEFAULT_CORPUS_DIR = DATA_DIR / "demo" / "compact"
RECIPE_VERSION = 3
REBUILD_COMMAND = "phase25 demo build --force"
STAND_IN_NOTE = (
    "Tiny stand-in models built locally for the demo and the tests. "
    "Their scores say nothing about the real Qwen2.5-Coder-7B or Qwen3-30B-A3B."
)
ROLES = ("candidate", "baseline")
MODEL_NAMES = {"candidate": "tiny-qwen2.5-coder", "baseline": "tiny-qwen3-moe-phase24"}
FAMILIES = {"candidate": "qwen2.5", "baseline": "qwen3"}
STANDS_IN_FOR = {"candidate": "Qwen/Qwen2.5-Coder-7B-Instruct", "baseline": "Qwen/Qwen3-30B-A3B"}

Log = Callable[[str], None]

__all__ = [
    "CorpusError", "DemoRecipe", "build_demo_models", "ensure_demo_models", "demo_status",
    "model_config", "DEMO_MODELS_DIR", "DEFAULT_CORPUS_DIR", "MODEL_NAMES",
]


@dataclass(frozen=True)
class DemoRecipe:
    """Everything that decides the built weights, besides the corpus. Recorded in BUILD.json."""

    seed: int = 0
    vocab_size: int = 1024          # BPE vocabulary (bytes + merges); the added tokens come on top
    hidden_size: int = 96           # qwen2; divisible by the demo's quantization group size (32)
    moe_hidden_size: int = 64       # qwen3_moe; mlx-lm quantizes its router with group size 64
    num_layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    intermediate_size: int = 192    # the dense MLP
    num_experts: int = 8            # qwen3_moe: many experts, few active, like 30B-A3B
    experts_per_tok: int = 2
    moe_intermediate_size: int = 64
    batch_size: int = 2             # rows average ~380 tokens (the compact prompt alone is ~185)
    max_seq_length: int = 768
    pretrain_iters: int = 300       # candidate: full-weight "instruct" pretraining on rows without tool calls
    pretrain_batch_size: int = 4    # candidate pretraining only: 150 iterations at batch 2 left the
                                    # answers barely learnt, and the pipeline's LoRA then stalled (~5.6)
    pretrain_lr: float = 3e-3
    baseline_pretrain_iters: int = 100
    finetune_iters: int = 400       # baseline only: full fine-tune on the Code Mode set (Phase 24 analogue)
    finetune_lr: float = 2e-3
    val_batches: int = 8            # validation loss before/after each phase, recorded in BUILD.json
    dtype: str = "float32"
    extra: dict[str, Any] = field(default_factory=dict)


def model_config(role: str, recipe: DemoRecipe, vocab_size: int, eos_id: int, pad_id: int) -> dict[str, Any]:
    """config.json of a demo model, shaped like the real model's (model_type picks the mlx-lm class)."""
    hidden = recipe.hidden_size if role == "candidate" else recipe.moe_hidden_size
    common: dict[str, Any] = {
        "hidden_size": hidden,
        "num_hidden_layers": recipe.num_layers,
        "intermediate_size": recipe.intermediate_size,
        "num_attention_heads": recipe.heads,
        "num_key_value_heads": recipe.kv_heads,
        "rms_norm_eps": 1e-6,
        "vocab_size": vocab_size,
        "max_position_embeddings": 4096,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
        "torch_dtype": recipe.dtype,
        "eos_token_id": eos_id,
        "pad_token_id": pad_id,
        "bos_token_id": None,
    }
    if role == "candidate":
        return {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", **common}
    return {
        "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", **common,
        "head_dim": hidden // recipe.heads,
        "num_experts": recipe.num_experts,
        "num_experts_per_tok": recipe.experts_per_tok,
        "moe_intermediate_size": recipe.moe_intermediate_size,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "norm_topk_prob": True,
        "attention_bias": False,
    }


# -- training -------------------------------------------------------------------------------------
def _truncating(rows: list[dict[str, Any]], tokenizer: Any, max_len: int) -> Any:
    """mlx-lm's ChatDataset (no prompt mask), rows cut to ``max_len`` tokens up front.

    mlx-lm's batching cuts them the same way; doing it here only spares its warning per batch.
    """
    from mlx_lm.tuner.datasets import ChatDataset

    class Truncating(ChatDataset):
        def process(self, d: dict[str, Any]) -> tuple[list[int], int]:
            tokens, offset = super().process(d)
            return tokens[:max_len], offset

    return Truncating(rows, tokenizer, mask_prompt=False)


def _train(model: Any, tokenizer: Any, rows: list[dict[str, Any]], valid: list[dict[str, Any]],
           iters: int, lr: float, recipe: DemoRecipe, seed: int, log: Log, label: str,
           batch_size: int | None = None) -> dict[str, Any]:
    """Full-weight training with mlx-lm's loss and batching; returns losses and timing."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import default_loss, evaluate, iterate_batches

    train_ds = CacheDataset(_truncating(rows, tokenizer, recipe.max_seq_length))
    valid_ds = CacheDataset(_truncating(valid, tokenizer, recipe.max_seq_length)) if valid else None
    bs = min(batch_size or recipe.batch_size, len(train_ds))

    def val_loss() -> float | None:
        if valid_ds is None or len(valid_ds) == 0:
            return None
        return float(evaluate(model, valid_ds, batch_size=min(bs, len(valid_ds)), num_batches=recipe.val_batches,
                              max_seq_length=recipe.max_seq_length))

    before = val_loss()
    mx.random.seed(seed)
    schedule = optim.cosine_decay(lr, iters, lr * 0.1)
    opt = optim.Adam(learning_rate=schedule)
    loss_and_grad = nn.value_and_grad(model, default_loss)
    model.train()
    tic = time.perf_counter()
    tokens = 0
    losses: list[float] = []
    batches = iterate_batches(train_ds, bs, recipe.max_seq_length, loop=True, seed=seed)
    for it, (batch, lengths) in zip(range(1, iters + 1), batches, strict=False):
        (loss, ntoks), grads = loss_and_grad(model, batch, lengths)
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)
        tokens += int(ntoks.item())
        losses.append(float(loss.item()))
        if it % 25 == 0 or it == iters:
            avg = sum(losses[-25:]) / len(losses[-25:])
            log(f"  {label}: iter {it}/{iters} · loss {avg:.3f} · {tokens / (time.perf_counter() - tic):.0f} tok/s")
    seconds = time.perf_counter() - tic
    model.eval()
    after = val_loss()
    return {"iters": iters, "learning_rate": lr, "batch_size": bs, "rows": len(rows), "tokens": tokens,
            "seconds": round(seconds, 1), "final_train_loss": round(losses[-1], 4) if losses else None,
            "val_loss_before": _r(before), "val_loss_after": _r(after)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _build_one(role: str, out: Path, corpus: DemoCorpus, recipe: DemoRecipe, log: Log) -> dict[str, Any]:
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tokenizer_utils import load as load_tokenizer
    from mlx_lm.utils import _get_classes

    from core.tokenizers.demo_bpe import build_demo_tokenizer, vocab_size_of
    from core.tokenizers.render import render_chat

    family = FAMILIES[role]
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    texts = [render_chat(r, family) for r in corpus.all_rows()]
    doc = build_demo_tokenizer(texts, family, out, vocab_size=recipe.vocab_size)
    tok_seconds = time.perf_counter() - t0
    tokenizer = load_tokenizer(out)
    n_ids = vocab_size_of(doc)
    vocab_size = -(-n_ids // 64) * 64   # padded like the real configs (152064, 151936)
    config = model_config(role, recipe, vocab_size, tokenizer.eos_token_id, tokenizer.pad_token_id)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    log(f"{MODEL_NAMES[role]}: {config['model_type']}, tokenizer {n_ids} ids "
        f"(trained in {tok_seconds:.1f}s)")

    model_cls, args_cls = _get_classes(config)
    mx.random.seed(recipe.seed + (0 if role == "candidate" else 1))
    model = model_cls(args_cls.from_dict(config))
    dtype = getattr(mx, recipe.dtype)
    model.set_dtype(dtype)
    iters = recipe.pretrain_iters if role == "candidate" else recipe.baseline_pretrain_iters
    batch = recipe.pretrain_batch_size if role == "candidate" else recipe.batch_size
    stages = {"pretrain": _train(model, tokenizer, corpus.pretrain_rows(), corpus.pretrain_valid(),
                                 iters, recipe.pretrain_lr, recipe, recipe.seed, log,
                                 f"{MODEL_NAMES[role]} pretrain", batch_size=batch)}
    if role == "baseline":
        # One row per assistant turn (see DemoCorpus.finetune_rows): the call is trained after the
        # empty <think> block the generation prompt ends with.
        stages["finetune"] = _train(model, tokenizer, corpus.finetune_rows("train"), corpus.finetune_rows("valid"),
                                    recipe.finetune_iters,
                                    recipe.finetune_lr, recipe, recipe.seed + 1, log,
                                    f"{MODEL_NAMES[role]} Code Mode fine-tune")
    weights = dict(tree_flatten(model.parameters()))
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    n_params = sum(int(v.size) for v in weights.values())
    (out / "README.md").write_text(_model_readme(role, config, n_params), encoding="utf-8")
    return {
        "name": MODEL_NAMES[role], "family": family, "stands_in_for": STANDS_IN_FOR[role],
        "model_type": config["model_type"], "parameters": n_params, "vocab_size": vocab_size,
        "tokenizer_ids": n_ids, "config": config, "training": stages,
        "tool_call_tokens": len(tokenizer.encode("<tool_call>", add_special_tokens=False)),
        "tool_response_tokens": len(tokenizer.encode("<tool_response>", add_special_tokens=False)),
    }


def _model_readme(role: str, config: dict[str, Any], n_params: int) -> str:
    how = ("pretrained on chat rows without tool calls; the pipeline's LoRA teaches it Code Mode"
           if role == "candidate" else
           "pretrained on chat rows without tool calls, then fully fine-tuned on the Code Mode rows "
           "(the Phase 24 analogue)")
    return (f"# {MODEL_NAMES[role]}\n\n{STAND_IN_NOTE}\n\nA {n_params:,}-parameter `{config['model_type']}` "
            f"model standing in for `{STANDS_IN_FOR[role]}`: {how}.\n\nRebuild with `{REBUILD_COMMAND}`; "
            "the seed, recipe and corpus hash are in ../BUILD.json.\n")


# -- build, status, ensure ------------------------------------------------------------------------
def inputs_digest(recipe: DemoRecipe, corpus_dir: Path) -> str:
    """Hash of everything the weights depend on: recipe, corpus, pretraining rows, templates."""
    h = hashlib.sha256()
    h.update(json.dumps({"v": RECIPE_VERSION, **asdict(recipe)}, sort_keys=True).encode())
    h.update(corpus_digest(corpus_dir).encode())
    for p in sorted(TEMPLATES_DIR.glob("*.jinja")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def demo_status(out_dir: Path, corpus_dir: Path, recipe: DemoRecipe | None = None) -> str:
    """'missing', 'stale' (built from other inputs) or 'current'."""
    build = _read_build(out_dir)
    if build is None or any(not _model_present(out_dir / n) for n in MODEL_NAMES.values()):
        return "missing"
    try:
        digest = inputs_digest(recipe or DemoRecipe(), corpus_dir)
    except CorpusError:
        return "current"   # nothing to compare against; keep what is there
    return "current" if build.get("inputs_digest") == digest else "stale"


def _read_build(out_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out_dir / "BUILD.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _model_present(path: Path) -> bool:
    return (path / "config.json").is_file() and (path / "model.safetensors").is_file() and (
        path / "tokenizer.json").is_file()


def build_demo_models(out_dir: Path = DEMO_MODELS_DIR, corpus_dir: Path = DEFAULT_CORPUS_DIR,
                      seed: int = 0, force: bool = False, recipe: DemoRecipe | None = None,
                      log: Log = print) -> dict[str, Any]:
    """Build both demo models into ``out_dir`` (atomically) and return the BUILD.json record.

    Without ``force``, models that exist and were built from the same inputs are kept, and the
    existing record is returned with ``"action": "kept"``.
    """
    out_dir, corpus_dir = Path(out_dir), Path(corpus_dir)
    recipe = recipe or DemoRecipe(seed=seed)
    if recipe.seed != seed:
        recipe = DemoRecipe(**{**asdict(recipe), "seed": seed})
    corpus = load_corpus(corpus_dir)
    digest = inputs_digest(recipe, corpus_dir)
    existing = _read_build(out_dir)
    if not force and existing and existing.get("inputs_digest") == digest and all(
            _model_present(out_dir / n) for n in MODEL_NAMES.values()):
        return {**existing, "action": "kept"}
    log(f"building the demo models into {out_dir} (seed {recipe.seed}); {STAND_IN_NOTE}")
    log(f"corpus {corpus_dir}: {corpus.describe()}")
    tic = time.perf_counter()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    tmp.chmod(0o755)
    try:
        models = {role: _build_one(role, tmp / MODEL_NAMES[role], corpus, recipe, log) for role in ROLES}
        for role, info in models.items():
            folder = tmp / MODEL_NAMES[role]
            info["files"] = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
            info["bytes"] = sum(info["files"].values())
            info["weights_sha256"] = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
        import mlx.core as mx
        import mlx_lm

        record = {
            "note": STAND_IN_NOTE,
            "command": REBUILD_COMMAND,
            "seed": recipe.seed,
            "recipe": asdict(recipe),
            "recipe_version": RECIPE_VERSION,
            "inputs_digest": digest,
            "corpus": {"dir": _rel(corpus_dir), "sha256": corpus_digest(corpus_dir), **corpus.counts(),
                       "pretrain_dir": _rel(PRETRAIN_DIR)},
            "models": models,
            "build_seconds": round(time.perf_counter() - tic, 1),
            "versions": {"mlx": getattr(mx, "__version__", "?"), "mlx_lm": mlx_lm.__version__},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / "BUILD.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _swap_in(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log(f"built in {record['build_seconds']:.0f}s: " + ", ".join(
        f"{m['name']} {m['parameters']:,} params, {m['bytes'] / 1024:.0f} KB" for m in models.values()))
    return {**record, "action": "built"}


def _rel(p: Path) -> str:
    try:
        return Path(p).resolve().relative_to(DATA_DIR.parent).as_posix()
    except ValueError:
        return str(p)


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with ``tmp`` so that a reader sees the old set or the new one, never half."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ensure_demo_models(cfg: Any, log: Log = print) -> dict[str, Path]:
    """The demo config's model folders, built first if missing. ``{"candidate": Path, "baseline": Path}``.

    Models that exist are used as they are (a stale build is reported, not rebuilt: rebuilding
    takes minutes; run ``phase25 demo build``).
    """
    paths = {"candidate": cfg.resolve(cfg.candidate.path), "baseline": cfg.resolve(cfg.baseline.path)}
    corpus = cfg.resolve(cfg.data.train)
    if all(_model_present(p) for p in paths.values()):
        out_dir = paths["candidate"].parent
        if cfg.experiment.demo and demo_status(out_dir, corpus) == "stale":
            log(f"warning: the demo models in {out_dir} are stale: they were built from another corpus or "
                f"recipe than the current {corpus} (data.train), so the demo does not reflect that data; "
                f"run `{REBUILD_COMMAND}` to rebuild them (a few minutes)")
        return paths
    if not cfg.experiment.demo:
        missing = ", ".join(str(p) for p in paths.values() if not _model_present(p))
        raise FileNotFoundError(f"model folder not found: {missing} (only demo models are built locally)")
    out_dir = paths["candidate"].parent
    for role, p in paths.items():
        if p != out_dir / MODEL_NAMES[role]:
            raise ValueError(f"{cfg.source}: {role}.path must be {MODEL_NAMES[role]!r} beside the other "
                             f"demo model to be built locally; got {p}")
    log(f"the demo models are missing in {out_dir}: building them from {corpus} now "
        "(this takes a few minutes, once)")
    build_demo_models(out_dir, corpus, seed=DemoRecipe().seed, log=log)
    return paths
