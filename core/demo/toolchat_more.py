"""More generic tool chats for the candidate's "instruct" pretraining (see ``core.demo.toolchat``).

Two things a real instruct model can do before any Code Mode fine-tune, and the JSON tools block
alone does not teach:

* **tools listed in the system prompt's own words.** A system prompt may describe its tools as
  signature lines (``get_weather(city, unit=None) -> {...}``) instead of the template's JSON
  ``<tools>`` block; the model still answers with a ``<tool_call>``. (The demo's compact Code Mode
  prompt lists its tools that way.)
* **a generic Python runner**, ``run_python(code)``: a small standard-library program, written as
  a JSON-escaped multi-line string, run for real here (its printed output is the tool response),
  and an answer read from that output. Its programs use only the standard library: no
  ``execute_code`` and none of the five Code Mode tools.

Everything is generated from a seed, deterministically.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
from typing import Any

from core.demo.toolchat import MAKERS, NAMES, SYSTEMS, TOOLS, WORDS, _fn

RUN_PYTHON = _fn("run_python", "Run a short Python program (standard library only) and return what it prints.",
                 {"code": ("string", "the program")}, ["code"])

PROSE_HEADS = (
    "You can use these tools. When one is needed, reply with a single tool call; otherwise answer in text.",
    "Tools available (call one when the question needs it, else just answer):",
    "You are an assistant with tools. Use a tool only when it helps:",
)


def _signature(spec: dict[str, Any]) -> str:
    fn = spec["function"]
    props = fn["parameters"]["properties"]
    req = fn["parameters"]["required"]
    args = [k if k in req else f"{k}=None" for k in props]
    return f"{fn['name']}({', '.join(args)}): {fn['description']}"


def prose_system(specs: list[dict[str, Any]], r: random.Random) -> str:
    """A system prompt that lists ``specs`` as signature lines (no JSON tools block)."""
    return r.choice(PROSE_HEADS) + "\n" + "\n".join(_signature(s) for s in specs)


def _run(code: str) -> str:
    """What ``code`` (generated here, standard library only) prints."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, "<run_python>", "exec"), {"__name__": "__main__"})  # noqa: S102 - our own programs
    return buf.getvalue()


def _program(r: random.Random) -> tuple[str, str, Any]:
    """(question, program, answer writer from stdout)."""
    kind = r.randrange(8)
    nums = [r.randint(1, 99) for _ in range(r.randint(4, 8))]
    ws = r.sample(WORDS, r.randint(3, 6))
    sentence = " ".join(r.choice(WORDS) for _ in range(r.randint(5, 9)))
    if kind == 0:
        q = r.choice((f"What is the sum and the mean of {nums}?", f"Add up {nums} and give the average too."))
        code = f"nums = {nums}\ntotal = sum(nums)\nprint(\"total:\", total)\nprint(\"mean:\", round(total / len(nums), 2))\n"
        return q, code, lambda o: f"The total is {o['total']} and the mean is {o['mean']}."
    if kind == 1:
        q = r.choice((f"Sort these words alphabetically: {', '.join(ws)}.", f"Put {', '.join(ws)} in order."))
        code = f"words = {ws!r}\nfor w in sorted(words):\n    print(\"-\", w)\n".replace("'", '"')
        return q, code, lambda o: "In order: " + ", ".join(o["-"]) + "."
    if kind == 2:
        q = r.choice((f"How many words and letters are in \"{sentence}\"?", f"Count the words in: {sentence}"))
        code = (f"text = \"{sentence}\"\nwords = text.split()\nprint(\"words:\", len(words))\n"
                "print(\"letters:\", sum(len(w) for w in words))\n")
        return q, code, lambda o: f"It has {o['words']} words and {o['letters']} letters."
    if kind == 3:
        n = r.randint(5, 20)
        q = r.choice((f"List the first {n} Fibonacci numbers.", f"What are the first {n} Fibonacci numbers?"))
        code = f"a, b = 0, 1\nout = []\nfor _ in range({n}):\n    out.append(a)\n    a, b = b, a + b\nprint(\"fib:\", out)\n"
        return q, code, lambda o: f"The first {n} are {o['fib']}."
    if kind == 4:
        q = r.choice((f"Which is the largest of {nums}, and where is it?", f"Find the max of {nums} and its index."))
        code = f"nums = {nums}\nbig = max(nums)\nprint(\"max:\", big)\nprint(\"index:\", nums.index(big))\n"
        return q, code, lambda o: f"The largest is {o['max']}, at index {o['index']}."
    if kind == 5:
        q = r.choice((f"Count how often each word occurs in \"{sentence}\".", f"Word frequencies of: {sentence}"))
        code = (f"from collections import Counter\n\ncounts = Counter(\"{sentence}\".split())\n"
                "for word, n in counts.most_common():\n    print(f\"- {word}: {n}\")\n")
        return q, code, lambda o: "Counts: " + "; ".join(o["-"]) + "."
    if kind == 6:
        who = r.sample(NAMES, r.randint(3, 5))
        q = r.choice((f"Which of {', '.join(who)} have names longer than 4 letters?",
                      f"Filter {', '.join(who)} to the names with more than 4 letters."))
        code = f"names = {who!r}\nlong = [n for n in names if len(n) > 4]\nprint(\"long:\", len(long))\nfor n in long:\n    print(\"-\", n)\n"
        code = code.replace("'", '"')
        return q, code, lambda o: (f"{o['long']} of them: " + ", ".join(o["-"]) + "." if o["-"]
                                   else "None of them is longer than 4 letters.")
    a, b = r.randint(2, 60), r.randint(2, 12)
    x = a * b + r.randint(0, b - 1)
    q = r.choice((f"Is {x} divisible by {b}? Show the remainder.", f"What is {x} divided by {b}, with remainder?"))
    code = f"q, rem = divmod({x}, {b})\nprint(\"quotient:\", q)\nprint(\"remainder:\", rem)\n"
    return q, code, lambda o: f"{x} = {b} x {o['quotient']} + {o['remainder']}; the remainder is {o['remainder']}."


def _parse(stdout: str) -> dict[str, Any]:
    out: dict[str, Any] = {"-": []}
    for line in stdout.splitlines():
        if line.startswith("- "):
            out["-"].append(line[2:])
        elif ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v
    return out


def run_python_chat(r: random.Random, prose: bool) -> dict[str, Any]:
    q, code, answer = _program(r)
    stdout = _run(code)
    specs = [RUN_PYTHON] + [TOOLS[n] for n in r.sample(list(TOOLS), r.randint(0, 2))]
    r.shuffle(specs)
    return _chat(r, specs, prose, q, "run_python", {"code": code},
                 json.dumps({"stdout": stdout, "ok": True}), answer(_parse(stdout)))


def _chat(r: random.Random, specs: list[dict[str, Any]], prose: bool, ask: str, name: str,
          args: dict[str, Any], response: str, answer: str) -> dict[str, Any]:
    system = prose_system(specs, r) if prose else r.choice(SYSTEMS)
    row: dict[str, Any] = {"messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": ask},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function",
                                                              "function": {"name": name, "arguments": args}}]},
        {"role": "tool", "content": response},
        {"role": "assistant", "content": answer},
    ]}
    return row if prose else {**row, "tools": specs}


def prose_tool_chat(r: random.Random, snippets: list[str]) -> dict[str, Any]:
    """A generic tool chat whose system prompt lists the tools in words (no JSON tools block)."""
    name = r.choice([n for n in MAKERS if n != "save_snippet" or snippets])
    ask, args, res, answer = MAKERS[name](r, snippets)
    specs = [TOOLS[name]] + [TOOLS[n] for n in r.sample([n for n in TOOLS if n != name], r.randint(0, 2))]
    r.shuffle(specs)
    return _chat(r, specs, True, ask, name, args, json.dumps(res), answer)


def prose_no_tool_chat(r: random.Random, question: str, answer: str) -> dict[str, Any]:
    specs = [TOOLS[n] for n in r.sample(list(TOOLS), r.randint(1, 3))] + ([RUN_PYTHON] if r.random() < 0.3 else [])
    return {"messages": [{"role": "system", "content": prose_system(specs, r)},
                         {"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def more_tool_rows(n: int, seed: int, qa: list[tuple[str, str]], snippets: list[str],
                   no_tool_share: float = 0.25, python_share: float = 0.4) -> list[dict[str, Any]]:
    """``n`` chats: prose-listed tools (half of them) and ``run_python`` programs, some answered in text."""
    r = random.Random(f"more:{seed}")
    rows = []
    for _ in range(n):
        x = r.random()
        if qa and x < no_tool_share:
            q, a = r.choice(qa)
            rows.append(prose_no_tool_chat(r, q, a))
        elif x < no_tool_share + python_share:
            rows.append(run_python_chat(r, prose=r.random() < 0.5))
        else:
            rows.append(prose_tool_chat(r, snippets))
    return rows
