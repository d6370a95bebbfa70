"""Where the seed's speed and memory claims stand for the published configs, like for like."""

from __future__ import annotations

import json

import pytest

from core.evaluation.predict import baseline_bits, like_for_like, real_config_path

SEVEN = real_config_path("Qwen/Qwen2.5-Coder-7B-Instruct")
THIRTY = real_config_path("Qwen/Qwen3-30B-A3B")


def physics(cand_bits, base_bits):
    assert SEVEN is not None and THIRTY is not None
    return like_for_like(SEVEN, THIRTY, cand_bits, base_bits, "test", 64, 400.0, [4.0, 5.0], 0.75)


def test_at_5_bits_the_7b_decodes_at_0_43x_and_saves_75_percent_of_the_memory():
    p = physics(5, 5)
    assert len(p.rows) == 1
    row = p.equal_bits()
    assert row.label == "equal bits (5-bit)"
    assert row.candidate_weight_bytes / 1e9 == pytest.approx(5.24, abs=0.01)
    assert row.baseline_weight_bytes / 1e9 == pytest.approx(20.99, abs=0.01)
    assert row.candidate_bytes_per_token / 1e9 == pytest.approx(4.86, abs=0.01)
    assert row.baseline_bytes_per_token / 1e9 == pytest.approx(2.09, abs=0.01)
    assert row.speed_ratio == pytest.approx(0.43, abs=0.005)
    assert row.memory_saving == pytest.approx(0.75, abs=0.005)
    assert not p.speed_claim_holds and p.memory_claim_holds
    assert '"4-5x faster" does not hold' in p.statements[0] and "0.43x" in p.statements[0]
    assert '"75% less memory" does hold' in p.statements[1]


@pytest.mark.parametrize("bits", [8, None])
def test_the_ratio_does_not_depend_on_the_bits_when_both_match(bits):
    row = physics(bits, bits).equal_bits()
    assert row.speed_ratio == pytest.approx(0.43, abs=0.005)
    assert row.memory_saving == pytest.approx(0.75, abs=0.005)


def test_a_5_bit_7b_against_a_16_bit_30b_is_shown_and_called_not_like_for_like():
    p = physics(5, None)
    assert p.rows[0].label == "as tested" and p.rows[0].speed_ratio == pytest.approx(1.25, abs=0.01)
    assert any("not like for like" in s for s in p.statements)
    assert [r.label for r in p.rows] == ["as tested", "equal bits (5-bit)", "equal bits (16-bit)"]
    # the claims are judged on equal bits, never on the mismatched pair
    assert not p.speed_claim_holds


def test_the_baseline_bits_come_from_its_own_config_else_the_seeds(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"quantization": {"bits": 8, "group_size": 64}}))
    bits, where = baseline_bits(str(tmp_path), 5)
    assert bits == 8 and "tested baseline's config.json" in where
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen3_moe"}))
    assert baseline_bits(str(tmp_path), 5)[0] is None          # a 16-bit baseline stays 16-bit
    bits, where = baseline_bits(str(tmp_path / "absent"), 5)
    assert bits == 5 and "the seed's 5 bits" in where
