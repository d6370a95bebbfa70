"""The experiment config: pydantic models, TOML loading, command-line overrides and clear errors.

Keys that overlap with mlx-lm's LoRA YAML (``fine_tune_type``, ``num_layers``, ``batch_size``,
``iters``, ``learning_rate``, ``lora_parameters``, ``steps_per_report`` ...) use the same names.

Relative paths in a config file are resolved against the directory that holds the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from core.config_sections import (  # re-exported: the sections are part of this module's API
    JUDGE_TEMPLATE,
    DataSection,
    EvaluationSection,
    ExperimentSection,
    Family,
    JudgeSection,
    LoraParameters,
    LrSchedule,
    ModelSpec,
    OutputsSection,
    QuantizeSection,
    TrainSection,
    VerdictSection,
    _Strict,
)
from core.textfile import UserFileError, read_text

__all__ = [
    "DataSection",
    "EvaluationSection",
    "ExperimentSection",
    "Family",
    "JUDGE_TEMPLATE",
    "JudgeSection",
    "LoraParameters",
    "LrSchedule",
    "ModelSpec",
    "OutputsSection",
    "QuantizeSection",
    "TrainSection",
    "VerdictSection",
    "ConfigError",
    "ExperimentConfig",
    "apply_overrides",
    "dump_config",
    "format_validation_error",
    "load_config",
    "parse_override",
]

class ExperimentConfig(_Strict):
    experiment: ExperimentSection = Field(default_factory=ExperimentSection)
    candidate: ModelSpec
    baseline: ModelSpec
    data: DataSection = Field(default_factory=DataSection)
    train: TrainSection = Field(default_factory=TrainSection)
    quantize: QuantizeSection = Field(default_factory=QuantizeSection)
    evaluation: EvaluationSection = Field(default_factory=EvaluationSection)
    verdict: VerdictSection = Field(default_factory=VerdictSection)
    outputs: OutputsSection = Field(default_factory=OutputsSection)

    # Where the config came from; paths resolve against base_dir. Not part of the file.
    source: Path | None = Field(None, exclude=True)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    def resolve(self, p: str | Path) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        path = Path(p).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def resolve_model(self, spec: ModelSpec) -> str:
        """A model's path if it is local, else its hub id unchanged."""
        local = self.resolve(spec.path)
        return str(local) if local.exists() or spec.path.startswith((".", "/", "~")) else spec.path

    def quantized_dir(self, bits: int | None = None) -> Path:
        return self.resolve(self.outputs.quantized.format(bits=bits or self.quantize.bits))

    @property
    def runs_dir(self) -> Path:
        return self.resolve(self.outputs.runs_dir)

    def to_toml_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ConfigError(Exception):
    """A config could not be loaded. ``problems`` holds one line per problem."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(problems))

    def render(self) -> str:
        n = len(self.problems)
        head = f"{self.path}: {n} problem{'s' if n != 1 else ''} in the config"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


def _key_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a dotted key inside a TOML document: the line of the key itself,
    else of the deepest table header or key that encloses it (an inline table, ``a = { b = 1 }``)."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    table: list[str] = []
    best: tuple[int, int] | None = None  # (depth, line)
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        m = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", line)
        if m:
            table = [t.strip().strip('"') for t in m.group(1).split(".")]
            path = table
        else:
            m = re.match(r"^([A-Za-z0-9_\-\.\"]+)\s*=", line)
            if not m:
                continue
            path = table + [k.strip().strip('"') for k in m.group(1).split(".")]
        if path == keys and not line.startswith("["):
            return i
        if keys[: len(path)] == path and (best is None or len(path) > best[0]):
            best = (len(path), i)
    return best[1] if best else None


def _describe(err: Mapping[str, Any]) -> str:
    msg = err["msg"]
    typ = err["type"]
    if typ == "extra_forbidden":
        return "unknown key (check the spelling)"
    if typ == "missing":
        return "required key is missing"
    if typ == "literal_error":
        return f"{msg}; got {err.get('input')!r}"
    if typ.endswith("_type") or typ.endswith("_parsing"):
        return f"{msg}; got {err.get('input')!r} ({type(err.get('input')).__name__})"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if "input" in err and typ not in ("model_type",) and not isinstance(err["input"], dict):
        return f"{msg}; got {err['input']!r}"
    return msg


def format_validation_error(
    path: Path, text: str, exc: ValidationError, overridden: set[str] | None = None
) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        dotted = ".".join(str(k) for k in loc) or "(top level)"
        line = _key_line(text, loc)
        below = sorted(k for k in (overridden or set()) if k.startswith(dotted + "."))
        if dotted in (overridden or set()):
            where = f"command line (--set {dotted})"
        else:
            where = f"{path}:{line}" if line else f"{path}"
            if below:
                where += f" with --set {', '.join(below)}"
        problems.append(f"{where}: {dotted}: {_describe(err)}")
    return problems


def parse_override(item: str) -> tuple[list[str], Any]:
    """``train.iters=50`` -> (['train', 'iters'], 50). Values are parsed as TOML, else kept as strings."""
    if "=" not in item:
        raise ValueError(f"override {item!r} must look like section.key=value")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"override {item!r} has an empty key")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    for item in overrides:
        keys, value = parse_override(item)
        node = data
        for k in keys[:-1]:
            nxt = node.setdefault(k, {})
            if not isinstance(nxt, dict):
                raise ValueError(f"override {item!r}: {k} is not a table")
            node = nxt
        node[keys[-1]] = value
    return data


def load_config(path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Load and validate a TOML config. Raises ConfigError listing every problem found."""
    path = Path(path).expanduser()
    try:
        text = read_text(path, "config file")
    except UserFileError as exc:
        raise ConfigError(path, [str(exc)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        raise ConfigError(path, [f"{where}: invalid TOML: {exc}"]) from None
    try:
        data = apply_overrides(data, overrides or [])
    except ValueError as exc:
        raise ConfigError(path, [f"command line: {exc}"]) from None
    try:
        cfg = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        overridden = {".".join(parse_override(o)[0]) for o in overrides or []}
        raise ConfigError(path, format_validation_error(path, text, exc, overridden)) from None
    cfg.source = path.resolve()
    cfg.base_dir = path.resolve().parent
    return cfg


def dump_config(cfg: ExperimentConfig) -> str:
    """The resolved config as TOML text (for the run snapshot)."""
    return _to_toml(cfg.to_toml_dict())


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _to_toml(data: dict[str, Any], prefix: str = "") -> str:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, dict)]
    out = [f"{k} = {_toml_value(v)}" for k, v in scalars]
    for k, v in tables:
        name = f"{prefix}{k}"
        body = _to_toml(v, name + ".")
        out.append(f"\n[{name}]\n{body}".rstrip())
    return "\n".join(out).strip() + "\n"
