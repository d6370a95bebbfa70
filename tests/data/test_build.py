"""The committed training set: rebuilt byte for byte from the seed, grounded in real tool runs,
split without leaks, and disjoint from the suite."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from core.cli import main
from core.data.build import builder
from core.data.build.builder import CACHE_PATH, COMPACT_RESPONSE_CHARS, DEMO_DIR, OUT_DIR, build
from core.data.build.execcache import KEPT, CacheError, ExecCache
from core.data.similarity import NEAR_DUPLICATE, matches_suite, similar_pairs
from core.data.suite import load_suite
from core.paths import DATA_DIR

FILES = [OUT_DIR / "train.jsonl", OUT_DIR / "valid.jsonl", DEMO_DIR / "train.jsonl", DEMO_DIR / "valid.jsonl"]


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def full() -> dict[str, list[dict]]:
    return {"train": rows(OUT_DIR / "train.jsonl"), "valid": rows(OUT_DIR / "valid.jsonl")}


def is_tool(row: dict) -> bool:
    return any(m.get("tool_calls") for m in row["messages"])


def test_rebuild_from_the_cache_is_byte_for_byte_identical(tmp_path: Path) -> None:
    cache = tmp_path / "executions.jsonl"
    shutil.copy(CACHE_PATH, cache)
    report = build(tmp_path / "full", tmp_path / "compact", cache_path=cache, offline=True)
    assert report.executed == 0 and report.tool == 419 and report.direct == 438
    built = [tmp_path / "full" / "train.jsonl", tmp_path / "full" / "valid.jsonl",
             tmp_path / "compact" / "train.jsonl", tmp_path / "compact" / "valid.jsonl"]
    for new, committed in zip(built, FILES, strict=True):
        assert new.read_bytes() == committed.read_bytes(), f"{committed} differs from a rebuild"
    assert cache.read_bytes() == CACHE_PATH.read_bytes()  # the cache holds exactly the runs used


def _conflicted_cache(tmp_path: Path) -> Path:
    lines = CACHE_PATH.read_text(encoding="utf-8").splitlines(keepends=True)
    cache = tmp_path / "cache" / "executions.jsonl"
    cache.parent.mkdir()
    cache.write_text("".join(lines[:4] + ["<<<<<<< HEAD\n"] + lines[4:6] + ["=======\n", '{"v": 1, "key": 3}\n']
                             + lines[6:]), encoding="utf-8")
    return cache


def test_a_damaged_cache_line_is_named_by_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    cache = _conflicted_cache(tmp_path)
    with pytest.raises(CacheError) as exc:
        ExecCache(cache)
    message = str(exc.value)
    assert f"{cache}:5: a merge-conflict marker (<<<<<<<)" in message
    assert f"{cache}:8: a merge-conflict marker (=======)" in message
    assert f"{cache}:9: key: missing or not a string" in message
    before = hashlib.sha256(cache.read_bytes()).hexdigest()

    # `phase25 data build`: a clear message, no traceback, nothing written
    out, demo = tmp_path / "full", tmp_path / "compact"
    monkeypatch.setattr(builder, "build", functools.partial(build, out, demo, cache_path=cache))
    assert main(["data", "build", "--offline"]) == 1
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "data build failed" in text and f"{cache}:5: a merge-conflict marker" in text
    assert "Traceback" not in text and not out.exists() and not demo.exists()
    # `--check` names the committed file, not its temporary copy
    monkeypatch.setattr(builder, "CACHE_PATH", cache)
    assert main(["data", "build", "--check", "--offline"]) == 1
    printed = capsys.readouterr()
    assert f"{cache}:9: key" in printed.out + printed.err and "Traceback" not in printed.out + printed.err
    assert hashlib.sha256(cache.read_bytes()).hexdigest() == before


def test_cached_runs_match_fresh_runs_of_the_same_programs() -> None:
    """The cache is what the tools really print: re-run a deterministic sample (every tool, both
    passing and failing workspaces) without the cache and compare every kept field."""
    from core.codemode.executor import execute_code

    cache = ExecCache(CACHE_PATH)
    entries = sorted(cache.entries.values(), key=lambda r: r.key)
    sample, seen = [], set()
    for tool in ("typecheck(", "ruff_check(", "pytest_run(", "read_file(", "run_command("):
        for ws in ("inventory", "textstats", "clean_service"):
            hit = next((r for r in entries if tool in r.code and r.workspace == ws and r.key not in seen), None)
            if hit and len(sample) < 9:
                sample.append(hit)
                seen.add(hit.key)
    assert {r.workspace for r in sample} == {"inventory", "textstats", "clean_service"}
    for run in sample:
        fresh = execute_code(run.code, DATA_DIR / "workspaces" / run.workspace)
        assert {k: getattr(fresh, k) for k in KEPT} == run.result, run.code


def test_counts_balance_and_every_tool_covered(full: dict[str, list[dict]]) -> None:
    all_rows = full["train"] + full["valid"]
    assert len(all_rows) == 857
    tool_rows = [r for r in all_rows if is_tool(r)]
    assert len(tool_rows) >= 419 and len(all_rows) - len(tool_rows) == 857 - len(tool_rows)
    per_tool: Counter[str] = Counter()
    multi = 0
    for r in tool_rows:
        code = r["messages"][2]["tool_calls"][0]["function"]["arguments"]["code"]
        used = {t for t in ("typecheck", "ruff_check", "pytest_run", "read_file", "run_command") if f"{t}(" in code}
        per_tool.update(used)
        multi += len(used) > 1
    assert min(per_tool.values()) >= 40 and len(per_tool) == 5
    assert multi >= 50  # combinations such as lint then typecheck
    assert any('k="' in r["messages"][2]["tool_calls"][0]["function"]["arguments"]["code"] for r in tool_rows)
    assert any("start=" in r["messages"][2]["tool_calls"][0]["function"]["arguments"]["code"] for r in tool_rows)
    assert 0.08 <= len(full["valid"]) / len(all_rows) <= 0.12
    assert Counter(is_tool(r) for r in full["valid"])[True] >= 30


def test_tool_rows_have_the_code_mode_shape(full: dict[str, list[dict]]) -> None:
    for r in full["train"] + full["valid"]:
        roles = [m["role"] for m in r["messages"]]
        assert r["tools"][0]["function"]["name"] == "execute_code"
        if is_tool(r):
            assert roles == ["system", "user", "assistant", "tool", "assistant"]
            args = r["messages"][2]["tool_calls"][0]["function"]["arguments"]
            assert isinstance(args, dict) and set(args) == {"code"}  # an object, never a JSON string
            response = json.loads(r["messages"][3]["content"])
            assert response["ok"] is True
            assert "/tmp/" not in r["messages"][3]["content"] and "codemode-" not in r["messages"][3]["content"]
            assert "duration" not in r["messages"][2]["tool_calls"][0]["function"]["arguments"]["code"]
        else:
            assert roles == ["system", "user", "assistant"]


COUNT = re.compile(r"^(errors|violations|type_errors|matching|failed|passed): (\d+)$", re.M)


def test_answers_state_the_numbers_the_tools_printed(full: dict[str, list[dict]]) -> None:
    """Grounding: a count the program printed is the count the answer states."""
    checked = 0
    for r in full["train"] + full["valid"]:
        if not is_tool(r):
            continue
        stdout = json.loads(r["messages"][3]["content"])["stdout"]
        answer = r["messages"][4]["content"]
        for key, n in COUNT.findall(stdout):
            if key in ("errors", "violations", "type_errors") and n != "0":
                assert re.search(rf"(?<![\d:]){n}(?!\d)", answer), (key, n, stdout, answer)
                checked += 1
            if key in ("errors", "violations") and n == "0" and stdout.startswith(f"{key}: 0"):
                assert re.search(r"\b(no|0|nothing|clean|cleanly)\b", answer, re.I), (stdout, answer)
    assert checked > 60


def test_no_near_duplicate_crosses_the_split(full: dict[str, list[dict]]) -> None:
    def sig(r: dict) -> str:
        return r["messages"][1]["content"] + "\n" + r["messages"][-1]["content"]

    pairs = similar_pairs([sig(r) for r in full["valid"]], [sig(r) for r in full["train"]], NEAR_DUPLICATE)
    assert pairs == []


def test_no_training_row_matches_a_suite_query(full: dict[str, list[dict]]) -> None:
    prompts = [q.prompt for q in load_suite(DATA_DIR / "suite" / "suite.json").queries]
    hits = [(r["messages"][1]["content"], prompts[m[0]]) for r in full["train"] + full["valid"]
            if (m := matches_suite(r["messages"][1]["content"], prompts))]
    assert hits == []
    # the check itself bites: a lightly reworded suite prompt is caught
    assert matches_suite(prompts[0].replace("I'm about to", "I am going to"), prompts)


def test_compact_rows_are_the_same_rows_with_the_compact_prompt(full: dict[str, list[dict]]) -> None:
    from core.codemode.prompt import system_prompt

    for split in ("train", "valid"):
        compact = rows(DEMO_DIR / f"{split}.jsonl")
        assert len(compact) == len(full[split])
        for a, b in zip(full[split], compact, strict=True):
            assert b["messages"][0]["content"] == system_prompt(compact=True)
            # the compact prompt lists the tools itself: no template tools block in the demo rows
            assert "tools" not in b and a["tools"][0]["function"]["name"] == "execute_code"
            assert [m["content"] for m in a["messages"][1:] if m["role"] != "tool"] == \
                   [m["content"] for m in b["messages"][1:] if m["role"] != "tool"]
            if is_tool(a):  # the same tool result, its stdout cut to COMPACT_RESPONSE_CHARS
                full_out = json.loads(a["messages"][3]["content"])["stdout"]
                short = json.loads(b["messages"][3]["content"])
                kept = short["stdout"][:COMPACT_RESPONSE_CHARS]
                assert full_out.startswith(kept) and len(kept) == min(len(full_out), COMPACT_RESPONSE_CHARS)
                assert short.get("truncated", False) == (len(full_out) > COMPACT_RESPONSE_CHARS) or \
                    json.loads(a["messages"][3]["content"]).get("truncated", False)


def test_per_assistant_turn_gives_the_call_its_own_row(full: dict[str, list[dict]]) -> None:
    from core.data.turns import expand, per_assistant_turn

    tool_row = next(r for r in full["train"] if is_tool(r))
    call_row, answer_row = per_assistant_turn(tool_row)
    assert call_row["messages"][-1]["tool_calls"][0]["function"]["name"] == "execute_code"  # trained under mask_prompt
    assert answer_row == tool_row and call_row["tools"] == tool_row["tools"]
    direct = next(r for r in full["train"] if not is_tool(r))
    assert per_assistant_turn(direct) == [direct]
    assert len(expand(full["train"])) == len(full["train"]) + sum(map(is_tool, full["train"]))
