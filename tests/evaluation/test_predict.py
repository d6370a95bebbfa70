"""Predicted figures from the real models' published configs, without their weights."""

from __future__ import annotations

import pytest

from core.evaluation.predict import PredictError, count_params, predict, read_config, real_config_path

QWEN7B = "Qwen/Qwen2.5-Coder-7B-Instruct"
QWEN30B = "Qwen/Qwen3-30B-A3B"


def cfg(hf_id: str) -> dict:
    path = real_config_path(hf_id)
    assert path is not None, f"no committed config.json for {hf_id}"
    return read_config(path)


def test_the_7b_has_7_61b_parameters_6_53b_without_embeddings():
    pc = count_params(cfg(QWEN7B))
    assert pc.total == pytest.approx(7.61e9, rel=0.01)
    assert pc.total - pc.embedding - pc.lm_head == pytest.approx(6.53e9, rel=0.01)
    assert pc.active == pc.total and not pc.sparse


def test_the_30b_a3b_has_30_5b_in_total_and_3_3b_active():
    pc = count_params(cfg(QWEN30B))
    assert pc.sparse
    assert pc.total == pytest.approx(30.5e9, rel=0.01)
    # The card's "3.3B activated" is rounded down: embeddings, lm_head and 8 of 128 experts give 3.35B.
    assert pc.active == pytest.approx(3.3e9, rel=0.02)
    assert pc.active < pc.total / 9


def test_5bit_weights_carry_group_scales_and_the_moe_reads_less_per_token():
    seven = predict(cfg(QWEN7B), 5, 64, 400.0)
    thirty = predict(cfg(QWEN30B), 5, 64, 400.0)
    # 5 bits + 32/64 bits of scale and bias per weight = 5.5 bits
    assert seven.weight_bytes == pytest.approx(7.61e9 * 5.5 / 8, rel=0.01)
    # the dense 7B reads about twice the bytes per token that the 30B-A3B does
    assert seven.bytes_per_token / thirty.bytes_per_token == pytest.approx(2.3, abs=0.3)
    assert thirty.decode_tps_ceiling > seven.decode_tps_ceiling
    assert seven.decode_tps_ceiling == pytest.approx(400e9 / seven.bytes_per_token)
    # but the 7B's weights take about a quarter of the 30B's memory
    assert seven.weight_bytes / thirty.weight_bytes == pytest.approx(0.25, abs=0.03)


def test_16_bit_weights_take_two_bytes_a_parameter():
    p = predict(cfg(QWEN7B), None, None, 400.0)
    assert p.weight_bytes == pytest.approx(2 * 7.6156e9, rel=0.001)


def test_a_config_missing_a_field_names_it(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "qwen2", "hidden_size": 8}')
    with pytest.raises(PredictError, match="num_hidden_layers"):
        count_params(read_config(tmp_path), source=str(tmp_path / "config.json"))
    (tmp_path / "bad.json").write_text('{"a": 1,\n  oops}')
    with pytest.raises(PredictError, match=r"bad.json:2: not valid JSON"):
        read_config(tmp_path / "bad.json")
