"""Building the demo models: end to end with very few iterations, deterministic, atomic, clear errors."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import core.demo.build as demo
from core.cli import main as cli_main
from core.demo import MODEL_NAMES, CorpusError, DemoRecipe, build_demo_models, demo_status

# The mlx backend needs no build extra; tiny sizes keep the test build to seconds.
SMALL = dict(backend="mlx", vocab_size=400, baseline_vocab_size=400, moe_hidden_size=64, baseline_layers=2,
             moe_intermediate_size=64, toolchat_rows=24, more_toolchat_rows=12, max_seq_length=384,
             val_batches=1)
QUICK = DemoRecipe(pretrain_iters=3, pretrain_batch_size=3, baseline_pretrain_iters=3, finetune_iters=2, batch_size=2,
                   **SMALL)


def quiet(_: str) -> None:
    pass


def build(out: Path, corpus: Path, seed: int = 0, force: bool = False) -> dict:
    return build_demo_models(out, corpus, seed=seed, force=force, recipe=QUICK, log=quiet)


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_corpus):
    root = tmp_path_factory.mktemp("demo-build")
    corpus = make_corpus(root / "compact")
    record = build(root / "models", corpus)
    return root / "models", corpus, record


def test_build_writes_two_mlx_lm_model_folders_and_a_record(built):
    out, corpus, record = built
    assert record["action"] == "built"
    assert sorted(p.name for p in out.iterdir()) == ["BUILD.json", *sorted(MODEL_NAMES.values())]
    on_disk = json.loads((out / "BUILD.json").read_text())
    assert "say nothing about the real" in on_disk["note"]
    assert on_disk["command"] == "phase25 demo build --force"
    assert on_disk["seed"] == 0 and on_disk["recipe"]["pretrain_iters"] == 3
    assert len(on_disk["corpus"]["sha256"]) == 64 and on_disk["corpus"]["train_code_mode_rows"] == 6
    for role, name in MODEL_NAMES.items():
        folder = out / name
        info = on_disk["models"][role]
        for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"):
            assert (folder / f).is_file(), f
        assert info["bytes"] == sum(p.stat().st_size for p in folder.iterdir())
        assert "stand-in" in (folder / "README.md").read_text()
    assert on_disk["models"]["candidate"]["model_type"] == "qwen2"
    assert on_disk["models"]["baseline"]["model_type"] == "qwen3_moe"
    assert "finetune" in on_disk["models"]["baseline"]["training"]
    assert "finetune" not in on_disk["models"]["candidate"]["training"]
    # the candidate's pretraining has its own batch size; the baseline keeps the shared one
    assert on_disk["models"]["candidate"]["training"]["pretrain"]["batch_size"] == 3
    assert on_disk["models"]["baseline"]["training"]["pretrain"]["batch_size"] == 2
    assert on_disk["models"]["baseline"]["training"]["finetune"]["batch_size"] == 2


def test_built_models_load_with_mlx_lm_and_count_their_parameters(built):
    from mlx.utils import tree_flatten
    from mlx_lm import load

    out, _, record = built
    for role, name in MODEL_NAMES.items():
        model, tok = load(str(out / name))
        assert tok.has_chat_template
        if role == "candidate":
            assert sum(v.size for _, v in tree_flatten(model.parameters())) == record["models"][role]["parameters"]
    # the baseline is stored at 5 bits, as the Phase 24 model it stands in for
    config = json.loads((out / MODEL_NAMES["baseline"] / "config.json").read_text())
    assert config["quantization"]["bits"] == 5 and record["models"]["baseline"]["bits"] == 5


def test_same_seed_gives_identical_weights_and_another_seed_does_not(built, tmp_path):
    out, corpus, record = built
    again = build(tmp_path / "again", corpus, seed=0)
    for role, name in MODEL_NAMES.items():
        assert (tmp_path / "again" / name / "model.safetensors").read_bytes() == \
            (out / name / "model.safetensors").read_bytes()
        assert again["models"][role]["weights_sha256"] == record["models"][role]["weights_sha256"]
    other = build(tmp_path / "other", corpus, seed=1)
    assert other["models"]["candidate"]["weights_sha256"] != record["models"]["candidate"]["weights_sha256"]


def test_up_to_date_models_are_kept_unless_forced(built, tmp_path):
    out, corpus, _ = built
    assert demo_status(out, corpus, QUICK) == "current"
    before = (out / "BUILD.json").stat().st_mtime_ns
    assert build(out, corpus)["action"] == "kept"
    assert (out / "BUILD.json").stat().st_mtime_ns == before
    assert demo_status(out, corpus, DemoRecipe()) == "stale"   # another recipe
    assert demo_status(tmp_path / "nothing", corpus, QUICK) == "missing"


def test_changed_corpus_makes_the_models_stale_and_rebuilds(built, tmp_path):
    import shutil

    out, corpus_dir = tmp_path / "models", tmp_path / "compact"
    shutil.copytree(built[0], out)   # models that are current for a copy of their corpus
    shutil.copytree(built[1], corpus_dir)
    assert demo_status(out, corpus_dir, QUICK) == "current"
    with (corpus_dir / "train.jsonl").open("a") as fh:
        fh.write(json.dumps({"messages": [{"role": "user", "content": "Hi"},
                                          {"role": "assistant", "content": "Hello."}]}) + "\n")
    assert demo_status(out, corpus_dir, QUICK) == "stale"
    assert build(out, corpus_dir)["action"] == "built"
    assert demo_status(out, corpus_dir, QUICK) == "current"


def test_a_failed_build_leaves_the_previous_models_untouched(built, tmp_path, monkeypatch):
    out, corpus, _ = built
    target = tmp_path / "models"
    build(target, corpus)
    snapshot = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    real = demo._build_one

    def failing(role, *args, **kwargs):
        if role == "baseline":
            raise RuntimeError("simulated crash while training the baseline")
        return real(role, *args, **kwargs)

    monkeypatch.setattr(demo, "_build_one", failing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build(target, corpus, force=True)
    assert {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()} == snapshot
    assert [p.name for p in tmp_path.iterdir()] == ["models"]   # no half-built folder left behind


def test_missing_corpus_says_how_to_make_it(tmp_path):
    with pytest.raises(CorpusError, match=r"train\.jsonl: no such file.*phase25 data build"):
        build(tmp_path / "models", tmp_path / "nowhere")
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("line, message", [
    ("{not json", r"train\.jsonl:11: not valid JSON"),
    ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": 5}]}',
     r"train\.jsonl:11: messages\[1\]\.content: content must be a string; got number 5"),
    ('{"text": "plain"}', r"train\.jsonl:11: messages: missing"),
])
def test_bad_rows_are_reported_with_file_line_and_field(corpus_dir, tmp_path, line, message):
    with (corpus_dir / "train.jsonl").open("a") as fh:
        fh.write(line + "\n")
    with pytest.raises(CorpusError, match=message):
        build(tmp_path / "models", corpus_dir)


def test_corpus_without_code_mode_rows_is_refused(corpus_dir, tmp_path):
    rows = [r for r in (corpus_dir / "train.jsonl").read_text().splitlines() if "tool_calls" not in r]
    (corpus_dir / "train.jsonl").write_text("\n".join(rows) + "\n")
    with pytest.raises(CorpusError, match="no Code Mode rows"):
        build(tmp_path / "models", corpus_dir)


def test_cli_builds_then_reports_up_to_date(corpus_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo, "DemoRecipe", functools.partial(DemoRecipe, pretrain_iters=2, finetune_iters=2,
                                                              baseline_pretrain_iters=2, batch_size=2, **SMALL))
    args = ["demo", "build", "--out", str(tmp_path / "models"), "--corpus", str(corpus_dir)]
    assert cli_main(args) == 0
    first = capsys.readouterr().out
    assert "say nothing about the real" in " ".join(first.split())
    assert "wrote" in first and "tiny-qwen2.5-coder" in first
    assert cli_main(args) == 0
    second = " ".join(capsys.readouterr().out.split())
    assert "up to date" in second and "nothing to do" in second
    assert cli_main(["demo", "status", "--out", str(tmp_path / "models"), "--corpus", str(corpus_dir)]) == 0


def test_cli_reports_a_missing_corpus_without_a_traceback(tmp_path, capsys):
    rc = cli_main(["demo", "build", "--out", str(tmp_path / "m"), "--corpus", str(tmp_path / "none")])
    out = " ".join(capsys.readouterr().out.split())
    assert rc == 2
    assert "train.jsonl: no such file" in out and "Traceback" not in out


def _config(tmp_path: Path, corpus: Path, demo_flag: bool = True, baseline: str = "tiny-qwen3-moe-phase24"):
    from core.config import load_config

    text = f"""
[experiment]
demo = {str(demo_flag).lower()}
[candidate]
name = "c"
path = "models/tiny-qwen2.5-coder"
family = "qwen2.5"
[baseline]
name = "b"
path = "models/{baseline}"
family = "qwen3"
[data]
train = "{corpus.as_posix()}"
"""
    (tmp_path / "exp.toml").write_text(text)
    return load_config(tmp_path / "exp.toml")


def test_ensure_builds_missing_demo_models_once(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DemoRecipe", functools.partial(DemoRecipe, pretrain_iters=2, finetune_iters=2,
                                                              baseline_pretrain_iters=2, batch_size=2, **SMALL))
    cfg = _config(tmp_path, corpus_dir)
    paths = demo.ensure_demo_models(cfg, log=quiet)
    assert paths == {"candidate": tmp_path / "models" / "tiny-qwen2.5-coder",
                     "baseline": tmp_path / "models" / "tiny-qwen3-moe-phase24"}
    stamp = (paths["baseline"] / "model.safetensors").stat().st_mtime_ns
    assert demo.ensure_demo_models(cfg, log=quiet) == paths
    assert (paths["baseline"] / "model.safetensors").stat().st_mtime_ns == stamp


def test_ensure_never_builds_for_a_real_config(corpus_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="tiny-qwen2.5-coder"):
        demo.ensure_demo_models(_config(tmp_path, corpus_dir, demo_flag=False), log=quiet)
    assert not (tmp_path / "models").exists()


def test_ensure_refuses_unexpected_model_names(corpus_dir, tmp_path):
    with pytest.raises(ValueError, match="baseline.path must be 'tiny-qwen3-moe-phase24'"):
        demo.ensure_demo_models(_config(tmp_path, corpus_dir, baseline="other"), log=quiet)


def test_baseline_fine_tune_trains_the_call_after_the_prompt_generation_uses(corpus_dir):
    """The Qwen3 template puts the empty <think> block only before a LAST assistant turn, and the test
    stage prompts with thinking off (that block at the end). The fine-tune rows end with the call, so
    each call is trained right after exactly the prompt the stage gives the baseline."""
    from core.codemode.prompt import render_chat
    from core.demo.corpus import load_corpus

    corpus = load_corpus(corpus_dir)
    for r in corpus.train:  # full Code Mode rows: call -> tool result -> answer
        if r["messages"][-1].get("tool_calls"):
            r["messages"] += [{"role": "tool", "content": '{"ok": true, "stdout": "0"}'},
                              {"role": "assistant", "content": "No type errors."}]
    rows = corpus.finetune_rows("train")
    call_rows = [r for r in rows if r["messages"][-1].get("tool_calls")]
    assert len(call_rows) == sum(1 for r in corpus.train if any(m.get("tool_calls") for m in r["messages"]))
    for row in call_rows:
        prompt = render_chat(row["messages"][:-1], row.get("tools"), "qwen3", add_generation_prompt=True)
        assert prompt.endswith("<think>\n\n</think>\n\n")
        assert render_chat(row["messages"], row.get("tools"), "qwen3").startswith(prompt + "<tool_call>\n")
