"""Physics-based predictions from a model's ``config.json``, without its weights.

Parameter counts come from the architecture (dense ``qwen2``/``qwen3``/``llama``-style blocks and
sparse ``qwen3_moe``/``qwen2_moe`` blocks, where only ``num_experts_per_tok`` experts run per
token). Weight bytes follow mlx-lm's affine quantization: every quantizable matrix stores ``bits``
per weight plus one scale and one bias (16 bits each) per group of ``group_size``; norms and
biases stay at 16 bits. Decoding reads every active weight once per token, so the decode ceiling
is ``bandwidth / bytes read per token`` (the embedding table is looked up, not read whole).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.paths import DATA_DIR

MODEL_CONFIGS_DIR = DATA_DIR / "model_configs"
"""The real models' published config.json files, one folder per Hugging Face model name."""


class PredictError(ValueError):
    """A config.json lacks a field the estimate needs; the message names the file and the field."""


@dataclass(frozen=True)
class ParamCount:
    total: int
    active: int
    embedding: int
    """Input embedding table (vocab x hidden)."""
    lm_head: int
    """Output projection; 0 when tied to the embedding."""
    matrices: int
    """Parameters in quantizable matrices (linear layers, embeddings, experts)."""
    matrices_active: int
    vectors: int
    """Norm weights and biases (never quantized)."""
    sparse: bool


@dataclass(frozen=True)
class Prediction:
    model_type: str
    total_params: int
    active_params: int
    bits: int | None
    """None for 16-bit weights."""
    group_size: int | None
    weight_bytes: int
    bytes_per_token: int
    bandwidth_gb_s: float
    decode_tps_ceiling: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _req(cfg: dict[str, Any], key: str, source: str) -> Any:
    if key not in cfg or cfg[key] is None:
        raise PredictError(f"{source}: field {key!r} is missing (needed for the parameter count)")
    return cfg[key]


def count_params(cfg: dict[str, Any], source: str = "config.json") -> ParamCount:
    """Parameter counts of a decoder-only transformer described by a HF ``config.json`` dict."""
    if "text_config" in cfg and "hidden_size" not in cfg:
        cfg = cfg["text_config"]
    mtype = str(cfg.get("model_type", ""))
    hidden = int(_req(cfg, "hidden_size", source))
    layers = int(_req(cfg, "num_hidden_layers", source))
    n_q = int(_req(cfg, "num_attention_heads", source))
    n_kv = int(cfg.get("num_key_value_heads") or n_q)
    head_dim = int(cfg.get("head_dim") or hidden // n_q)
    vocab = int(_req(cfg, "vocab_size", source))
    tied = bool(cfg.get("tie_word_embeddings", False))

    q_out, kv_out = n_q * head_dim, n_kv * head_dim
    attn_matrices = hidden * q_out + 2 * hidden * kv_out + q_out * hidden
    # qwen2 has q/k/v biases; qwen3 has none but normalises q and k per head.
    qkv_bias = mtype.startswith("qwen2") or bool(cfg.get("attention_bias", False))
    attn_vectors = (q_out + 2 * kv_out) if qkv_bias else 0
    if mtype.startswith("qwen3"):
        attn_vectors += 2 * head_dim
    norms_per_layer = 2 * hidden

    n_experts = int(cfg.get("num_experts") or cfg.get("num_local_experts") or 0)
    sparse_step = int(cfg.get("decoder_sparse_step") or 1)
    mlp_only = set(cfg.get("mlp_only_layers") or [])
    matrices = matrices_active = 0
    for i in range(layers):
        sparse_layer = n_experts > 0 and i not in mlp_only and (i + 1) % sparse_step == 0
        if sparse_layer:
            k = int(_req(cfg, "num_experts_per_tok", source))
            inter = int(cfg.get("moe_intermediate_size") or _req(cfg, "intermediate_size", source))
            expert = 3 * hidden * inter
            router = hidden * n_experts
            shared_inter = int(cfg.get("shared_expert_intermediate_size") or 0)
            shared = 3 * hidden * shared_inter + (hidden if shared_inter else 0)  # + its sigmoid gate
            matrices += attn_matrices + router + n_experts * expert + shared
            matrices_active += attn_matrices + router + k * expert + shared
        else:
            mlp = 3 * hidden * int(_req(cfg, "intermediate_size", source))
            matrices += attn_matrices + mlp
            matrices_active += attn_matrices + mlp
    vectors = layers * (attn_vectors + norms_per_layer) + hidden  # + the final norm
    embedding = vocab * hidden
    lm_head = 0 if tied else vocab * hidden
    matrices += embedding + lm_head
    matrices_active += embedding + lm_head
    return ParamCount(
        total=matrices + vectors,
        active=matrices_active + vectors,
        embedding=embedding,
        lm_head=lm_head,
        matrices=matrices,
        matrices_active=matrices_active,
        vectors=vectors,
        sparse=n_experts > 0,
    )


def bits_per_weight(bits: int | None, group_size: int | None) -> float:
    """Stored bits per quantized weight: the value plus its share of the group's scale and bias."""
    if bits is None:
        return 16.0
    return bits + 32.0 / float(group_size or 64)


def predict(
    cfg: dict[str, Any],
    bits: int | None,
    group_size: int | None,
    bandwidth_gb_s: float,
    source: str = "config.json",
) -> Prediction:
    """Weight bytes and the decode ceiling at ``bits`` (None = 16-bit weights)."""
    pc = count_params(cfg, source)
    bpw = bits_per_weight(bits, group_size)
    weight_bytes = int(pc.matrices * bpw / 8 + pc.vectors * 2)
    # Per token: every active matrix except the embedding table (one row of it is read).
    hidden = pc.embedding // max(int(cfg.get("vocab_size") or 1), 1)
    read_matrices = pc.matrices_active - pc.embedding + hidden
    if pc.lm_head == 0:  # tied: the output projection reads the whole table
        read_matrices += pc.embedding
    bytes_per_token = int(read_matrices * bpw / 8 + pc.vectors * 2)
    return Prediction(
        model_type=str(cfg.get("model_type", "?")),
        total_params=pc.total,
        active_params=pc.active,
        bits=bits,
        group_size=group_size if bits is not None else None,
        weight_bytes=weight_bytes,
        bytes_per_token=bytes_per_token,
        bandwidth_gb_s=bandwidth_gb_s,
        decode_tps_ceiling=bandwidth_gb_s * 1e9 / bytes_per_token,
    )


def read_config(path: Path) -> dict[str, Any]:
    """A config.json as a dict; a missing or broken file raises PredictError naming it."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise PredictError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise PredictError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise PredictError(f"{path}: expected a JSON object")
    return data


def real_config_path(hf_id: str | None) -> Path | None:
    """The committed config.json of a real model named by its Hugging Face id, if there is one."""
    if not hf_id:
        return None
    p = MODEL_CONFIGS_DIR / hf_id.split("/")[-1] / "config.json"
    return p if p.is_file() else None


def weights_dtype_bits(cfg: dict[str, Any]) -> tuple[int | None, int | None]:
    """(bits, group_size) of a saved model's weights from its config (None, None for 16-bit)."""
    q = cfg.get("quantization") or cfg.get("quantization_config")
    if isinstance(q, dict) and "bits" in q:
        return int(q["bits"]), int(q.get("group_size") or 64)
    return None, None


def format_params(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f}B"
    if n >= 1e6:
        return f"{n / 1e6:.2f}M"
    if n >= 1e3:
        return f"{n / 1e3:.1f}K"
    return str(n)


# -- like for like: where the seed's speed and memory claims stand ----------------------------
class PhysicsRow(BaseModel):
    label: str = Field(description="'as tested' or 'equal bits'")
    candidate_bits: int | None
    baseline_bits: int | None
    candidate_weight_bytes: int
    baseline_weight_bytes: int
    candidate_bytes_per_token: int
    baseline_bytes_per_token: int
    speed_ratio: float = Field(description="7B decode ceiling / 30B decode ceiling")
    memory_saving: float = Field(description="1 - 7B weights / 30B weights")


class Physics(BaseModel):
    """The real models' figures compared like for like, and whether the seed's claims hold."""

    candidate_source: str
    baseline_source: str
    baseline_bits: int | None
    baseline_bits_from: str = Field(description="Where the baseline's bits come from, in words")
    rows: list[PhysicsRow]
    expected_speedup: list[float]
    expected_memory_saving: float
    speed_claim_holds: bool
    memory_claim_holds: bool
    statements: list[str]

    def equal_bits(self) -> PhysicsRow:
        """The first like-for-like row (both models at the same bits)."""
        return next(r for r in self.rows if r.candidate_bits == r.baseline_bits)

    def claim_names(self) -> list[str]:
        return ['"' + "-".join(f"{x:g}" for x in self.expected_speedup) + 'x faster"',
                f'"{self.expected_memory_saving:.0%} less memory"']

    def claims(self) -> list[str]:
        """The seed's two claims, each with whether it holds under the bandwidth model, in short."""
        eq = self.equal_bits()
        speed, memory = self.claim_names()
        return [f'{speed} {"holds" if self.speed_claim_holds else "does not hold"}: the 7B should decode at '
                f"{eq.speed_ratio:.2f}x the 30B at equal bits",
                f'{memory} {"holds" if self.memory_claim_holds else "does not hold"} ({eq.memory_saving:.0%})']


def bits_label(bits: int | None) -> str:
    return f"{bits}-bit" if bits is not None else "16-bit"


def physics_row(label: str, cand: dict[str, Any], base: dict[str, Any], cand_bits: int | None,
                base_bits: int | None, group_size: int, bandwidth_gb_s: float) -> PhysicsRow:
    c = predict(cand, cand_bits, group_size, bandwidth_gb_s)
    b = predict(base, base_bits, group_size, bandwidth_gb_s)
    return PhysicsRow(label=label, candidate_bits=cand_bits, baseline_bits=base_bits,
                      candidate_weight_bytes=c.weight_bytes, baseline_weight_bytes=b.weight_bytes,
                      candidate_bytes_per_token=c.bytes_per_token, baseline_bytes_per_token=b.bytes_per_token,
                      speed_ratio=c.decode_tps_ceiling / b.decode_tps_ceiling,
                      memory_saving=1 - c.weight_bytes / b.weight_bytes)


def baseline_bits(tested_path: str | None, seed_bits: int) -> tuple[int | None, str]:
    """The tested baseline's bits from its own config.json ``quantization``; when that file can't be
    read, the seed's bits, saying so."""
    if tested_path:
        try:
            conf = read_config(Path(tested_path))
        except PredictError:
            pass
        else:
            bits, _ = weights_dtype_bits(conf)
            return bits, f"the tested baseline's config.json ({Path(tested_path) / 'config.json'})"
    return seed_bits, (f"the seed's {seed_bits} bits (the tested baseline's config.json "
                       f"{'at ' + tested_path + ' ' if tested_path else ''}could not be read)")


def like_for_like(candidate_cfg: Path, baseline_cfg: Path, candidate_bits: int | None, base_bits: int | None,
                  base_bits_from: str, group_size: int, bandwidth_gb_s: float, expected_speedup: list[float],
                  expected_memory_saving: float) -> Physics:
    """The real models at the tested bits and at equal bits, and the seed's two claims judged on the
    equal-bits row (the like-for-like one)."""
    cand, base = read_config(candidate_cfg), read_config(baseline_cfg)
    rows = [] if candidate_bits == base_bits else [
        physics_row("as tested", cand, base, candidate_bits, base_bits, group_size, bandwidth_gb_s)]
    for bits in sorted({b for b in (candidate_bits, base_bits)}, key=lambda b: b or 16):
        rows.append(physics_row(f"equal bits ({bits_label(bits)})", cand, base, bits, bits, group_size,
                                bandwidth_gb_s))
    equal = next(r for r in rows if r.candidate_bits == r.baseline_bits)
    low = min(expected_speedup) if expected_speedup else 1.0
    speed_holds = equal.speed_ratio >= low
    mem_holds = round(equal.memory_saving, 2) >= round(expected_memory_saving, 2)
    claim = "-".join(f"{x:g}" for x in expected_speedup) + "x faster"
    statements = [
        f'"{claim}" does {"" if speed_holds else "not "}hold under the bandwidth model: at equal bits '
        f"({bits_label(equal.candidate_bits)}) the dense 7B reads {equal.candidate_bytes_per_token / 1e9:.2f} GB "
        f"per token against the 30B-A3B's {equal.baseline_bytes_per_token / 1e9:.2f} GB, so it should decode at "
        f"{equal.speed_ratio:.2f}x the 30B's speed.",
        f'"{expected_memory_saving:.0%} less memory" does {"" if mem_holds else "not "}hold: '
        f"{equal.candidate_weight_bytes / 1e9:.2f} GB of weights against {equal.baseline_weight_bytes / 1e9:.2f} GB "
        f"({equal.memory_saving:.0%} less).",
        f"The baseline is predicted at {bits_label(base_bits)}, from {base_bits_from}.",
    ]
    if candidate_bits != base_bits:
        t = rows[0]
        statements.append(f"As tested ({bits_label(candidate_bits)} 7B against {bits_label(base_bits)} 30B): "
                          f"{t.speed_ratio:.2f}x the speed and {t.memory_saving:.0%} less memory; that pair is "
                          f"not like for like.")
    return Physics(candidate_source=str(candidate_cfg), baseline_source=str(baseline_cfg), baseline_bits=base_bits,
                   baseline_bits_from=base_bits_from, rows=rows, expected_speedup=list(expected_speedup),
                   expected_memory_saving=expected_memory_saving, speed_claim_holds=speed_holds,
                   memory_claim_holds=mem_holds, statements=statements)
