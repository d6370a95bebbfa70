"""A real-vocabulary rehearsal: tiny random models with the REAL Qwen2.5-Coder and Qwen3 tokenizers
(151,936 embedding rows, the real added-token ids and chat templates) through the real config.

The demo's 1,088-token vocabulary never exercises the real special tokens; these tests do:
the tool markers are single ids where they should be, the prompts the models see are the real
templates' bytes, ``<|im_end|>`` stops generation, and a well-formed reply that went through the
real tokenizer parses strictly. The slow test runs every stage of ``phase25.toml`` on the two
models with ``--set`` overrides for iterations and token limits, parity and test on 2 queries (a
tool query and a direct one), and the paths (the models, and the outputs in a temporary folder).

Where its time goes (2 shared cores): the train stage, most of it. Two iterations and two
validations each run the 151,936-row output layer over whole rows (~1,400 tokens, ~1,250 of them
the masked system prompt with its tool schemas), and tokenize every row of the real data first;
that is the floor while the loss computes logits at masked positions too.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import rehearsal_models  # noqa: E402

from core.paths import DATA_DIR  # noqa: E402

ROOT = DATA_DIR.parent
IDS = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645, "<tool_call>": 151657,
       "</tool_call>": 151658}
QWEN3_ONLY = {"<tool_response>": 151665, "</tool_response>": 151666, "<think>": 151667, "</think>": 151668}
CODE = 'r = typecheck("src")\nprint(len(r.errors))'


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rehearsal-models")
    return {"qwen2.5": rehearsal_models.build("qwen2.5", root / "candidate"),
            "qwen3": rehearsal_models.build("qwen3", root / "baseline", seed=1)}


@functools.cache
def _tokenizer(folder: Path) -> Any:
    """Each model's tokenizer, loaded once per session (a few seconds each with the real vocabulary)."""
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    return load_tokenizer(folder)


@pytest.mark.parametrize("family", ["qwen2.5", "qwen3"])
def test_the_real_vocabulary_and_added_token_ids(models: dict[str, Path], family: str) -> None:
    import mlx.core as mx

    tok = _tokenizer(models[family])
    weights: Any = mx.load(str(models[family] / "model.safetensors"))
    assert weights["model.embed_tokens.weight"].shape == (151_936, 64)
    expected = dict(IDS) | (QWEN3_ONLY if family == "qwen3" else {})
    for text, tid in expected.items():
        assert tok.encode(text, add_special_tokens=False) == [tid], text
    assert 151645 in tok.eos_token_ids
    if family == "qwen2.5":  # the seed's risk 3: no single id for the tool result marker
        assert len(tok.encode("<tool_response>", add_special_tokens=False)) > 1
    assert tok.encode("Hello world", add_special_tokens=False) == [9707, 1879]


@pytest.mark.parametrize("family", ["qwen2.5", "qwen3"])
def test_rendered_prompts_are_the_real_templates_byte_for_byte(models: dict[str, Path], family: str) -> None:
    from core.codemode.prompt import execute_code_tool_schema, render_chat, system_prompt
    from core.data.suite import load_suite

    tok = _tokenizer(models[family])
    extra = {"enable_thinking": False} if family == "qwen3" else {}
    tools = [execute_code_tool_schema()]
    suite = load_suite(DATA_DIR / "suite" / "suite.json")
    rows = [json.loads(line) for line in (DATA_DIR / "phase24_merged" / "valid.jsonl").read_text().splitlines()[:10]]
    cases = [([{"role": "system", "content": system_prompt()}, {"role": "user", "content": q.prompt}], tools, True)
             for q in suite.queries[:4]]
    cases += [(r["messages"], r.get("tools"), False) for r in rows]
    assert any(m.get("tool_calls") for msgs, _, _ in cases for m in msgs)
    for msgs, tl, gen in cases:
        ours = render_chat(msgs, tl, family, add_generation_prompt=gen)
        theirs = tok.apply_chat_template(msgs, tools=tl, add_generation_prompt=gen, tokenize=False, **extra)
        assert theirs.encode() == ours.encode()


class Scripted:
    """The real model and its KV cache, with its next token overridden to follow a script: the
    reply's token ids, then ``<|im_end|>``, then more tokens that must never be generated."""

    def __init__(self, model: Any, script: list[int], after: int):
        self._model, self._script, self._after, self._p = model, script, after, -1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def __call__(self, inputs: Any, cache: Any = None, **kw: Any) -> Any:
        import mlx.core as mx

        logits = self._model(inputs, cache=cache, **kw)
        last = int(inputs[0, -1].item())
        if inputs.shape[1] == 1 and 0 <= self._p < len(self._script) and last == self._script[self._p]:
            self._p += 1
        else:
            self._p = 0
        nxt = self._script[self._p] if self._p < len(self._script) else self._after
        hot = mx.where(mx.arange(logits.shape[-1]) == nxt, 1e4, -1e4).astype(logits.dtype)
        return mx.broadcast_to(hot, logits.shape)


@pytest.mark.parametrize("family", ["qwen2.5", "qwen3"])
def test_im_end_stops_generation_and_a_real_tokenizer_reply_parses_strictly(models: dict[str, Path],
                                                                            family: str) -> None:
    from mlx_lm import load

    from core.codemode.prompt import execute_code_tool_schema, system_prompt
    from core.evaluation.generation import Engine, Request
    from core.evaluation.scoring import parse_record

    model, tok = load(str(models[family]))[:2]
    reply = '<tool_call>\n{"name": "execute_code", "arguments": {"code": ' + json.dumps(CODE) + "}}\n</tool_call>"
    script = list(tok.encode(reply, add_special_tokens=False)) + [IDS["<|im_end|>"]]
    assert script.count(IDS["<tool_call>"]) == 1 and script.count(IDS["</tool_call>"]) == 1
    after = tok.encode(" never", add_special_tokens=False)[0]
    engine = Engine(Scripted(model, script, after), tok, family, system_prompt(), [execute_code_tool_schema()],
                    max_tokens=len(script) + 20, batch_size=1)
    out = engine.generate([Request(key="q", messages=[{"role": "user", "content": "How many type errors?"}])],
                          use_prefix_cache=False)[0]
    assert out.finish_reason == "stop"
    assert out.generated_tokens == len(script) - 1  # stopped at <|im_end|>, which is not part of the reply
    assert "never" not in out.text and "<|im_end|>" not in out.text
    rec = parse_record(out.text)
    assert rec.strict_ok and rec.name == "execute_code" and rec.code == CODE


def _sets(models: dict[str, Path], out: Path) -> dict[str, Any]:
    return {
        "candidate.path": models["qwen2.5"], "baseline.path": models["qwen3"],
        # iterations and token limits
        "train.iters": 2, "train.batch_size": 1, "train.val_batches": 1, "train.steps_per_eval": 2,
        "train.steps_per_report": 1, "train.save_every": 2, "train.num_layers": 1, "evaluation.max_tokens": 4,
        # parity and test on 2 queries: a tool query and a direct one
        "evaluation.queries": '["t01_inventory_mypy_lines", "d01_protocol_vs_abc"]',
        # every output in the temporary folder
        "outputs.adapter": out / "adapter", "outputs.fused": out / "fused", "outputs.quantized": out / "q{bits}",
        "outputs.results": out / "results.json", "outputs.report": out / "report.md",
        "outputs.diary": out / "diary.md", "outputs.memory": out / "MEMORY.md", "outputs.runs_dir": out / "runs",
    }


def _run(models: dict[str, Path], out: Path) -> subprocess.CompletedProcess[str]:
    args = [a for k, v in _sets(models, out).items() for a in ("--set", f"{k}={v}")]
    env = dict(os.environ, COLUMNS="200", HF_HUB_OFFLINE="1", PHASE25_CACHE=str(out / "cache"))
    return subprocess.run([sys.executable, "-m", "core.cli", "run", "--config", str(ROOT / "phase25.toml"),
                           "--plain", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)


# About 95 s on an idle 2-core machine (train is most of it): in the quick set, so CI runs it.
def test_every_stage_of_the_real_config_runs_on_real_vocabulary_models(models: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    done = _run(models, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    q = json.loads((tmp_path / "q5" / "config.json").read_text())
    assert q["quantization"]["bits"] == 5 and q["quantization"]["group_size"] == 64  # the real config's
    results = json.loads((tmp_path / "results.json").read_text())
    for role in ("candidate", "baseline"):
        assert [q["query_id"] for q in results[role]["queries"]] == ["t01_inventory_mypy_lines", "d01_protocol_vs_abc"]
    assert (tmp_path / "report.md").is_file()
    errors = memory_errors(models, tmp_path)
    print("\n".join(f"{stage}: measured {m / 1e6:.1f} MB, predicted {p / 1e6:.1f} MB ({p / m - 1:+.0%})"
                    for stage, (m, p) in errors.items()))
    assert all(abs(p / m - 1) <= 0.30 for m, p in errors.values()), errors


def memory_errors(models: dict[str, Path], out: Path) -> dict[str, tuple[int, int]]:
    """Each MLX stage's measured peak (the stage's MemorySample events) beside the doctor's
    prediction for it, as `phase25 doctor` would make it for this config."""
    from core import events as ev
    from core.config import load_config
    from core.doctor import memory as mem
    from core.doctor.inputs import suite_prompts
    from core.evaluation.predict import read_config

    cfg = load_config(ROOT / "phase25.toml", [f"{k}={v}" for k, v in _sets(models, out).items()])
    peaks: dict[str, int] = {}
    for events_file in (out / "runs").glob("*/events.jsonl"):
        for e in ev.read_events(events_file)[0]:
            if isinstance(e, ev.MemorySample) and e.source == "mlx" and e.stage:
                peaks[e.stage] = max(peaks.get(e.stage, 0), e.mlx_peak_bytes or 0)
    cand, base = read_config(models["qwen2.5"]), read_config(models["qwen3"])
    t, q = cfg.train, cfg.quantize
    from core.data.preflight import preflight
    from core.doctor.inputs import data_lengths

    dl = data_lengths(preflight(cfg.resolve(cfg.data.train), cfg))
    assert dl is not None
    seq = min(dl.p95, t.max_seq_length)
    bp = suite_prompts(cfg, cfg.baseline)
    predicted = {
        "train": mem.train_memory(cand, batch_size=t.batch_size, seq_len=seq, num_layers=t.num_layers,
                                  rank=t.lora_parameters.rank).peak(t.grad_checkpoint),
        "fuse": mem.fuse_peak(cand, t.num_layers),
        "quantize": mem.quantize_peak(cand, q.bits, q.group_size),
        "test_baseline": mem.test_memory(base, bits=None, group_size=None, prompt_tokens=bp.longest,
                                         max_tokens=cfg.evaluation.max_tokens, batch_size=cfg.evaluation.batch_size,
                                         shared_prefix=bp.shared_prefix).total,
    }
    return {stage: (peaks[stage], p) for stage, p in predicted.items()}
