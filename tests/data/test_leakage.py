"""The leakage check: a training row holding a suite prompt, a near paraphrase of one, a direct
question's reference answer, or a held-out workspace is reported with its file:line and the query;
the real corpora have none of those."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.data.corpora import training_corpora
from core.data.leakage import (
    check,
    check_corpora,
    heldout_folders,
    rows_stating_suite_facts,
    suite_with_extension,
)
from core.paths import DATA_DIR

CORE = DATA_DIR / "suite" / "suite.json"
WORKSPACES = DATA_DIR / "workspaces"
SYSTEM = {"role": "system", "content": "You are a coding assistant."}


def _chat(user: str, answer: str, tool: str | None = None) -> dict[str, object]:
    msgs: list[dict[str, str]] = [SYSTEM, {"role": "user", "content": user}]
    if tool is not None:
        msgs += [{"role": "assistant", "content": tool}, {"role": "tool", "content": "{}"}]
    msgs.append({"role": "assistant", "content": answer})
    return {"messages": msgs}


def _corpus(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def suite():  # type: ignore[no-untyped-def]
    return suite_with_extension(CORE)[0]


def test_planted_leaks_are_found_with_file_line_and_query(tmp_path: Path, suite) -> None:  # type: ignore[no-untyped-def]
    t01 = suite.by_id("t01_inventory_mypy_lines").prompt
    paraphrase = t01.replace("I'm about to refactor", "I am going to refactor").replace("Before I start", "First")
    ext = suite.by_id("x28_ledger_overdraft_limit").prompt
    d02 = suite.by_id("d02_dataclass_namedtuple_pydantic").reference
    rows = [
        _chat("What is a list comprehension?", "A compact way to build a list from an iterable."),  # clean
        _chat(paraphrase, "Let me check."),
        _chat(f"My colleague asked: {ext} Can you help?", "Sure."),
        _chat("Which record type should I pick?", "In short: " + d02),
        _chat("Show ledger/journal.py", "Here it is.", tool='read_file("ledger/journal.py")'),
    ]
    corpus = _corpus(tmp_path / "planted.jsonl", rows)
    report = check_corpora([corpus], suite, heldout_folders(WORKSPACES))
    found = {(leak.where.rsplit(":", 1)[1], leak.kind, leak.query) for leak in report.errors}
    assert ("2", "paraphrase", "t01_inventory_mypy_lines") in found
    assert ("3", "prompt", "x28_ledger_overdraft_limit") in found
    assert ("4", "reference", "d02_dataclass_namedtuple_pydantic") in found
    assert ("5", "heldout", "ledger") in found
    assert not [leak for leak in report.leaks if leak.where.endswith(":1")]
    assert not report.ok
    text = "\n".join(report.lines(0))
    assert f"{corpus}:2: paraphrase: t01_inventory_mypy_lines" in text


def test_a_row_that_answers_a_tool_query_is_a_facts_warning(tmp_path: Path, suite) -> None:  # type: ignore[no-untyped-def]
    t03 = suite.by_id("t03_inventory_failing_test")
    name, value = (f.value for f in t03.facts)
    row = _chat("Is any test red in inventory?", f"`{name}` fails: the assertion got {value}.",
                tool="r = pytest_run('.')\nprint(r.failures)")
    report = check_corpora([_corpus(tmp_path / "c.jsonl", [row])], suite)
    assert [(leak.kind, leak.query, leak.severity) for leak in report.leaks] == [
        ("facts", "t03_inventory_failing_test", "warning")]
    assert report.ok  # warnings only
    wrong = _chat("Is any test red in inventory?", f"`{name}` fails: the assertion got {value + 1}.",
                  tool="r = pytest_run('.')\nprint(r.failures)")
    assert not check_corpora([_corpus(tmp_path / "d.jsonl", [wrong])], suite).leaks
    assert "the train stage holds such rows of a train.jsonl out of the LoRA" in report.lines()[-1]
    report.hold_out_leaking = False
    assert "hold_out_leaking = false: the LoRA trains on such rows" in report.lines()[-1]


def test_the_rows_stating_a_suite_querys_facts_are_named_by_index_with_their_queries(suite) -> None:  # type: ignore[no-untyped-def]
    """What the train stage holds out: the same rows the facts warnings name, and only those."""
    t03 = suite.by_id("t03_inventory_failing_test")
    name, value = (f.value for f in t03.facts)
    tool = "r = pytest_run('.')\nprint(r.failures)"
    rows = [_chat("What is a list comprehension?", "A compact way to build a list."),
            _chat("Is any test red in inventory?", f"`{name}` fails: the assertion got {value}.", tool=tool),
            _chat("Is any test red in inventory?", f"`{name}` fails: the assertion got {value + 1}.", tool=tool),
            _chat("Is any test red?", f"`{name}` fails: the assertion got {value}.", tool=tool)]
    assert rows_stating_suite_facts(rows, suite) == {1: ["t03_inventory_failing_test"]}
    assert rows_stating_suite_facts([], suite) == {}


def test_corpora_are_discovered_under_the_roots(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    new = _corpus(demo / "instruct" / "rows.jsonl", [])
    _corpus(demo / "models" / "log.jsonl", [])
    _corpus(demo / "cache" / "executions.jsonl", [])
    top = _corpus(tmp_path / "merged" / "train.jsonl", [])
    assert training_corpora((tmp_path / "merged", demo)) == [top.resolve(), new.resolve()]
    real = [p.relative_to(DATA_DIR.resolve()).as_posix() for p in training_corpora()]
    assert {"phase24_merged/train.jsonl", "phase24_merged/valid.jsonl", "demo/compact/train.jsonl"} <= set(real)
    assert not [p for p in real if "/cache/" in p or "/models/" in p]


def test_the_real_corpora_do_not_leak() -> None:
    report = check(training_corpora(), CORE, WORKSPACES)
    assert report.rows > 1000 and report.queries >= 100 and len(report.heldout) >= 2
    assert report.errors == [], "\n".join(report.lines(20))


def test_cli_reports_leaks_and_exits_1(tmp_path: Path, suite, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path / "rows.jsonl", [_chat(suite.by_id("e12_money_floats").prompt, "Use Decimal.")])
    assert main(["data", "leakage", str(corpus)]) == 1
    out = capsys.readouterr().out
    assert f"{corpus}:1: paraphrase: e12_money_floats" in out
    clean = _corpus(tmp_path / "clean.jsonl", [_chat("What is a list comprehension?", "A compact loop.")])
    assert main(["data", "leakage", str(clean)]) == 0
    assert main(["data", "leakage", str(tmp_path / "nope.jsonl")]) == 2
