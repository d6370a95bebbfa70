"""Direct answers: advice that reverses the reference fails even when it uses the rubric's words,
right advice in other words still passes, a call quoted as an example is not a call, and the
optional model judge records its grade beside the rubric's (through run_suite on the real suite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_cases import Case, evidence, run_cases

from core.config import JudgeSection
from core.data.suite import load_suite
from core.evaluation.judge import agreement, apply_judge, judge_lines, judge_results, read_verdict
from core.evaluation.schema import QueryRecord, ResultsFile
from core.paths import DATA_DIR

SUITE = load_suite(DATA_DIR / "suite" / "suite.json")

OTHER_WORDS = {
    "d01_protocol_vs_abc": "With typing.Protocol a class fits just by having the right methods: no need to inherit "
                           "from it, which suits third-party classes you can't modify; mypy checks it statically. An "
                           "ABC only accepts classes that subclass it or are registered.",
    "d03_shared_expensive_resource": "Open the connection once in a session-scoped fixture in conftest.py, yield it and "
                                     "close it afterwards; a function-scoped fixture wraps each test in a transaction "
                                     "that it rolls back, so the tests stay independent.",
    "d04_asyncio_when_faster": "asyncio pays off when the program mostly waits on the network: the event loop runs other "
                               "tasks meanwhile. For CPU-bound number crunching it does nothing, since it is one "
                               "thread, and time.sleep stalls the loop. Use processes for CPU work.",
    "d06_pin_library_dependencies": "No. Exact pins in a library clash with the other packages your users install and "
                                    "the resolver gives up. Declare a lower bound such as requests>=2.28 and test "
                                    "the oldest and newest versions; lock files belong to applications.",
    "d07_any_vs_object": "`object` is the top type: anything can be assigned to it, but you must narrow it with "
                         "isinstance before using it, which keeps it type-safe. `Any` turns checking off and is "
                         "compatible with every type both ways; keep it as an escape hatch.",
}
REVERSED = {
    "d01_protocol_vs_abc": ("A Protocol requires you to explicitly inherit from it, while an ABC is matched "
                            "structurally by mypy, so it suits third-party classes; isinstance works too.",
                            "no inheritance", "Protocol requires you to explicitly inherit"),
    "d02_dataclass_namedtuple_pydantic": ("A dataclass validates types at runtime and a NamedTuple is mutable; "
                                          "pydantic parses JSON from an API at some overhead cost.",
                                          "validation", "dataclass validates"),
    "d04_asyncio_when_faster": ("asyncio speeds up CPU-bound work because the event loop spreads tasks over "
                                "multiple cores; I/O waiting is where it blocks.", "cpu-bound",
                                "speeds up CPU-bound"),
    "d05_editable_install": ("`pip install -e .` builds a wheel and copies the package into site-packages, while "
                             "`pip install .` points back to your source, so changes take effect immediately; use "
                             "the editable one for production.", "copy vs link",
                             "-e .` builds a wheel and copies the package"),
    "d06_pin_library_dependencies": ("Yes, pin exact versions: exact pins prevent conflicts with other libraries; "
                                     "applications can use ranges and a lock file.", "no, ranges", "Yes, pin"),
    "d07_any_vs_object": ("`object` disables type checking, so you can call any method on object, while `Any` is "
                          "type-safe and must be narrowed with isinstance; object is the top type, Any is safe.",
                          "any disables checks", "object` disables type check"),
}
REVERSED_OTHER_WORDS = {
    "d04_asyncio_when_faster": ("asyncio makes any program faster because the event loop overlaps work; CPU-heavy "
                                "loops benefit most since coroutines run concurrently. Blocking I/O is fine too.",
                                "cpu-bound"),
    "d06_pin_library_dependencies": ("No need for ranges: lock each dependency with == to the version you tested, so "
                                     "users get exactly that; applications do the same with a lock file. Conflicts "
                                     "with other packages are rare.", "no, ranges"),
    "d07_any_vs_object": ("`Any` is the top type and every value is one, so the checker makes you narrow it with "
                          "isinstance; it is the type-safe choice. `object` switches the checks off and is "
                          "compatible both ways.", "top type"),
}
QUOTED = ("A Protocol is structural: a class matches it without inheriting from it, so mypy accepts third-party "
          "classes too. For example, a model asked to type-check would emit "
          '{"name": "execute_code", "arguments": {"code": "print(typecheck())"}} and then explain the result, '
          "but here no tool is needed.")

CASES = ([Case(f"reference {q.id}", q.id, q.reference or "") for q in SUITE.direct_queries]
         + [Case(f"other words {qid}", qid, text) for qid, text in OTHER_WORDS.items()]
         + [Case(f"reversed {qid}", qid, text) for qid, (text, _, _) in REVERSED.items()]
         + [Case(f"reversed in other words {qid}", qid, text) for qid, (text, _) in REVERSED_OTHER_WORDS.items()]
         + [Case("quoted call in prose", "d01_protocol_vs_abc", QUOTED)])


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryRecord]:
    return run_cases(tmp_path_factory.mktemp("direct"), CASES)


@pytest.mark.parametrize("label", [c.label for c in CASES if not c.label.startswith(("reversed", "quoted"))])
def test_right_advice_passes_in_the_reference_words_or_others(scored: dict[str, QueryRecord], label: str) -> None:
    rec = scored[label]
    assert rec.score.strict_pass, evidence(rec, "quality")
    assert "contradicts" not in evidence(rec, "quality")


@pytest.mark.parametrize("qid", list(REVERSED))
def test_reversed_advice_fails_and_shows_what_it_said(scored: dict[str, QueryRecord], qid: str) -> None:
    _, group, said = REVERSED[qid]
    rec = scored[f"reversed {qid}"]
    assert rec.score.quality.passed is False and not rec.score.strict_pass
    assert f"contradicts the reference ({group}): {said!r}" in evidence(rec, "quality")


@pytest.mark.parametrize("qid", list(REVERSED_OTHER_WORDS))
def test_properties_swapped_in_other_words_still_fail(scored: dict[str, QueryRecord], qid: str) -> None:
    rec = scored[f"reversed in other words {qid}"]
    assert not rec.score.strict_pass
    assert f"contradicts the reference ({REVERSED_OTHER_WORDS[qid][1]}):" in evidence(rec, "quality")


def test_a_call_quoted_as_an_example_is_not_a_call(scored: dict[str, QueryRecord]) -> None:
    rec = scored["quoted call in prose"]
    assert not rec.call.has_call and "call_quoted_in_prose" in rec.call.flags
    assert rec.score.discrimination.passed is True and rec.execution is None
    # the rubric still forbids naming the tool in a direct answer
    assert "forbidden pattern /execute_code/ found" in evidence(rec, "quality")


def _results(scored: dict[str, QueryRecord], labels: list[str]) -> ResultsFile:
    from core.evaluation.scoring import aggregate

    recs = [scored[label] for label in labels]
    base = ResultsFile.model_construct(queries=recs, aggregates=aggregate(recs), notes=[])
    return base


def test_the_judge_is_recorded_beside_the_rubric_and_decides_only_when_asked(scored: dict[str, QueryRecord]) -> None:
    labels = ["reference d06_pin_library_dependencies", "reversed d06_pin_library_dependencies"]
    replies = iter(["PASS: says no and explains the clash", "PASS: fine"])
    cfg = JudgeSection(path="judge-model")
    out = apply_judge(_results(scored, labels), SUITE, cfg, lambda prompts: [next(replies) for _ in prompts])
    good, bad = out.queries
    assert good.score.judge is not None and good.score.judge.passed and good.score.judge.rubric_passed
    assert bad.score.judge is not None and bad.score.judge.passed and bad.score.judge.rubric_passed is False
    assert not bad.score.strict_pass  # the rubric decides
    assert "judge (judge-model): pass - fine (the rubric decides)" in evidence(bad, "quality")
    a = agreement(out.queries)
    assert (a.graded, a.agree, a.judge_only, a.rubric_only) == (2, 1, 1, 0)
    assert a.describe().startswith("rubric and judge agree on 1/2 direct answers (50%)")
    assert judge_lines({"candidate": out.queries, "baseline": []}) == [
        "Model judge of the direct answers (beside the rubric):", "",
        "- candidate: rubric and judge agree on 1/2 direct answers (50%); rubric-only passes 0, judge-only "
        "passes 1", ""]
    assert judge_lines({"candidate": list(scored.values())}) == []  # no judge, nothing in the report

    deciding = apply_judge(_results(scored, labels), SUITE, cfg.model_copy(update={"decides": True}),
                           lambda prompts: ["FAIL: too vague", "PASS: fine"])
    good, bad = deciding.queries
    assert not good.score.strict_pass and bad.score.strict_pass
    assert evidence(good, "quality").startswith("judge decides: judge (judge-model): fail - too vague")
    assert deciding.aggregates.strict_passes == 1


def test_an_unreadable_judge_reply_leaves_the_rubric_in_charge(scored: dict[str, QueryRecord]) -> None:
    assert read_verdict("pass - it covers the points") == (True, "it covers the points")
    assert read_verdict("Verdict:\nFAIL: wrong advice") == (False, "wrong advice")
    passed, why = read_verdict("!s `")
    assert passed is None and "no PASS/FAIL line" in why
    cfg = JudgeSection(path="judge-model", decides=True)
    out = apply_judge(_results(scored, ["reference d07_any_vs_object"]), SUITE, cfg, lambda p: ["!s `"])
    rec = out.queries[0]
    assert rec.score.strict_pass and rec.score.judge is not None and rec.score.judge.passed is None
    assert agreement(out.queries).unreadable == 1


def test_the_judge_path_runs_a_demo_stand_in_model(scored: dict[str, QueryRecord], tmp_path: Path) -> None:
    """The judge loads and runs a real mlx-lm model: here the demo's tiny stand-in, labelled as one
    (its grades mean nothing)."""
    from eval_scripted import config

    model = DATA_DIR / "demo" / "models" / "tiny-qwen2.5-coder"
    cfg = config(tmp_path)
    cfg.evaluation.judge = JudgeSection(path=str(model), stand_in=True, max_tokens=8)
    labels = [f"reference {q.id}" for q in SUITE.direct_queries[:3]]
    logs: list[str] = []
    out = judge_results(cfg, SUITE, _results(scored, labels), log=logs.append)
    for rec in out.queries:
        j = rec.score.judge
        assert j is not None and j.stand_in and j.model == str(model) and not j.decides
        assert j.reason and "\n" not in j.reason
        assert rec.score.strict_pass  # the rubric decides
        assert "stand-in judge (" in evidence(rec, "quality")
    assert "stand-in judge" in logs[0] and "stand-in judge" in logs[-1]
    assert "stand-in judge" in out.notes[-1]
