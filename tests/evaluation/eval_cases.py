"""Scripted replies to the real suite's queries, scored through ``run_suite``: each call is executed
in its fixture workspace, its real output goes back as the tool turn, and the answer is scored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from eval_queries import tagged
from eval_scripted import ScriptedEngine, config, use_scripted_engine

from core.data.suite import load_suite
from core.evaluation.schema import ModelIdentity, QueryRecord
from core.evaluation.suite_run import ModelToTest, run_suite
from core.paths import DATA_DIR

SUITE_PATH = DATA_DIR / "suite" / "suite.json"


@dataclass(frozen=True)
class Case:
    label: str
    qid: str
    first: str
    answer: str | None = None
    """The answer after the tool result (tool queries)."""


def call(code: str, before: str = "") -> str:
    return before + tagged(code)


def extra_key_call(code: str) -> str:
    body = json.dumps({"name": "execute_code", "arguments": {"code": code}, "id": "call_1"})
    return f"<tool_call>\n{body}\n</tool_call>"


def run_cases(tmp_path: Path, cases: list[Case]) -> dict[str, QueryRecord]:
    """Every case scored through run_suite; the cases are spread over as few suite runs as possible
    (one reply per query per run)."""
    labels = [c.label for c in cases]
    assert len(labels) == len(set(labels)), "case labels must be unique"
    rounds: list[dict[str, Case]] = []
    for c in cases:
        slot = next((r for r in rounds if c.qid not in r), None)
        if slot is None:
            slot = {}
            rounds.append(slot)
        slot[c.qid] = c
    suite = load_suite(SUITE_PATH)
    cfg = config(tmp_path)
    ident = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused")
    out: dict[str, QueryRecord] = {}
    with pytest.MonkeyPatch.context() as mp:
        use_scripted_engine(mp)
        for r in rounds:
            first = {qid: c.first for qid, c in r.items()}
            second = {qid: c.answer for qid, c in r.items() if c.answer is not None}
            ScriptedEngine.script = (first, second)
            res = run_suite(cfg, suite, ModelToTest(ident, "c"), suite_path=SUITE_PATH, log=lambda _m: None)
            by_id = res.by_id()
            for qid, c in r.items():
                out[c.label] = by_id[qid]
    return out


def evidence(rec: QueryRecord, check: str) -> str:
    return " | ".join(getattr(rec.score, check).evidence)
