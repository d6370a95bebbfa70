"""The suite's generation: a shared prefix prefilled once and batched queries give exactly what
plain one-by-one mlx-lm generation gives, with per-query measurements."""

from __future__ import annotations

import pytest
from eval_queries import synthetic_suite

from core.codemode.prompt import execute_code_tool_schema, system_prompt

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize(("role", "family"), [("candidate", "qwen2.5"), ("baseline", "qwen3")])
def test_prefix_cache_and_batching_change_nothing_in_the_output(tiny_models, role, family):
    from mlx_lm import stream_generate

    from core.evaluation.generation import Engine, Request, load

    model, tok = load(str(tiny_models[role]))
    engine = Engine(model, tok, family, system_prompt(compact=True), [execute_code_tool_schema()],
                    max_tokens=10, batch_size=3)
    queries = synthetic_suite().queries[::3]
    done: list[str] = []
    outs = engine.generate([Request(q.id, [{"role": "user", "content": q.prompt}]) for q in queries],
                           on_done=lambda o: done.append(o.key))
    assert sorted(done) == sorted(q.id for q in queries)  # each reported as it finished
    assert len({o.text for o in outs}) > 1, "the stand-in should answer different prompts differently"
    for q, o in zip(queries, outs, strict=True):
        ids = engine.encode([{"role": "user", "content": q.prompt}])
        plain = [r.token for r in stream_generate(model, tok, ids, max_tokens=10)]
        assert o.text == tok.decode(plain)
        assert o.prompt_tokens == len(ids)
        assert o.cached_prefix_tokens == len(engine.prefix) > 100
        assert 0 < o.generated_tokens <= 10
        assert o.ttft_s is not None and 0 < o.ttft_s <= o.latency_s
        assert o.peak_memory_bytes and o.peak_memory_bytes > 0


def test_qwen3_prompts_switch_thinking_off(tiny_models):
    from core.evaluation.generation import Engine, load

    model, tok = load(str(tiny_models["baseline"]))
    engine = Engine(model, tok, "qwen3", "sys", [execute_code_tool_schema()], max_tokens=4)
    text = engine.render([{"role": "user", "content": "hi"}])
    assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert '"name": "execute_code"' in text
