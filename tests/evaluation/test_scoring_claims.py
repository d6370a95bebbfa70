"""State claims in other words, both ways: a paraphrase of "clean" or "failing" is found, and the same
words negated, hedged, asked or planned are not a claim (so right answers in other words pass)."""

from __future__ import annotations

import pytest

from core.data.suite import default_claims
from core.evaluation.claims import find_claim

CLAIMS = {c.name: c for c in default_claims()}

FOUND = [
    ("types clean", "mypy is content with it."),
    ("types clean", "mypy has nothing to complain about."),
    ("types clean", "mypy doesn't complain about anything."),
    ("types clean", "No complaints from mypy."),
    ("types clean", "The type checker came back empty."),
    ("lint clean", "ruff has nothing to complain about."),
    ("lint clean", "ruff finds no issues at all."),
    ("lint clean", "The linter is quiet."),
    ("lint clean", "The code is lint-free."),
    ("tests pass", "The suite is all green."),
    ("tests pass", "None of the tests fail."),
    ("tests pass", "Every single test is passing."),
    ("tests pass", "pytest doesn't report any failures."),
    ("nothing blocks / safe to release", "It's all green."),
    ("nothing blocks / safe to release", "All green."),
    ("nothing blocks / safe to release", "CI would be green."),
    ("nothing blocks / safe to release", "Good to ship."),
    ("types fail", "mypy complains about five lines."),
    ("types fail", "The type checker reports several errors."),
    ("lint fails", "ruff flags 6 rules."),
    ("tests fail", "The suite is red."),
    ("tests fail", "There is a failing test."),
]

NOT_FOUND = [
    ("types clean", "mypy is far from content."),
    ("types clean", "mypy has plenty to complain about."),
    ("types clean", "It is not true that mypy has nothing to complain about."),
    ("types clean", "Let me check whether mypy is clean."),
    ("types clean", "Is mypy happy?"),
    ("types clean", "I'll run mypy first."),
    ("types clean", "mypy doesn't pass."),
    ("lint clean", "ruff has 6 things to complain about."),
    ("lint clean", "ruff is anything but quiet."),
    ("tests pass", "Not all tests pass."),
    ("tests pass", "3 passed and 1 skipped."),
    ("nothing blocks / safe to release", "It is not all green: one test fails."),
    ("nothing blocks / safe to release", "Let me see if everything is green."),
    ("types fail", "mypy doesn't complain."),
    ("types fail", "mypy has no objections."),
    ("lint fails", "ruff has no complaints."),
    ("tests fail", "Not a single test fails."),
]


@pytest.mark.parametrize(("claim", "text"), FOUND)
def test_a_claim_in_other_words_is_found(claim: str, text: str) -> None:
    assert find_claim(CLAIMS[claim], text), text


@pytest.mark.parametrize(("claim", "text"), NOT_FOUND)
def test_the_same_words_negated_hedged_or_asked_are_no_claim(claim: str, text: str) -> None:
    assert find_claim(CLAIMS[claim], text) is None, text
