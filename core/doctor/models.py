"""Where each model's weights are: a local folder, a Hugging Face id already in the cache, or a
download (and how big); its config.json, bits and family; whether its chat template fits the family.

Nothing here touches the network: the cache is looked up with ``huggingface_hub`` offline, and a
model that is neither local nor cached is described by the published config its ``hf_id`` names
(``data/model_configs``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.evaluation.predict import PredictError, predict, read_config, real_config_path, weights_dtype_bits

Where = Literal["local", "cached", "download", "missing"]
FAMILY_OF_TYPE = {"qwen2": "qwen2.5", "qwen2_moe": "qwen2.5", "qwen3": "qwen3", "qwen3_moe": "qwen3"}


@dataclass
class ModelInfo:
    role: str
    path: str
    where: Where
    folder: Path | None = None
    config: dict[str, Any] | None = None
    config_source: str = ""
    """Which config.json the predictions use: the model's own, or the published one of hf_id."""
    bits: int | None = None
    group_size: int | None = None
    family: str | None = None
    """From config.json's model_type."""
    template_family: str | None = None
    download_bytes: int | None = None
    on_disk: int | None = None
    problems: list[str] = field(default_factory=list)


def looks_like_hub_id(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 2 and all(parts) and not path.startswith((".", "/", "~"))


def hub_cache_folder(repo_id: str) -> Path | None:
    """The cached snapshot folder of ``repo_id`` when its config and every weight file are there."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        cfg = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # a malformed id
        return None
    if not isinstance(cfg, str):
        return None
    folder = Path(cfg).parent
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text())["weight_map"].values())
        except (OSError, ValueError, KeyError):
            return None
        return folder if all((folder / s).is_file() for s in shards) else None
    return folder if any(folder.glob("*.safetensors")) else None


def template_family(template: str) -> str | None:
    """The Qwen family a chat template is written for: Qwen3's has the thinking switch."""
    if not template:
        return None
    if "enable_thinking" in template or "<think>" in template:
        return "qwen3"
    if "<tool_call>" in template or "<|im_start|>" in template:
        return "qwen2.5"
    return None


def folder_template(folder: Path) -> str:
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    try:
        tc = json.loads((folder / "tokenizer_config.json").read_text())
    except (OSError, ValueError):
        return ""
    t = tc.get("chat_template") or ""
    if isinstance(t, list):  # several named templates: the default one
        t = next((x.get("template", "") for x in t if x.get("name") == "default"), "")
    return str(t)


def _weights_on_disk(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.glob("*.safetensors"))


def locate(role: str, spec: Any, cfg: Any) -> ModelInfo:
    """Where ``spec``'s weights are and what its config says (never raises)."""
    local = cfg.resolve(spec.path)
    info = ModelInfo(role=role, path=spec.path, where="missing")
    if local.is_dir():
        info.where, info.folder = "local", local
    elif not spec.path.startswith((".", "/", "~")) and looks_like_hub_id(spec.path):
        cached = hub_cache_folder(spec.path)
        info.where, info.folder = ("cached", cached) if cached else ("download", None)
    if info.folder is not None:
        try:
            info.config, info.config_source = read_config(info.folder), str(info.folder / "config.json")
        except PredictError as exc:
            info.problems.append(str(exc))
        info.on_disk = _weights_on_disk(info.folder)
        info.template_family = template_family(folder_template(info.folder))
    if info.config is None:
        published = real_config_path(spec.hf_id) or real_config_path(spec.path)
        if published is not None:
            info.config, info.config_source = read_config(published), f"{published} (published config of {spec.hf_id})"
        else:
            info.problems.append(f"{role}: no config.json to predict from ({role}.path {spec.path!r} has none here, "
                                 f"and {role}.hf_id names no config in data/model_configs)")
    if info.config is not None:
        info.bits, info.group_size = weights_dtype_bits(info.config)
        if role == "baseline" and info.folder is None and spec.path != spec.hf_id:
            # Your own baseline (the Phase 24 model), not here yet: the published config gives its shape,
            # and the seed its bits, as the report's physics does when its config.json can't be read.
            info.bits, info.group_size = cfg.verdict.seed_baseline_bits, cfg.quantize.group_size
            info.config_source += f", at the seed's {info.bits} bits (verdict.seed_baseline_bits)"
        mtype = str((info.config.get("text_config") or info.config).get("model_type", ""))
        info.family = FAMILY_OF_TYPE.get(mtype)
        if info.where == "download":
            try:
                info.download_bytes = predict(info.config, info.bits, info.group_size, 1.0).weight_bytes
            except PredictError as exc:
                info.problems.append(str(exc))
    return info


def describe_where(info: ModelInfo) -> str:
    if info.where == "local":
        return f"local folder {info.folder}"
    if info.where == "cached":
        return f"Hugging Face id {info.path}, in the cache ({info.folder})"
    if info.where == "download":
        size = f" (~{info.download_bytes / 1e9:.1f} GB)" if info.download_bytes else ""
        return f"Hugging Face id {info.path}, not in the cache: the fetch step downloads it{size}"
    return f"{info.path}: not found"
