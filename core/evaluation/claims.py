"""State claims in an answer ("types are clean", "all tests passed", "safe to release") checked
against the typed fields of this run's recorded tool results.

The claim patterns live in the suite data: a suite-wide list applies to every tool query, and a
query may add its own. A claim is found when one of its patterns matches and is not negated just
before ("not clean" is no claim of cleanliness) nor qualified just after ("all tests pass except
..."). It is contradicted when a recorded result of a named tool gives a field value that clashes
("clean" against ``error_count = 3``); the evidence quotes the field and its value. A claim whose
tools were never called is not contradicted here: the fact and number checks judge unsupported
answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.data.suite import StateClaim
from core.data.suite_match import negated
from core.evaluation.grounding import RecordedCall, evaluate

_QUALIFIED = re.compile(r"\A[^.\n]{0,25}?\b(?:except|apart from|other than|save for|besides|but (?:one|\d+))\b",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Contradiction:
    claim: str
    said: str
    field: str
    tool: str
    value: Any

    def evidence(self) -> str:
        return (f"contradiction: the answer says {self.said!r} ({self.claim}), but this run's {self.tool} "
                f"gives {self.field} = {self.value!r}")


def find_claim(claim: StateClaim, answer: str) -> str | None:
    """The text of the first unnegated, unqualified match of the claim, or None."""
    for pattern in claim.patterns:
        for m in re.finditer(pattern, answer, re.IGNORECASE):
            if negated(answer, m.start(), m.end()) or _QUALIFIED.search(answer[m.end():]):
                continue
            return m.group(0)
    return None


def _clashes(claim: StateClaim, calls: Sequence[RecordedCall]) -> list[tuple[str, str, Any]]:
    """(tool, field, value) for each clashing field; for mode 'all', empty unless every field clashes."""
    found: list[tuple[str, str, Any]] = []
    for clash in claim.contradicted_by:
        hit = None
        for call in calls:
            if call.name != clash.tool or call.result is None:
                continue
            try:
                value = evaluate(clash.field, call.result)
                bad = bool(eval(clash.when, {"__builtins__": {}}, {"v": value}))  # noqa: S307 - suite data
            except Exception:  # noqa: BLE001 - a field that can't be read clashes with nothing
                continue
            if bad:
                hit = (clash.tool, clash.field, value)
                break
        if hit is not None:
            found.append(hit)
        elif claim.mode == "all":
            return []
    return found


def contradictions(claims: Sequence[StateClaim], answer: str, calls: Sequence[RecordedCall]) -> list[Contradiction]:
    out: list[Contradiction] = []
    for claim in claims:
        said = find_claim(claim, answer)
        if said is None:
            continue
        clashes = _clashes(claim, calls)
        if clashes:
            tool, field, value = clashes[0]
            out.append(Contradiction(claim.name, said, field, tool, value))
    return out


__all__ = ["Contradiction", "contradictions", "find_claim"]
