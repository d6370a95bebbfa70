"""Rebuilding one demo model and keeping the other; the unseen-token embeddings of the candidate."""

from __future__ import annotations

import dataclasses
import json

import pytest

from core.demo import MODEL_NAMES, CorpusError, DemoRecipe, build_demo_models
from core.demo.vocab_init import unseen_merge_plan

QUICK = DemoRecipe(backend="mlx", vocab_size=400, baseline_vocab_size=400, moe_hidden_size=64, baseline_layers=2,
                   moe_intermediate_size=64, toolchat_rows=24, more_toolchat_rows=12, max_seq_length=384,
                   pretrain_iters=2, pretrain_batch_size=2, finetune_iters=2, batch_size=2)


def quiet(_: str) -> None:
    pass


@pytest.mark.slow   # two small builds: about a minute on 2 shared cores
def test_only_the_candidate_is_rebuilt_and_the_baseline_kept_with_its_record(corpus_dir, tmp_path):
    out = tmp_path / "models"
    first = build_demo_models(out, corpus_dir, recipe=QUICK, log=quiet)
    base = out / MODEL_NAMES["baseline"] / "model.safetensors"
    base_bytes = base.read_bytes()
    changed = dataclasses.replace(QUICK, pretrain_iters=3)
    second = build_demo_models(out, corpus_dir, recipe=changed, log=quiet, only="candidate")
    assert base.read_bytes() == base_bytes
    assert second["models"]["baseline"]["training"] == first["models"]["baseline"]["training"]
    assert second["models"]["baseline"]["kept_from_build"] == first["built_at"]
    assert second["models"]["candidate"]["training"]["pretrain"]["iters"] == 3
    assert json.loads((out / "BUILD.json").read_text())["recipe"]["pretrain_iters"] == 3
    # the baseline's own recipe changed: keeping it would misstate how it was built
    with pytest.raises(CorpusError, match="finetune_iters"):
        build_demo_models(out, corpus_dir, recipe=dataclasses.replace(changed, finetune_iters=5), log=quiet,
                          only="candidate")


def test_unseen_merged_tokens_are_planned_from_their_parts_in_merge_order(tmp_path):
    vocab = {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5}
    doc = {"model": {"type": "BPE", "vocab": vocab, "merges": [["a", "b"], ["ab", "c"], ["b", "c"]]}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(doc))
    plan = unseen_merge_plan(tmp_path / "tokenizer.json", seen={0, 1, 2, 5})
    assert plan == [(3, 0, 1), (4, 3, 2)]              # "abc" is built from the re-made "ab"


def test_unseen_embeddings_take_the_mean_direction_of_their_parts_at_the_seen_norm():
    torch = pytest.importorskip("torch")
    from core.demo.vocab_init import init_unseen

    emb = torch.tensor([[2.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
    assert init_unseen(emb, [(2, 0, 1)], seen={0, 1}) == 1
    assert torch.allclose(emb[2], torch.tensor([2 ** 0.5, 2 ** 0.5]))
