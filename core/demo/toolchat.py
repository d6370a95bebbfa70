"""Generic tool-use chats: the candidate stand-in's "instruct" pretraining on Qwen's tool format.

A real instruct model already knows how to call a tool the Qwen way before any Code Mode
fine-tune: read the tools listed in the system turn, emit ``<tool_call>{"name": ..., "arguments":
{...}}</tool_call>`` (multi-line strings JSON-escaped), read the ``<tool_response>`` and answer from
it, or answer directly when no tool fits. These rows teach the tiny candidate exactly that, with
GENERIC tools (weather, currency, a library search, saving a code snippet, SQL, mail, parcels,
calendars, arithmetic) that are neither ``execute_code`` nor any of the five Code Mode tools, so
the pipeline's LoRA still has all of Code Mode to teach.

Everything is generated from a seed, deterministically; nothing here mentions the suite's
workspaces, prompts or facts (``core.demo.leakage`` checks the rows against the suite).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

SYSTEMS = ("You are a helpful assistant.", "You are a helpful assistant with access to tools.",
           "You are a concise assistant. Use a tool when it helps.")
CITIES = ("Lisbon", "Oslo", "Nairobi", "Lima", "Osaka", "Quebec", "Tallinn", "Perth", "Accra", "Bergen",
          "Porto", "Cusco", "Hanoi", "Dakar", "Zagreb", "Denver")
CONDITIONS = ("sunny", "cloudy", "light rain", "windy", "foggy", "snowing", "clear", "overcast")
CURRENCIES = ("EUR", "USD", "GBP", "JPY", "CHF", "SEK", "NOK", "CAD")
NAMES = ("Ada", "Bruno", "Chen", "Dalia", "Emeka", "Freya", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lena")
SUBJECTS = ("astronomy", "baking", "chess", "gardening", "jazz", "knitting", "sailing", "pottery", "birds",
            "volcanoes", "origami", "cycling")
WORDS = ("river", "amber", "quiet", "lantern", "harbor", "meadow", "cobalt", "ember", "willow", "summit",
         "falcon", "cedar", "marble", "orbit", "velvet", "canyon")
EVENTS = ("dentist", "team lunch", "yoga", "piano lesson", "call with Ada", "book club", "haircut",
          "standup", "gym", "dinner with Jun")


def _fn(name: str, desc: str, props: dict[str, tuple[str, str]], required: list[str]) -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": name, "description": desc,
        "parameters": {"type": "object", "properties": {k: {"type": t, "description": d}
                                                        for k, (t, d) in props.items()},
                       "required": required}}}


TOOLS: dict[str, dict[str, Any]] = {
    "get_weather": _fn("get_weather", "Current weather in a city.",
                       {"city": ("string", "city name"), "unit": ("string", "celsius or fahrenheit")}, ["city"]),
    "convert_currency": _fn("convert_currency", "Convert an amount between currencies.",
                            {"amount": ("number", "amount"), "source": ("string", "from"),
                             "target": ("string", "to")}, ["amount", "source", "target"]),
    "search_library": _fn("search_library", "Search a library catalogue.",
                          {"query": ("string", "search words"), "limit": ("integer", "max results")}, ["query"]),
    "save_snippet": _fn("save_snippet", "Save a code snippet to a file.",
                        {"filename": ("string", "file name"), "code": ("string", "the code")},
                        ["filename", "code"]),
    "run_sql": _fn("run_sql", "Run a read-only SQL query on the shop database.",
                   {"query": ("string", "SQL text")}, ["query"]),
    "send_email": _fn("send_email", "Send an email.",
                      {"to": ("string", "address"), "subject": ("string", "subject"), "body": ("string", "text")},
                      ["to", "subject", "body"]),
    "track_parcel": _fn("track_parcel", "Where a parcel is.", {"tracking_id": ("string", "tracking id")},
                        ["tracking_id"]),
    "list_events": _fn("list_events", "Calendar events on a day.", {"day": ("string", "YYYY-MM-DD")}, ["day"]),
    "calculate": _fn("calculate", "Evaluate an arithmetic expression.", {"expression": ("string", "expression")},
                     ["expression"]),
}

Chat = tuple[str, dict[str, Any], Any, str]   # user text, call arguments, tool result, final answer
Maker = Callable[[random.Random, list[str]], Chat]


def _weather(r: random.Random, _: list[str]) -> Chat:
    city, cond = r.choice(CITIES), r.choice(CONDITIONS)
    f = r.random() < 0.3
    t = r.randint(20, 95) if f else r.randint(-8, 35)
    unit = "fahrenheit" if f else "celsius"
    ask = r.choice((f"What's the weather in {city} right now?", f"Is it cold in {city} today?",
                    f"How warm is it in {city}" + (" in Fahrenheit?" if f else "?"), f"Weather for {city}, please."))
    args = {"city": city, "unit": unit} if f or r.random() < 0.5 else {"city": city}
    res = {"city": city, "temperature": t, "unit": unit, "condition": cond}
    sign = "°F" if f else "°C"
    return ask, args, res, r.choice((f"It is {t}{sign} and {cond} in {city}.",
                                     f"{city}: {cond}, {t}{sign}."))


def _currency(r: random.Random, _: list[str]) -> Chat:
    a, b = r.sample(CURRENCIES, 2)
    amount = r.choice((5, 12, 40, 75, 100, 250, 1000, 19.5))
    rate = round(r.uniform(0.05, 3.0), 4)
    out = round(amount * rate, 2)
    ask = r.choice((f"How much is {amount} {a} in {b}?", f"Convert {amount} {a} to {b}.",
                    f"I have {amount} {a}. What is that in {b}?"))
    return ask, {"amount": amount, "source": a, "target": b}, {"converted": out, "rate": rate, "target": b}, \
        f"{amount} {a} is {out} {b} (rate {rate})."


def _library(r: random.Random, _: list[str]) -> Chat:
    subj = r.choice(SUBJECTS)
    n = r.randint(1, 3)
    books = [{"title": f"{r.choice(WORDS).title()} {r.choice(WORDS).title()}: {subj.title()}",
              "author": r.choice(NAMES) + " " + r.choice(WORDS).title(), "year": r.randint(1950, 2024)}
             for _ in range(n)]
    ask = r.choice((f"Find me books about {subj}.", f"Any books on {subj} in the library?",
                    f"Search the catalogue for {subj}, at most {n} results."))
    args: dict[str, Any] = {"query": subj} if "most" not in ask else {"query": subj, "limit": n}
    lines = "\n".join(f"- {b['title']} by {b['author']} ({b['year']})" for b in books)
    return ask, args, {"results": books, "count": n}, f"I found {n}:\n{lines}"


def _snippet(r: random.Random, snippets: list[str]) -> Chat:
    code = r.choice(snippets)
    first = code.split("def ", 1)[-1].split("(", 1)[0].strip() if "def " in code else r.choice(WORDS)
    fname = f"{first or r.choice(WORDS)}.py"
    ask = r.choice((f"Save this as {fname}:\n```python\n{code}\n```", f"Please store this helper in {fname}.\n\n{code}",
                    f"Keep this code in a file called {fname}:\n{code}"))
    lines = code.count("\n") + 1
    return ask, {"filename": fname, "code": code}, {"saved": True, "path": f"snippets/{fname}", "lines": lines}, \
        f"Saved as `snippets/{fname}` ({lines} lines)."


def _sql(r: random.Random, _: list[str]) -> Chat:
    col, table = r.choice((("name", "customers"), ("title", "products"), ("city", "stores")))
    lim = r.randint(2, 4)
    vals = [f"{r.choice(WORDS).title()}" for _ in range(lim)]
    query = f"SELECT {col}\nFROM {table}\nORDER BY {col}\nLIMIT {lim};"
    ask = r.choice((f"List the first {lim} {table} by {col}.", f"Which {lim} {table} come first by {col}?"))
    res = {"columns": [col], "rows": [[v] for v in sorted(vals)], "row_count": lim}
    return ask, {"query": query}, res, f"The first {lim} {table}: " + ", ".join(sorted(vals)) + "."


def _email(r: random.Random, _: list[str]) -> Chat:
    who, word = r.choice(NAMES), r.choice(WORDS)
    to = f"{who.lower()}@example.org"
    day = r.choice(("Monday", "Tuesday", "Friday"))
    body = f"Hi {who},\n\nThe {word} meeting moves to {day}.\n\nThanks"
    ask = f"Email {to} that the {word} meeting moves to {day}."
    mid = f"msg-{r.randint(100, 999)}"
    return ask, {"to": to, "subject": f"{word.title()} meeting", "body": body}, {"status": "sent", "id": mid}, \
        f"Sent to {to} (id {mid})."


def _parcel(r: random.Random, _: list[str]) -> Chat:
    tid = f"PK{r.randint(10000, 99999)}"
    city, status = r.choice(CITIES), r.choice(("in transit", "out for delivery", "delivered", "held at depot"))
    eta = f"2026-0{r.randint(1, 9)}-{r.randint(10, 28)}"
    ask = r.choice((f"Where is my parcel {tid}?", f"Track {tid} for me.", f"Status of parcel {tid}?"))
    return ask, {"tracking_id": tid}, {"status": status, "location": city, "eta": eta}, \
        f"Parcel {tid} is {status} in {city}; expected {eta}."


def _events(r: random.Random, _: list[str]) -> Chat:
    day = f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    evs = sorted(({"time": f"{r.randint(8, 19):02d}:{r.choice(('00', '30'))}", "title": e}
                  for e in r.sample(EVENTS, r.randint(0, 3))), key=lambda e: e["time"])
    ask = r.choice((f"What's on my calendar on {day}?", f"Do I have anything on {day}?"))
    ans = (f"Nothing is scheduled on {day}." if not evs else
           f"On {day}: " + "; ".join(f"{e['time']} {e['title']}" for e in evs) + ".")
    return ask, {"day": day}, {"events": evs}, ans


def _calc(r: random.Random, _: list[str]) -> Chat:
    a, b, c = r.randint(2, 999), r.randint(2, 99), r.randint(2, 9)
    op = r.choice(("+", "-", "*"))
    expr = f"({a} {op} {b}) * {c}"
    val = eval(expr)  # noqa: S307 - integers and operators made above
    ask = r.choice((f"What is {expr}?", f"Compute {expr}.", f"Calculate {expr} for me."))
    return ask, {"expression": expr}, {"result": val}, f"{expr} = {val}."


MAKERS: dict[str, Maker] = {"get_weather": _weather, "convert_currency": _currency, "search_library": _library,
                            "save_snippet": _snippet, "run_sql": _sql, "send_email": _email,
                            "track_parcel": _parcel, "list_events": _events, "calculate": _calc}


def _tools_for(r: random.Random, needed: str | None) -> list[dict[str, Any]]:
    names = r.sample([n for n in TOOLS if n != needed], r.randint(0, 1)) + ([needed] if needed else [])
    if not names:
        names = r.sample(list(TOOLS), 1)
    r.shuffle(names)
    return [TOOLS[n] for n in names]


def tool_chat(r: random.Random, name: str, snippets: list[str]) -> dict[str, Any]:
    """One chat: the user asks, the assistant calls ``name``, reads the result and answers."""
    ask, args, res, answer = MAKERS[name](r, snippets)
    return {"tools": _tools_for(r, name), "messages": [
        {"role": "system", "content": r.choice(SYSTEMS)},
        {"role": "user", "content": ask},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function",
                                                              "function": {"name": name, "arguments": args}}]},
        {"role": "tool", "content": json.dumps(res)},
        {"role": "assistant", "content": answer},
    ]}


def no_tool_chat(r: random.Random, question: str, answer: str) -> dict[str, Any]:
    """Tools on offer, none fits: the assistant answers in text."""
    return {"tools": _tools_for(r, None), "messages": [
        {"role": "system", "content": r.choice(SYSTEMS)},
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]}


def code_snippets(rows: list[dict[str, Any]]) -> list[str]:
    """The fenced Python blocks of the generic coding chats (used as save_snippet arguments)."""
    out = []
    for row in rows:
        for m in row["messages"]:
            text = m.get("content") or ""
            if m["role"] == "assistant" and "```python\n" in text:
                out.append(text.split("```python\n", 1)[1].split("```", 1)[0].rstrip("\n"))
    return out


def generic_tool_rows(n: int, seed: int, qa: list[tuple[str, str]], snippets: list[str],
                      no_tool_share: float = 0.25) -> list[dict[str, Any]]:
    """``n`` chats: generic tool calls answered from their results, and plain answers with tools on offer.

    ``qa`` are (question, answer) pairs for the no-tool chats; ``snippets`` feed ``save_snippet``.
    """
    r = random.Random(seed)
    names = [k for k in MAKERS if k != "save_snippet" or snippets]
    rows = []
    for _ in range(n):
        if qa and r.random() < no_tool_share:
            q, a = r.choice(qa)
            rows.append(no_tool_chat(r, q, a))
        else:
            rows.append(tool_chat(r, r.choice(names), snippets))
    return rows
