"""Build, check and find the tiny demo models: small stand-ins, built locally, for the real Qwen models.

The demo config (data/demo/phase25.demo.toml) runs the whole pipeline, with the same code and the
real mlx-lm model classes, on two models built here from a seed:

* ``tiny-qwen2.5-coder`` (candidate): a small dense ``qwen2`` with a Qwen2.5-style tokenizer, given an
  "instruct" pretraining on generic tool chats in Qwen's format, direct answers and generic code
  (``DemoCorpus.instruct_rows``). The pipeline's LoRA then has to teach it Code Mode, as it must
  teach the real 7B.
* ``tiny-qwen3-moe-phase24`` (baseline): a larger ``qwen3_moe`` (8 experts, 2 active) with a
  Qwen3-style tokenizer, fully fine-tuned on the Code Mode rows (the Phase 24 analogue) and stored
  at 5 bits, as the real Phase 24 model is.

THESE ARE TINY STAND-INS. They exist so that every stage, test and the dashboard can run on a CPU in
minutes. Their scores say nothing about the real models.

Both are ordinary mlx-lm model folders (config.json, model.safetensors, tokenizer files).
``BUILD.json`` beside them records the seed, the recipe, the corpus hash, the leakage check, sizes,
parameter counts, each model's build time and its loss curves.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.data.turns import expand
from core.demo.corpus import (
    PRETRAIN_DIR,
    CorpusError,
    DemoCorpus,
    corpus_digest,
    load_corpus,
)
from core.demo.leakage import check_leakage
from core.demo.recipe import DemoRecipe, model_config
from core.paths import DATA_DIR, TEMPLATES_DIR

DEMO_MODELS_DIR = DATA_DIR / "demo" / "models"
DEFAULT_CORPUS_DIR = DATA_DIR / "demo" / "compact"
RECIPE_VERSION = 5
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


def _build_one(role: str, out: Path, corpus: DemoCorpus, recipe: DemoRecipe, log: Log) -> dict[str, Any]:
    from core.tokenizers.demo_bpe import build_demo_tokenizer, vocab_size_of
    from core.tokenizers.render import render_chat

    family = FAMILIES[role]
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    instruct = corpus.instruct_rows(recipe.toolchat_rows, recipe.seed, recipe.more_toolchat_rows)
    texts = [render_chat(r, family) for r in corpus.all_rows() + instruct]
    bpe = recipe.vocab_size if role == "candidate" else recipe.baseline_vocab_size
    doc = build_demo_tokenizer(texts, family, out, vocab_size=bpe)
    tok_seconds = time.perf_counter() - t0
    n_ids = vocab_size_of(doc)
    vocab_size = -(-n_ids // 64) * 64   # padded like the real configs (152064, 151936)
    ids = {t["content"]: t["id"] for t in doc.get("added_tokens", [])}
    config = model_config(role, recipe, vocab_size, ids["<|im_end|>"], ids["<|endoftext|>"])
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    log(f"{MODEL_NAMES[role]}: {config['model_type']}, tokenizer {n_ids} ids (trained in {tok_seconds:.1f}s), "
        f"{recipe.backend} backend")
    if role == "candidate":
        phases = [("pretrain", instruct, corpus.instruct_valid(recipe.seed, recipe.more_toolchat_rows),
                   recipe.pretrain_iters,
                   recipe.pretrain_lr, recipe.pretrain_batch_size, False)]
    else:
        phases = [("pretrain", expand(instruct), expand(corpus.instruct_valid(recipe.seed, recipe.more_toolchat_rows)),
                   recipe.baseline_pretrain_iters, recipe.pretrain_lr, recipe.batch_size, True)]
        phases = [p for p in phases if p[3] > 0] + [
                  ("finetune", corpus.finetune_rows("train"), corpus.finetune_rows("valid"),
                   recipe.finetune_iters, recipe.finetune_lr, recipe.batch_size, True)]
    train_one = _train_torch if recipe.backend == "torch" else _train_mlx
    stages, n_params = train_one(role, out, config, phases, recipe, log)
    if role == "baseline" and recipe.baseline_bits:
        from core.demo.export import quantize_in_place

        quantize_in_place(out, recipe.baseline_bits, recipe.baseline_group_size)
        log(f"{MODEL_NAMES[role]}: quantized to {recipe.baseline_bits} bits (group size {recipe.baseline_group_size})")
    (out / "README.md").write_text(_model_readme(role, config, n_params, recipe), encoding="utf-8")
    tokenizer = _tokenizer(out)
    return {
        "name": MODEL_NAMES[role], "family": family, "stands_in_for": STANDS_IN_FOR[role],
        "model_type": config["model_type"], "parameters": n_params, "vocab_size": vocab_size,
        "tokenizer_ids": n_ids, "config": json.loads((out / "config.json").read_text(encoding="utf-8")),
        "training": stages,
        "bits": recipe.baseline_bits if role == "baseline" and recipe.baseline_bits else None,
        "tool_call_tokens": len(tokenizer.encode("<tool_call>", add_special_tokens=False)),
        "tool_response_tokens": len(tokenizer.encode("<tool_response>", add_special_tokens=False)),
    }


Phases = list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], int, float, int, bool]]


def _tokenizer(out: Path) -> Any:
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    return load_tokenizer(out)


def _train_torch(role: str, out: Path, config: dict[str, Any], phases: Phases, recipe: DemoRecipe,
                 log: Log) -> tuple[dict[str, Any], int]:
    from core.demo.export import save_mlx
    from core.demo.train_torch import Phase, load_tokenizer, new_model, train

    model = new_model(config, recipe.seed + (0 if role == "candidate" else 1))
    tokenizer = load_tokenizer(out)
    stages = {}
    for i, (name, rows, valid, iters, lr, bs, last) in enumerate(phases):
        phase = Phase(f"{MODEL_NAMES[role]} {name}", iters, lr, bs, recipe.max_seq_length, last_turn_only=last,
                      eval_every=recipe.eval_every, seed=recipe.seed + i)
        stages[name] = train(model, tokenizer, rows, valid, phase, log)
    if role == "candidate" and recipe.init_unseen_tokens:
        from core.demo.train_torch import encode
        from core.demo.vocab_init import init_unseen, unseen_merge_plan

        seen = {t for _, rows, *_ in phases for ids, _ in encode(rows, tokenizer, recipe.max_seq_length, False)
                for t in ids}
        n = init_unseen(model.get_input_embeddings().weight, unseen_merge_plan(out / "tokenizer.json", seen), seen)
        stages[phases[-1][0]]["unseen_tokens_initialised"] = n
        log(f"{MODEL_NAMES[role]}: {n} tokens its pretraining never saw got the mean of their BPE parts")
    weights = save_mlx(model, config, out)
    return stages, sum(int(v.size) for v in weights.values())


def _train_mlx(role: str, out: Path, config: dict[str, Any], phases: Phases, recipe: DemoRecipe,
               log: Log) -> tuple[dict[str, Any], int]:
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.utils import _get_classes

    from core.demo.train_mlx import train

    tokenizer = _tokenizer(out)
    model_cls, args_cls = _get_classes(config)
    mx.random.seed(recipe.seed + (0 if role == "candidate" else 1))
    model = model_cls(args_cls.from_dict(config))
    model.set_dtype(getattr(mx, recipe.dtype))
    stages = {}
    for i, (name, rows, valid, iters, lr, bs, _last) in enumerate(phases):
        stages[name] = train(model, tokenizer, rows, valid, iters, lr, recipe, recipe.seed + i, log,
                             f"{MODEL_NAMES[role]} {name}", batch_size=bs)
    weights = dict(tree_flatten(model.parameters()))
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    return stages, sum(int(v.size) for v in weights.values())


def _model_readme(role: str, config: dict[str, Any], n_params: int, recipe: DemoRecipe) -> str:
    how = ("pretrained on generic tool chats (Qwen's tool-call format, tools other than Code Mode's), "
           "direct answers and generic code; the pipeline's LoRA teaches it Code Mode"
           if role == "candidate" else
           "pretrained on the same rows, then fully fine-tuned on the Code Mode rows (the Phase 24 "
           f"analogue), stored at {recipe.baseline_bits} bits" if recipe.baseline_bits else
           "pretrained on the same rows, then fully fine-tuned on the Code Mode rows (the Phase 24 analogue)")
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
                      log: Log = print, parallel: bool = False, only: str | None = None) -> dict[str, Any]:
    """Build both demo models into ``out_dir`` (atomically) and return the BUILD.json record.

    ``parallel`` (torch backend) trains the two models side by side, one process and one core each.
    ``only`` ("candidate" or "baseline") rebuilds that model and keeps the other one, with its
    BUILD.json record, from ``out_dir``: allowed only when the kept model's part of the recipe is
    the same as when it was built (the build is deterministic, so it would come out the same).

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
        leaks = check_leakage(corpus, recipe, _rel)
        if only is None:
            models = _build_roles(tmp, corpus, recipe, log, parallel)
        else:
            from core.demo.keep import keep_other

            models = keep_other(only, existing, out_dir, tmp, recipe, log)
            models.update(_build_roles(tmp, corpus, recipe, log, parallel, roles=(only,)))
            models = {role: models[role] for role in ROLES}
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
            "leakage": leaks,
            "build_seconds": round(time.perf_counter() - tic
                                   + sum(m.get("build_seconds", 0) for m in models.values() if "kept_from_build" in m), 1),
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


def _build_role(args: tuple[str, Path, Path, DemoRecipe, int]) -> dict[str, Any]:
    """One model in a process of its own (parallel builds): one torch thread, log lines prefixed."""
    role, out, corpus_dir, recipe, threads = args
    import torch

    os.setsid()   # a session of its own, as each pipeline stage has: the two builds share the CPU fairly

    torch.set_num_threads(threads)
    return _timed(lambda: _build_one(role, out, load_corpus(corpus_dir), recipe, lambda s: print(s, flush=True)))


def _timed(build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    tic = time.perf_counter()
    info = build()
    return {**info, "build_seconds": round(time.perf_counter() - tic, 1),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _build_roles(tmp: Path, corpus: DemoCorpus, recipe: DemoRecipe, log: Log, parallel: bool,
                 roles: tuple[str, ...] = ROLES) -> dict[str, dict[str, Any]]:
    if not parallel or recipe.backend != "torch" or len(roles) < 2:
        return {role: _timed(functools.partial(_build_one, role, tmp / MODEL_NAMES[role], corpus, recipe, log))
                for role in roles}
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    log("training the two models side by side (one process each)")
    with ProcessPoolExecutor(max_workers=len(ROLES), mp_context=mp.get_context("spawn")) as pool:
        jobs = {role: pool.submit(_build_role, (role, tmp / MODEL_NAMES[role], corpus.source, recipe, 1))
                for role in ROLES}
        return {role: job.result() for role, job in jobs.items()}


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
                f"recipe, or against another suite, than the current {corpus} (data.train) and data/suite; "
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
    build_demo_models(out_dir, corpus, recipe=available_recipe(log), log=log)
    return paths


def available_recipe(log: Log = print) -> DemoRecipe:
    """The recorded recipe, on the mlx backend when torch (the ``[build]`` extra) is not installed."""
    import importlib.util

    recipe = DemoRecipe()
    if recipe.backend == "torch" and (importlib.util.find_spec("torch") is None
                                      or importlib.util.find_spec("transformers") is None):
        log("torch/transformers are not installed (pip install -e '.[build]'): building with the mlx "
            "backend instead, which is slower and gives other weights than BUILD.json records")
        recipe = DemoRecipe(backend="mlx")
    return recipe
