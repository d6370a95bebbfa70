"""The demo's generated rows: the candidate's prose-tool and run_python chats, and the baseline's
generated Code Mode rows (real outputs, seen workspaces only, one result name, no leakage)."""

from __future__ import annotations

import json
import random
import re

import pytest

from core.data.build.tasks_base import VAR_NAMES
from core.data.heldout import heldout_workspaces
from core.demo.codemode_gen import FINETUNE_DIR, house_style
from core.demo.corpus import CorpusError, load_corpus, read_rows
from core.demo.toolchat_more import _run, more_tool_rows, run_python_chat
from core.paths import DATA_DIR
from core.tokenizers.render import render_chat

CODE_MODE_NAMES = ("execute_code", "typecheck", "ruff_check", "pytest_run", "read_file", "run_command")


def test_the_result_name_is_renamed_in_code_only():
    code = ('report = read_file("textstats/report.py")\nprint("lines:", report.total_lines)\n'
            'for line in report.content.splitlines():\n    print(line)\n')
    assert house_style(code) == ('r = read_file("textstats/report.py")\nprint("lines:", r.total_lines)\n'
                                 'for line in r.content.splitlines():\n    print(line)\n')
    two = 'out = ruff_check(".")\nres = typecheck(".")\nprint(out.passed, res.passed)\n'
    assert house_style(two) == two                      # two result names: left alone
    taken = 'out = typecheck(".")\nr = 1\nprint(out.passed, r)\n'
    assert house_style(taken) == taken                  # "r" already means something else


def test_prose_and_run_python_chats_call_generic_tools_and_answer_from_real_output():
    rows = more_tool_rows(120, 0, [("What is a tuple?", "An immutable sequence.")], ["def f(x):\n    return x"])
    assert rows == more_tool_rows(120, 0, [("What is a tuple?", "An immutable sequence.")], ["def f(x):\n    return x"])
    text = json.dumps(rows)
    assert not any(f'"{name}"' in text for name in CODE_MODE_NAMES)
    prose = [r for r in rows if "tools" not in r and len(r["messages"]) == 5]
    assert prose and all("(" in r["messages"][0]["content"] for r in prose)   # tools listed as signatures
    rendered = render_chat(prose[0], "qwen2.5")
    assert "<tools>" not in rendered and "<tool_call>\n{\"name\": " in rendered
    chat = run_python_chat(random.Random(3), prose=True)
    code = chat["messages"][2]["tool_calls"][0]["function"]["arguments"]["code"]
    assert "\n" in code and json.loads(chat["messages"][3]["content"])["stdout"] == _run(code)


@pytest.fixture(scope="module")
def generated():
    return read_rows(FINETUNE_DIR / "train.jsonl")


def test_generated_rows_use_seen_workspaces_one_result_name_and_are_recorded(generated):
    manifest = json.loads((FINETUNE_DIR / "MANIFEST.json").read_text())
    assert manifest["rows"] == len(generated) >= 1000 and manifest["failed"] == 0
    text = json.dumps(generated)
    assert not any(name in text for name in heldout_workspaces(DATA_DIR / "workspaces"))
    codes = [m["tool_calls"][0]["function"]["arguments"]["code"] for r in generated for m in r["messages"]
             if m.get("tool_calls")]
    assert len(codes) == len(generated)
    names = [set(re.findall(r"^(\w+) = \w+\(", c, re.MULTILINE)) & set(VAR_NAMES) for c in codes]
    single = [n for n in names if len(n) == 1]
    assert len(single) > 0.8 * len(codes) and all(n == {"r"} for n in single)   # one result name: r
    valid = {m["content"] for r in read_rows(DATA_DIR / "demo" / "compact" / "valid.jsonl")
             for m in r["messages"] if m["role"] == "user"}
    assert not valid & {r["messages"][1]["content"] for r in generated}


@pytest.mark.slow
def test_no_generated_or_pretraining_row_leaks_not_even_a_warning(generated):
    from core.data.leakage import check

    report = check([FINETUNE_DIR / "train.jsonl", DATA_DIR / "demo" / "pretrain" / "generic_code.jsonl"],
                   DATA_DIR / "suite" / "suite.json", DATA_DIR / "workspaces")
    assert report.rows == len(generated) + 171 and report.leaks == []


def test_the_baseline_fine_tunes_on_the_generated_rows_too():
    corpus = load_corpus(DATA_DIR / "demo" / "compact")
    assert len(corpus.extra) > len(corpus.train)
    assert len(corpus.finetune_rows("train")) > len(corpus.finetune_rows("valid")) * 10


def test_a_malformed_row_is_reported_with_file_line_and_field(tmp_path):
    bad = tmp_path / "rows.jsonl"
    good = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                         {"role": "assistant", "content": "a"}]}
    broken = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": None},
                           {"role": "assistant", "content": "a"}]}
    bad.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n")
    with pytest.raises(CorpusError, match=rf"{bad}:2: messages\[1\]\.content"):
        read_rows(bad)
