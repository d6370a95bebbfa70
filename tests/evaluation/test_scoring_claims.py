"""State claims in other words, both ways: a paraphrase of "clean" or "failing" is found, and the same
words negated, conditional, asked or planned are not a claim (so right answers in other words pass),
while a harmless prefix or tag ("If you ask me,", "I'd say", "..., right?") leaves the claim standing."""

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
    # behind a harmless prefix, or with a tag: still a claim
    ("types clean", "If you ask me, mypy is clean."),
    ("types clean", "If I'm not mistaken, mypy is clean."),
    ("types clean", "Frankly, if you want my opinion, mypy is clean."),
    ("types clean", "mypy is clean, if you ask me."),
    ("types clean", "mypy is clean unless I misread the output."),
    ("types clean", "Even if you rerun it, mypy is clean."),
    ("types clean", "mypy is clean even if you rerun it."),
    ("types clean", "Whether or not you rerun it, mypy is clean."),
    ("types clean", "When I ran it, mypy was clean."),
    ("types clean", "Let me be clear: mypy is clean."),
    ("types clean", "I ran it to check the code and mypy is clean."),
    ("types clean", "mypy is clean, right?"),
    ("types clean", "mypy is clean, isn't it?"),
    ("types clean", "I don't doubt that mypy is clean."),
    ("types clean", "I can't deny that mypy is clean."),
    ("types clean", "There's no doubt mypy is clean."),
    ("types clean", "It's not surprising that mypy is clean."),
    ("types clean", "Not only is mypy clean, ruff is happy too."),
    ("tests pass", "I'd say the tests all pass."),
    ("tests pass", "As far as I can see, all tests pass."),
    ("lint clean", "From what I can tell, ruff is happy."),
    ("nothing blocks / safe to release", "Honestly, nothing blocks the release."),
    ("tests pass", "All tests pass as long as you run them."),
    ("types clean", "If you run it, mypy is clean."),
    # a time word that only says when the claim held
    ("types clean", "When I ran mypy it came back clean."),
    ("tests pass", "After running pytest all tests pass."),
    ("tests pass", "I ran the tests after the install and all tests pass."),
    ("lint clean", "Once ruff finished it reported no issues."),
    ("types clean", "After the run mypy is clean."),
    ("tests pass", "I ran pytest again after the rerun and all tests pass."),
    ("types clean", "When I ran mypy it came back clean, so we can release."),
    # a check mark is a claim too
    ("types clean", "✅ mypy"),
    ("types clean", "| mypy | ✅ |"),
    ("lint clean", "**ruff**: ✔️"),
    ("tests pass", "- pytest ✅ (4 passed)"),
    ("types fail", "mypy ❌"),
    ("tests fail", "❌ tests"),
    # mypy's own words, and other plain ones
    ("types clean", "Success: no issues found in 3 source files"),
    ("types clean", "mypy reports success."),
    ("types clean", "The code type-checks."),
    ("types clean", "Type errors: none."),
    ("types clean", "0 errors from mypy."),
    ("lint clean", "No violations from ruff."),
    ("tests pass", "The tests are fine."),
    ("nothing blocks / safe to release", "Everything passes."),
    ("nothing blocks / safe to release", "All checks passed."),
    ("nothing blocks / safe to release", "The release can go ahead."),
    ("nothing blocks / safe to release", "The codebase is clean."),
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
    # a real condition, a time, a question: no claim
    ("types clean", "if mypy were clean we could release."),
    ("types clean", "If you remove stock.py, mypy is clean."),
    ("types clean", "If, as you hope, mypy is clean, release."),
    ("types clean", "Assuming you fix line 26, mypy is clean."),
    ("types clean", "If you fix those lines, mypy will be clean."),
    ("types clean", "Once stock.py is fixed, mypy will be clean."),
    ("types clean", "mypy would be clean if stock.py were fixed."),
    ("types clean", "mypy will be clean once line 26 is fixed."),
    ("types clean", "mypy is clean only if you ignore stock.py."),
    ("types clean", "Unless you fix stock.py, mypy won't be clean."),
    ("types clean", "I don't think mypy is clean."),
    ("types clean", "Is mypy clean, or not?"),
    ("types clean", "I'll check whether mypy is clean and ruff is happy."),
    ("tests pass", "once all the tests pass, we ship."),
    ("tests pass", "When all tests pass, we release."),
    ("nothing blocks / safe to release", "Nothing blocks the release once the test is fixed."),
    ("lint clean", "ruff reports 1 issue. After fixing the import, ruff is clean."),
    ("lint clean", "When the import is removed, ruff is clean."),
    ("tests pass", "All tests pass when run with -k 'not remove'."),
    ("tests pass", "All tests pass after you fix line 26."),
    ("tests pass", "After fixing line 26 all tests pass."),
    ("tests pass", "After all tests pass we merge."),
    ("tests pass", "When all tests pass we can ship."),
    ("types clean", "We can release when mypy is clean."),
    ("tests pass", "If mypy is clean and all tests pass, we can release."),
    ("tests pass", "Let me see if mypy is clean and all tests pass."),
    ("tests pass", "We need to know if mypy is clean and all tests pass."),
    ("tests pass", "When mypy is clean and all tests pass, we release."),
    ("types clean", "mypy was not successful: 5 errors."),
    ("nothing blocks / safe to release", "The codebase is not clean."),
]


@pytest.mark.parametrize(("claim", "text"), FOUND)
def test_a_claim_in_other_words_is_found(claim: str, text: str) -> None:
    assert find_claim(CLAIMS[claim], text), text


@pytest.mark.parametrize(("claim", "text"), NOT_FOUND)
def test_the_same_words_negated_hedged_or_asked_are_no_claim(claim: str, text: str) -> None:
    assert find_claim(CLAIMS[claim], text) is None, text
