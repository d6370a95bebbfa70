"""The suite's generation wall time: shared-prefix caching plus batching, against plain mlx-lm.

Run with ``pytest -s tests/bench/test_bench_suite.py``. Three ways to generate the first reply
to the same 20 queries, side by side in one run, on the same model:

A. the evaluation engine: the system prefix prefilled once, the queries batched;
B. the same queries one by one in-process with ``mlx_lm.generate`` (model loaded once);
C. one ``mlx_lm.generate`` process per query (load + prefill + generate each time).

Prints the wall times and the ratios A/B (goal < 0.5) and A/C (goal < 0.1); asserts only that
the runs worked and that A and B produced the same tokens. The model is the demo candidate when
it has been built (``phase25 demo build``), else a random one with the demo's shape.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.codemode.prompt import execute_code_tool_schema, system_prompt
from core.demo import DEMO_MODELS_DIR, MODEL_NAMES, DemoRecipe, model_config
from core.paths import DATA_DIR

pytestmark = [pytest.mark.bench, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

MAX_TOKENS = 32
BATCH = 10


def _prompts() -> list[str]:
    suite = DATA_DIR / "suite" / "suite.json"
    if suite.is_file():
        return [q["prompt"] for q in json.loads(suite.read_text())["queries"]]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation"))
    from eval_queries import synthetic_suite

    return [q.prompt for q in synthetic_suite().queries]


def _model(tmp: Path) -> tuple[Path, str]:
    demo = DEMO_MODELS_DIR / MODEL_NAMES["candidate"]
    if (demo / "config.json").is_file():
        return demo, "the demo candidate"
    import mlx.core as mx
    from mlx_lm.utils import _get_classes, save_config, save_model

    from core.tokenizers.demo_bpe import build_demo_tokenizer

    out = tmp / "random-demo-shape"
    doc = build_demo_tokenizer(_prompts() + [system_prompt(compact=True)], "qwen2.5", out)
    ids = {t["content"]: t["id"] for t in doc["added_tokens"]}
    config = model_config(
        "candidate",
        DemoRecipe(),
        len(doc["model"]["vocab"]) + len(ids),
        ids["<|im_end|>"],
        ids["<|endoftext|>"],
    )
    mx.random.seed(0)
    cls, args = _get_classes(config)
    model = cls(args.from_dict(config))
    mx.eval(model.parameters())
    save_model(out, model)
    save_config(dict(config), out / "config.json")
    return out, "a random model with the demo candidate's shape (run `phase25 demo build` for the real one)"


def test_prefix_cache_and_batching_against_plain_mlx_lm(tmp_path: Path) -> None:
    from mlx_lm import stream_generate

    from core.evaluation.generation import Engine, Request, load

    path, what = _model(tmp_path)
    prompts = _prompts()
    model, tok = load(str(path))
    engine = Engine(
        model,
        tok,
        "qwen2.5",
        system_prompt(compact=True),
        [execute_code_tool_schema()],
        max_tokens=MAX_TOKENS,
        batch_size=BATCH,
    )
    requests = [Request(str(i), [{"role": "user", "content": p}]) for i, p in enumerate(prompts)]
    token_lists = [engine.encode(r.messages) for r in requests]
    texts = [engine.render(r.messages) for r in requests]

    # warm-up: first-call compilation and allocation should not count for either side
    engine.generate(requests[:1], use_prefix_cache=False)

    t0 = time.perf_counter()
    outs = engine.generate(requests)  # the prefix is prefilled inside this window
    a = time.perf_counter() - t0

    t0 = time.perf_counter()
    plain = [
        [r.token for r in stream_generate(model, tok, ids, max_tokens=MAX_TOKENS)] for ids in token_lists
    ]
    b = time.perf_counter() - t0

    t0 = time.perf_counter()
    for text in texts:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mlx_lm",
                "generate",
                "--model",
                str(path),
                "--prompt",
                text,
                "--max-tokens",
                str(MAX_TOKENS),
                "--ignore-chat-template",
                "--verbose",
                "False",
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    c = time.perf_counter() - t0

    # stream_generate yields the stop token too; the engine stops before it. Compare the replies
    # up to the first stop token.
    stops = set(tok.eos_token_ids)

    def until_stop(tokens: list[int]) -> list[int]:
        return next((tokens[:i] for i, t in enumerate(tokens) if t in stops), tokens)

    same = sum(o.text == tok.decode(until_stop(p)) for o, p in zip(outs, plain, strict=True))
    prompt_tokens = sum(len(t) for t in token_lists)
    print(f"\nmodel: {what}: {path}")
    print(
        f"{len(prompts)} queries, {prompt_tokens} prompt tokens in all ({len(engine.prefix)} shared), "
        f"max_tokens {MAX_TOKENS}, batch {BATCH}"
    )
    print(f"A  prefix cache + batching      {a:8.2f} s")
    print(f"B  one by one, in-process       {b:8.2f} s    A/B = {a / b:.3f}  (goal < 0.5)")
    print(f"C  one mlx_lm.generate process  {c:8.2f} s    A/C = {a / c:.3f}  (goal < 0.1)")
    print(f"A and B agree on {same}/{len(prompts)} replies")
    assert same == len(prompts)
