"""The committed demo models match what their BUILD.json records: sizes, files, hashes, recipe, curves."""

from __future__ import annotations

import hashlib
import json

import pytest

from core.demo import DEFAULT_CORPUS_DIR, DEMO_MODELS_DIR, MODEL_NAMES
from core.demo.build import inputs_digest
from core.demo.recipe import DemoRecipe

RECORD = DEMO_MODELS_DIR / "BUILD.json"
pytestmark = pytest.mark.skipif(not RECORD.is_file(), reason="no committed demo models")


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads(RECORD.read_text())


def test_files_sizes_and_weight_hashes_are_the_recorded_ones(record):
    for role, name in MODEL_NAMES.items():
        info, folder = record["models"][role], DEMO_MODELS_DIR / name
        assert info["name"] == name
        assert {p.name: p.stat().st_size for p in folder.iterdir()} == info["files"]
        assert sum(info["files"].values()) == info["bytes"] < 8 * 1024 * 1024   # small enough to commit
        assert hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest() == info["weights_sha256"]
        assert json.loads((folder / "config.json").read_text()) == info["config"]


def test_the_recorded_recipe_and_corpus_are_the_current_ones(record):
    recipe = DemoRecipe(**record["recipe"])
    assert recipe == DemoRecipe(seed=record["seed"])     # the default recipe is what was built
    assert record["inputs_digest"] == inputs_digest(recipe, DEFAULT_CORPUS_DIR)


def test_architectures_and_the_5_bit_baseline(record):
    cand, base = record["models"]["candidate"], record["models"]["baseline"]
    assert cand["model_type"] == "qwen2" and base["model_type"] == "qwen3_moe"
    assert base["config"]["quantization"]["bits"] == base["bits"] == 5
    assert base["parameters"] > 4 * cand["parameters"]    # the baseline only runs inference: larger
    assert base["config"]["hidden_size"] % base["config"]["quantization"]["group_size"] == 0


def test_the_curves_are_recorded_and_the_losses_fell(record):
    for role in MODEL_NAMES:
        for phase, t in record["models"][role]["training"].items():
            curve = t["curve"]
            assert curve[0]["iteration"] == 0 and curve[-1]["iteration"] == t["iters"], (role, phase)
            assert [c["iteration"] for c in curve] == sorted(c["iteration"] for c in curve)
            assert curve[-1]["val_loss"] == t["val_loss_after"] < t["val_loss_before"] == curve[0]["val_loss"]
            assert t["seconds"] > 0 and t["tokens"] == curve[-1]["tokens"] > 0
    assert record["build_seconds"] >= max(t["seconds"] for m in record["models"].values()
                                          for t in m["training"].values())


def test_no_build_row_overlapped_the_suite(record):
    assert record["leakage"]["leaks"] == 0 and record["leakage"]["suite_prompts"] >= 20
    assert "data/suite/suite.json" in record["leakage"]["suites"]


def test_the_baseline_was_fine_tuned_on_the_generated_rows_and_the_candidate_vocabulary_completed(record):
    from core.demo.codemode_gen import FINETUNE_DIR

    manifest = json.loads((FINETUNE_DIR / "MANIFEST.json").read_text())
    assert record["corpus"]["finetune_generated_rows"] == manifest["rows"] > 0
    finetune = record["models"]["baseline"]["training"]["finetune"]
    assert finetune["rows"] > record["corpus"]["train_rows"] + manifest["rows"]   # one row per assistant turn
    pretrain = record["models"]["candidate"]["training"]["pretrain"]
    assert pretrain["unseen_tokens_initialised"] > 0


def test_no_model_was_trained_on_a_row_that_answers_a_suite_query(record):
    """The training rows that state every fact of a suite query are held out of the baseline's
    fine-tune, as the pipeline's LoRA holds them out: the record says how many, and the fine-tune's
    row count is what is left."""
    from core.demo.corpus import load_corpus

    corpus = load_corpus(DEFAULT_CORPUS_DIR)
    held = corpus.suite_fact_rows()
    assert held and record["corpus"]["train_rows_held_out_suite_facts"] == len(held)
    assert record["models"]["baseline"]["training"]["finetune"]["rows"] == len(corpus.finetune_rows("train"))
    trained = {json.dumps(r["messages"], sort_keys=True) for r in corpus.finetune_rows("train")}
    assert not any(json.dumps(corpus.train[i]["messages"], sort_keys=True) in trained for i in held)
