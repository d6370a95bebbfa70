"""Config loading: good configs load, bad ones get one clear message per problem (file, line, key)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import ConfigError, load_config
from core.paths import DEMO_CONFIG, REAL_CONFIG

GOOD = """
[candidate]
name = "c"
path = "models/c"
family = "qwen2.5"

[baseline]
name = "b"
path = "models/b"
family = "qwen3"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "exp.toml"
    p.write_text(text)
    return p


def problems(tmp_path: Path, text: str, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), overrides)
    return info.value.problems


def test_shipped_configs_load_with_the_seed_values():
    real = load_config(REAL_CONFIG)
    assert real.candidate.hf_id == "Qwen/Qwen2.5-Coder-7B-Instruct"
    assert real.baseline.hf_id == "Qwen/Qwen3-30B-A3B"
    assert (real.train.iters, real.train.batch_size, real.train.num_layers) == (600, 2, 16)
    assert real.train.learning_rate == 1e-4
    assert (real.quantize.bits, real.quantize.fallback_bits) == (5, 8)
    assert (real.verdict.primary, real.verdict.split) == (0.90, 0.70)
    assert real.outputs.adapter == "adapters_phase25_7b"
    assert real.quantized_dir().name == "fused_model_qwen25_phase25_7b_5bit"
    assert real.resolve(real.outputs.results) == REAL_CONFIG.parent / "logs" / "phase25_results.json"
    demo = load_config(DEMO_CONFIG)
    assert demo.experiment.demo and not real.experiment.demo


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.resolve(cfg.data.train) == tmp_path / "data" / "phase24_merged"
    assert cfg.runs_dir == tmp_path / "logs" / "runs"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 1. a typo'd key is an error, not silently ignored
        (GOOD + "\n[train]\niters = 10\nlearnin_rate = 0.1\n", ["exp.toml:14: train.learnin_rate: unknown key"]),
        # 2. wrong type
        (GOOD + "\n[train]\niters = \"many\"\n", ["exp.toml:13: train.iters: Input should be a valid integer"]),
        # 3. out of range
        (GOOD + "\n[train]\nbatch_size = 0\n", ["exp.toml:13: train.batch_size: Input should be greater than or equal to 1"]),
        # 4. a missing required section
        ("[candidate]\nname='c'\npath='p'\nfamily='qwen2.5'\n", ["exp.toml: baseline: required key is missing"]),
        # 5. an unknown family
        (GOOD.replace('"qwen3"', '"llama"'), ["exp.toml:10: baseline.family: Input should be 'qwen2.5' or 'qwen3'"]),
        # 6. verdict thresholds out of order
        (GOOD + "\n[verdict]\nprimary = 0.6\nsplit = 0.7\n", ["exp.toml:12: verdict: split (0.7) must be below primary (0.6)"]),
        # 7. fallback bits not wider than bits
        (GOOD + "\n[quantize]\nbits = 8\nfallback_bits = 8\n", ["exp.toml:12: quantize: fallback_bits (8) must be more than bits (8)"]),
        # 8. quantized output name without {bits}
        (GOOD + "\n[outputs]\nquantized = \"q\"\n", ["exp.toml:13: outputs.quantized: must contain '{bits}'"]),
        # 9. unsupported quantization bits
        (GOOD + "\n[quantize]\nbits = 7\n", ["exp.toml:13: quantize.bits: Input should be 2, 3, 4, 5, 6 or 8"]),
        # 10. fine-tune type
        (GOOD + "\n[train]\nfine_tune_type = \"qlora\"\n", ["exp.toml:13: train.fine_tune_type: Input should be 'lora', 'dora' or 'full'"]),
        # 11. empty model path
        (GOOD.replace('path = "models/c"', 'path = "  "'), ["exp.toml:4: candidate.path: must not be empty"]),
        # 12. a bad value inside an inline table names the line of that table, not its section
        (GOOD + "\n[train]\niters = 10\nlr_schedule = { name = \"cosine_decay\", arguments = \"x\" }\n",
         ["exp.toml:14: train.lr_schedule.arguments: Input should be a valid list"]),
    ],
)
def test_bad_configs_get_one_clear_message_per_problem(tmp_path, text, expected):
    got = problems(tmp_path, text)
    assert len(got) == len(expected), got
    for line, want in zip(got, expected, strict=True):
        assert want in line, f"{line!r} does not contain {want!r}"


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    got = problems(tmp_path, GOOD + "\n[train]\niters = -1\nbatch_size = 'x'\nnope = 1\n")
    assert len(got) == 3
    assert {g.split(": ")[1] for g in got} == {"train.iters", "train.batch_size", "train.nope"}


def test_invalid_toml_names_the_line(tmp_path):
    got = problems(tmp_path, GOOD + "\n[train\niters = 1\n")
    assert len(got) == 1 and got[0].startswith(f"{tmp_path / 'exp.toml'}:12: invalid TOML")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_overrides_apply_on_top_and_bad_ones_name_the_command_line(tmp_path):
    cfg = load_config(write(tmp_path, GOOD), ["train.iters=50", "evaluation.compact_prompt=true"])
    assert cfg.train.iters == 50 and cfg.evaluation.compact_prompt is True
    got = problems(tmp_path, GOOD, ["train.iters=lots"])
    assert got[0].startswith("command line (--set train.iters)")
    got = problems(tmp_path, GOOD, ["noequals"])
    assert "must look like section.key=value" in got[0]
    # a problem of a whole section made by the command line says which overrides took part
    got = problems(tmp_path, GOOD, ["train.n_ranks=2", 'train.hosts=["a", "b"]'])
    assert got == [f"{tmp_path / 'exp.toml'} with --set train.hosts, train.n_ranks: train: set either hosts or n_ranks, not both"]


def test_cli_prints_problems_without_a_traceback(tmp_path):
    p = write(tmp_path, GOOD + "\n[train]\niters = \"many\"\n")
    out = subprocess.run(
        [sys.executable, "-m", "core.cli", "config", "--config", str(p)], capture_output=True, text=True
    )
    assert out.returncode == 2
    text = out.stdout + out.stderr
    assert "train.iters" in text and "Traceback" not in text
