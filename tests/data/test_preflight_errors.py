"""Bad training data gets a clear error naming the file, the line and the field; no traceback,
nothing written or changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.cli import main

SYSTEM = {"role": "system", "content": "Code Mode."}
USER = {"role": "user", "content": "What is a fixture?"}
ANSWER = {"role": "assistant", "content": "A function pytest calls to build what a test needs."}
TOOLS = [{"type": "function", "function": {"name": "execute_code", "description": "run code",
                                           "parameters": {"type": "object", "properties": {"code": {"type": "string"}}}}}]


def good(i: int = 0) -> dict:
    return {"messages": [SYSTEM, {"role": "user", "content": f"Question {i}?"}, ANSWER], "tools": TOOLS}


def call(arguments: object, name: str | None = "execute_code") -> dict:
    fn: dict = {"arguments": arguments}
    if name is not None:
        fn["name"] = name
    return {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": fn}]}


def lines(*rows: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


def chat(*messages: dict) -> dict:
    return {"messages": list(messages), "tools": TOOLS}


# name -> (contents of train.jsonl or None for "no file", expected fragments of the output)
CASES: dict[str, tuple[bytes | None, list[str]]] = {
    "empty file": (b"", ["train.jsonl: is empty"]),
    "invalid json": (lines(good(0)) + b'{"messages": [\n', ["train.jsonl:2: invalid JSON"]),
    "utf-8 bom": (b"\xef\xbb\xbf" + lines(good(0)), ["train.jsonl:1: starts with a UTF-8 byte-order mark"]),
    "mixed text row": (lines(good(0), good(1), {"text": "hello"}), ["train.jsonl:3: mixed formats", "first row only"]),
    "mixed completion row": (lines(good(0), {"prompt": "p", "completion": "c"}), ["train.jsonl:2: mixed formats"]),
    "missing role": (lines(good(0), chat(SYSTEM, {"content": "hi"}, ANSWER)),
                     ["train.jsonl:2: messages[1].role: missing role"]),
    "unknown role": (lines(chat(SYSTEM, {"role": "bot", "content": "hi"}, ANSWER)),
                     ["train.jsonl:1: messages[1].role: unknown role 'bot'"]),
    "non-string content": (lines(good(0), good(1), chat(SYSTEM, {"role": "user", "content": ["a", "b"]}, ANSWER)),
                           ["train.jsonl:3: messages[1].content: content must be a string; got a list"]),
    "null assistant content": (lines(chat(SYSTEM, USER, {"role": "assistant", "content": None})),
                               ["train.jsonl:1: messages[2].content: content must be a string; got null"]),
    "tool call without name": (lines(chat(SYSTEM, USER, call({"code": "print(1)"}, name=None),
                                          {"role": "tool", "content": "1"}, ANSWER)),
                               ["train.jsonl:1: messages[2].tool_calls[0].function.name: tool call without a name"]),
    "double-encoded arguments": (lines(chat(SYSTEM, USER, call(json.dumps({"code": "print(1)"})),
                                            {"role": "tool", "content": "1"}, ANSWER)),
                                 ["train.jsonl:1: messages[2].tool_calls[0].function.arguments: "
                                  "a JSON string where an object belongs (double-encoded arguments)"]),
    "tool turn without call": (lines(chat(SYSTEM, USER, {"role": "tool", "content": "{}"}, ANSWER)),
                               ["train.jsonl:1: messages[2].role: a tool turn without a preceding tool call"]),
    "does not end with assistant": (lines(good(0), chat(SYSTEM, USER)),
                                    ["train.jsonl:2: messages[1].role: the conversation ends with 'user'"]),
    "10 MB row": (lines(good(0)) + json.dumps({"messages": [SYSTEM, {"role": "user", "content": "x" * 10_000_000},
                                                           ANSWER]}).encode() + b"\n",
                  ["train.jsonl:2: row is 10.0 MB"]),
    "non-utf-8 bytes": (lines(good(0)) + b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n',
                        ["train.jsonl:2: not UTF-8: byte 0xe9"]),
    "blank line": (lines(good(0)) + b"\n" + lines(good(1)), ["train.jsonl:2: blank line"]),
    "not an object": (lines(good(0), [1, 2]), ["train.jsonl:2: a row must be a JSON object; got list"]),
    "undeclared tool": (lines(chat(SYSTEM, USER, call({"code": "1"}, name="shell"), {"role": "tool", "content": "1"},
                                   ANSWER)),
                        ["train.jsonl:1: messages[2].tool_calls[0].function.name: calls 'shell'"]),
    "program not python": (lines(chat(SYSTEM, USER, call({"code": "def (:"}), {"role": "tool", "content": "1"},
                                      ANSWER)),
                           ["train.jsonl:1: messages[2].tool_calls[0].function.arguments.code: the execute_code "
                            "program is not valid Python"]),
    "execute_code without code": (lines(chat(SYSTEM, USER, call({}), {"role": "tool", "content": "1"}, ANSWER)),
                                  ["train.jsonl:1: messages[2].tool_calls[0].function.arguments.code: missing: "
                                   'execute_code takes exactly {"code": "<program>"}']),
    "code not a string": (lines(good(0), chat(SYSTEM, USER, call({"code": 5}), {"role": "tool", "content": "5"},
                                              ANSWER)),
                          ["train.jsonl:2: messages[2].tool_calls[0].function.arguments.code: the program must be "
                           "a string; got number 5"]),
    "empty program": (lines(chat(SYSTEM, USER, call({"code": "  "}), {"role": "tool", "content": "{}"}, ANSWER)),
                      ["train.jsonl:1: messages[2].tool_calls[0].function.arguments.code: an empty program"]),
    "other argument than code": (lines(chat(SYSTEM, USER, call({"cmd": "ls"}), {"role": "tool", "content": "1"},
                                            ANSWER)),
                                 ["train.jsonl:1: messages[2].tool_calls[0].function.arguments.code: missing",
                                  "train.jsonl:1: messages[2].tool_calls[0].function.arguments.cmd: unknown argument: "
                                  "execute_code takes only code"]),
    "extra argument beside code": (lines(chat(SYSTEM, USER, call({"code": "print(1)", "timeout": 5}),
                                              {"role": "tool", "content": "1"}, ANSWER)),
                                   ["train.jsonl:1: messages[2].tool_calls[0].function.arguments.timeout: unknown "
                                    "argument"]),
    "call without a tool reply": (lines(chat(SYSTEM, USER, call({"code": "print(1)"}),
                                             {"role": "user", "content": "And then?"}, ANSWER)),
                                  ["train.jsonl:1: messages[2].tool_calls[0]: a tool call with no tool reply before "
                                   "messages[3] (the user turn)"]),
    "two calls, one reply": (lines(chat(SYSTEM, USER, {**call({"code": "print(1)"}), "tool_calls": [
                                        call({"code": "print(1)"})["tool_calls"][0],
                                        call({"code": "print(2)"})["tool_calls"][0]]},
                                        {"role": "tool", "content": "1"}, ANSWER)),
                             ["train.jsonl:1: messages[2].tool_calls[1]: a tool call with no tool reply before "
                              "messages[4] (the assistant turn)"]),
    "no train.jsonl": (None, ["train.jsonl: missing: the folder needs train.jsonl"]),
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(["data", "check", str(path), "--no-tokenizers"])
    out = capsys.readouterr()
    return rc, out.out + out.err


@pytest.mark.parametrize("name", list(CASES))
def test_bad_data_is_reported_with_file_and_line(name: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    content, expected = CASES[name]
    folder = tmp_path / "data"
    folder.mkdir()
    if content is not None:
        (folder / "train.jsonl").write_bytes(content)
    (folder / "valid.jsonl").write_bytes(lines(good(100), good(101)))
    before = _snapshot(tmp_path)
    rc, out = run_check(folder, capsys)
    assert rc == 1, out
    for fragment in expected:
        assert fragment in out, f"{fragment!r} not in:\n{out}"
    assert str(folder / "train.jsonl") in out or "train.jsonl" in out
    assert "Traceback" not in out
    assert "errors (" in out and "nothing was changed" in out
    assert _snapshot(tmp_path) == before  # nothing written, nothing modified


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [good(0)] + [chat(SYSTEM, {"role": "bot", "content": f"q{i}"}, ANSWER) for i in range(60)]
    f = tmp_path / "train.jsonl"
    f.write_bytes(lines(*rows) + b"not json\n")
    rc, out = run_check(f, capsys)
    assert rc == 1
    assert "errors (61)" in out
    assert f"{f}:2: messages[1].role: unknown role 'bot'" in out
    assert "... and 21 more" in out  # the listing is capped at 40, with a count of the rest
    rc = main(["data", "check", str(f), "--no-tokenizers", "--limit", "0"])
    out = capsys.readouterr().out
    assert rc == 1 and "more" not in out
    assert f"{f}:61: messages[1].role: unknown role 'bot'" in out and f"{f}:62: invalid JSON" in out


def test_missing_path_and_missing_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_check(tmp_path / "nope", capsys)
    assert rc == 1 and "nope/train.jsonl: missing: there is no folder" in out and "Traceback" not in out
    rc, out = run_check(tmp_path / "gone.jsonl", capsys)
    assert rc == 1 and "gone.jsonl: no such file" in out
    (tmp_path / "train.jsonl").write_bytes(lines(good(0)))
    rc, out = run_check(tmp_path, capsys)
    assert rc == 1 and "valid.jsonl: missing" in out


def test_good_data_passes_with_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool_row = chat(SYSTEM, USER, call({"code": "r = typecheck('.')\nprint(r.error_count)"}),
                    {"role": "tool", "content": '{"ok": true, "stdout": "0\\n"}'}, ANSWER)
    (tmp_path / "train.jsonl").write_bytes(lines(good(0), good(1), tool_row, good(1)))
    (tmp_path / "valid.jsonl").write_bytes(lines(good(2)))
    rc, out = run_check(tmp_path, capsys)
    assert rc == 0, out
    assert "5 rows · 1 tool / 4 direct" in out
    assert "typecheck 1" in out and "ruff_check 0" in out
    assert "duplicates: 1 exact" in out and "train.jsonl:4: duplicate of train.jsonl:2" in out


def test_one_file_is_reported_by_its_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mine.jsonl"
    f.write_bytes(lines(good(0), good(1), good(2)))
    rc, out = run_check(f, capsys)
    assert rc == 0, out
    assert "  rows: mine.jsonl 3\n" in out and "file.jsonl" not in out
