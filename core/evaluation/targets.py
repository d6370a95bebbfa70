"""Which model each test runs on, and where results and decisions live.

The candidate tested by ``test_candidate`` is the quantized model parity chose (its decision file
under the outputs), else ``cfg.quantized_dir(cfg.quantize.bits)``. The baseline is
``cfg.baseline`` (path plus optional adapter). Parity's variants are the adapter on the base, the
fused 16-bit model, and the quantized ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.config import ExperimentConfig, ModelSpec
from core.evaluation.predict import weights_dtype_bits
from core.evaluation.schema import Form, ModelIdentity
from core.evaluation.suite_run import ModelToTest


class TargetError(Exception):
    """A model to test is missing; the message says which and how to make it."""


def parity_decision_path(cfg: ExperimentConfig) -> Path:
    """The decision file parity writes and test_candidate reads (beside the results file)."""
    return cfg.resolve(cfg.outputs.results).with_name("phase25_parity.json")


def results_path(cfg: ExperimentConfig, role: str) -> Path:
    """Per-model results next to the outputs: phase25_results.json -> phase25_results.<role>.json."""
    p = cfg.resolve(cfg.outputs.results)
    return p.with_name(f"{p.stem}.{role}{p.suffix}")


def folder_size(path: Path | None) -> int | None:
    if path is None or not Path(path).exists():
        return None
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / "config.json").read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def identity(role: str, spec: ModelSpec, load_path: str, adapter: str | None, form: Form | None = None
             ) -> ModelIdentity:
    local = Path(load_path)
    conf = _read_config(local) if local.is_dir() else {}
    bits, group = weights_dtype_bits(conf)
    if form is None:
        if adapter:
            form = "adapter"
        elif bits is not None:
            form = "quantized"
        elif spec.hf_id and load_path == spec.hf_id:
            form = "base"
        else:
            form = "fused"
    size = folder_size(local) if local.exists() else None
    if size is not None and adapter:
        size += folder_size(Path(adapter)) or 0
    return ModelIdentity(role=role, name=spec.name, path=load_path, hf_id=spec.hf_id, family=spec.family,
                         form=form, bits=bits, group_size=group, adapter_path=adapter, size_on_disk_bytes=size)


def _missing(path: Path, what: str, how: str) -> TargetError:
    return TargetError(f"{what} not found at {path}; {how}")


def read_parity_decision(cfg: ExperimentConfig) -> dict[str, Any] | None:
    try:
        data = json.loads(parity_decision_path(cfg).read_text())
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def candidate_target(cfg: ExperimentConfig) -> tuple[ModelToTest, str]:
    """The final quantized candidate, and a line saying how it was chosen."""
    decision = read_parity_decision(cfg)
    if decision and decision.get("chosen_path") and Path(decision["chosen_path"]).is_dir():
        path = Path(decision["chosen_path"])
        why = f"parity chose {decision.get('chosen_bits')}-bit: {decision.get('reason', '')}".strip()
    else:
        path = cfg.quantized_dir(cfg.quantize.bits)
        why = f"no parity decision at {parity_decision_path(cfg)}; using the {cfg.quantize.bits}-bit model"
    if not (path / "config.json").is_file():
        raise _missing(path, "the quantized candidate", "run the quantize stage first "
                       "(phase25 run --stages quantize+)")
    ident = identity("candidate", cfg.candidate, str(path), None, form="quantized")
    return ModelToTest(ident, str(path)), why


def baseline_target(cfg: ExperimentConfig) -> ModelToTest:
    spec = cfg.baseline
    load_path = cfg.resolve_model(spec)
    if spec.is_local() and not Path(load_path).exists():
        hint = " (run `phase25 demo build`)" if cfg.experiment.demo else " (set baseline.path in the config)"
        raise TargetError(f"the baseline model was not found at {load_path}{hint}")
    adapter = str(cfg.resolve(spec.adapter_path)) if spec.adapter_path else None
    if adapter and not Path(adapter).exists():
        raise TargetError(f"the baseline adapter was not found at {adapter} (baseline.adapter_path)")
    return ModelToTest(identity("baseline", spec, load_path, adapter), load_path, adapter)


def variant_targets(cfg: ExperimentConfig, bits: int | None = None) -> dict[str, ModelToTest]:
    """Parity's variants: 'adapter' (base + adapter), 'f16' (fused), 'q<bits>' (quantized)."""
    spec = cfg.candidate
    base = cfg.resolve_model(spec)
    adapter = cfg.resolve(cfg.outputs.adapter)
    fused = cfg.resolve(cfg.outputs.fused)
    quant = cfg.quantized_dir(bits or cfg.quantize.bits)
    checks = [
        (adapter / "adapters.safetensors", "the LoRA adapter", "run the train stage first"),
        (fused / "config.json", "the fused model", "run the fuse stage first"),
        (quant / "config.json", f"the {bits or cfg.quantize.bits}-bit model", "run the quantize stage first"),
    ]
    for path, what, how in checks:
        if not path.is_file():
            raise _missing(path.parent, what, how)
    b = bits or cfg.quantize.bits
    return {
        "adapter": ModelToTest(identity("adapter", spec, base, str(adapter), form="adapter"), base, str(adapter)),
        "f16": ModelToTest(identity("f16", spec, str(fused), None, form="fused"), str(fused)),
        f"q{b}": ModelToTest(identity(f"q{b}", spec, str(quant), None, form="quantized"), str(quant)),
    }


def quantized_target(cfg: ExperimentConfig, bits: int) -> ModelToTest:
    quant = cfg.quantized_dir(bits)
    if not (quant / "config.json").is_file():
        raise _missing(quant, f"the {bits}-bit model", "run the quantize stage first")
    return ModelToTest(identity(f"q{bits}", cfg.candidate, str(quant), None, form="quantized"), str(quant))
