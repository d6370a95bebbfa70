"""The candidate's "instruct" pretraining rows: Qwen's tool format with generic tools, no Code Mode,
no suite prompt; and the leakage check that guards the build."""

from __future__ import annotations

import json
import random

import pytest

from core.demo.corpus import GENERIC_SYSTEM, load_corpus
from core.demo.leakage import find_leaks, suite_prompts
from core.demo.toolchat import TOOLS, code_snippets, generic_tool_rows, tool_chat
from core.paths import DATA_DIR
from core.tokenizers.render import render_chat

CODE_MODE_NAMES = ("execute_code", "typecheck", "ruff_check", "pytest_run", "read_file", "run_command")
SUITES = [DATA_DIR / "suite" / "suite.json", DATA_DIR / "suite" / "extended.json"]


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(DATA_DIR / "demo" / "compact")


def test_generic_tool_rows_are_deterministic_and_use_no_code_mode_tool(corpus):
    rows = corpus.instruct_rows(200, seed=0)
    assert rows == corpus.instruct_rows(200, seed=0)
    assert rows != corpus.instruct_rows(200, seed=1)
    for name in CODE_MODE_NAMES:
        assert name not in TOOLS
        assert not any(f'"{name}"' in json.dumps(r) for r in rows), name
    assert not any("Code Mode" in m["content"] for r in rows for m in r["messages"] if m["role"] == "system")
    assert {m["content"] for r in rows for m in r["messages"] if m["role"] == "system"} > {GENERIC_SYSTEM}


def test_tool_rows_render_as_qwen_calls_answered_from_the_result(corpus):
    rows = generic_tool_rows(60, 3, [("What is a list?", "An ordered, mutable sequence.")],
                             code_snippets(corpus.generic))
    calls = [r for r in rows if len(r["messages"]) == 5]
    assert calls and len(calls) < len(rows)         # some rows offer tools and need none
    text = render_chat(calls[0], "qwen2.5")
    assert "<tools>" in text and "<tool_call>\n{\"name\": " in text and "<tool_response>" in text
    # multi-line code travels JSON-escaped inside the arguments, on one line
    snippet = tool_chat(random.Random(0), "save_snippet", ["def f(x):\n    return x + 1"])
    call = render_chat(snippet, "qwen2.5").split("<|im_start|>assistant\n<tool_call>\n")[1].split("\n")[0]
    assert json.loads(call)["arguments"]["code"] == "def f(x):\n    return x + 1"
    for r in calls:
        result = json.loads(r["messages"][3]["content"])
        answer = r["messages"][4]["content"]
        shown = [str(v) for v in result.values() if isinstance(v, (int, float, str)) and not isinstance(v, bool)]
        assert not shown or any(s in answer for s in shown), (result, answer)   # answered from the result


def test_a_copied_or_paraphrased_suite_prompt_is_caught():
    prompts = suite_prompts(SUITES)
    qid, prompt = next(iter(prompts.items()))
    copied = {"messages": [{"role": "user", "content": "Please: " + prompt}]}
    words = prompt.split()
    reordered = {"messages": [{"role": "user", "content": " ".join(words[1:] + words[:1])}]}
    fine = {"messages": [{"role": "user", "content": "What's the weather in Oslo?"}]}
    leaks = find_leaks([fine, copied, reordered], prompts)
    assert {x.row for x in leaks} == {1, 2} and all(x.query_id for x in leaks)
    assert any(x.query_id == qid for x in leaks)


def test_no_build_row_overlaps_a_suite_prompt(corpus):
    from core.demo.recipe import DemoRecipe

    recipe = DemoRecipe()
    rows = (corpus.instruct_rows(recipe.toolchat_rows, recipe.seed, recipe.more_toolchat_rows)
            + corpus.train + corpus.valid + corpus.extra)
    assert find_leaks(rows, suite_prompts(SUITES)) == []
