"""State claims in an answer ("types are clean", "all tests passed", "safe to release") checked
against the typed fields of this run's recorded tool results.

The claim patterns live in the suite data: a suite-wide list applies to every tool query, and a
query may add its own. A claim is found when one of its patterns matches and is not negated just
before ("not clean", "far from content" are no claims of cleanliness), nor qualified just after
("all tests pass except ..."), nor conditional ("if mypy were clean", "If you remove stock.py, mypy
is clean", "clean once line 26 is fixed"), nor part of a question or a plan ("Let me see whether
mypy is clean."). A harmless prefix or tag leaves a claim standing: a clause about the speaking ("If
you ask me,", "unless I misread"), a concession ("even if you rerun it,"), "I'd say", "Honestly,",
"..., right?", "I don't doubt that". A pattern that spells its own negation ("ruff has nothing to complain about") is negated
only by the words before it. It is contradicted when a recorded result of a named tool gives a field value that clashes
("clean" against ``error_count = 3``); the evidence quotes the field and its value. A claim is
unsupported when none of its tools ran ("All tests pass" when only mypy ran: nothing this run did
says so) and one of them is a tool the query expects or the claim names ("the types are fine" on a query
that only reads a file is noted, not failed), or when they ran only on files the code had changed
(``grounding.set_aside``): the result it rests on was made by the code. A time word governs what follows it
in its clause only as a condition ("After fixing the import ruff is clean", "When all tests pass, we
release"): "When I ran mypy it came back clean" is a claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.data.suite import StateClaim
from core.data.suite_match import negated
from core.evaluation.grounding import RecordedCall, evaluate

_OWN_NEGATION = re.compile(r"n't|\bnot\b|\bnothing\b|\bnone\b|\bno\b|\bnever\b")
"""A pattern that spells a negation itself ("ruff has nothing to complain about", "no test fails"):
the negation inside its match is the claim, so only the words before it can negate it."""
_FAR_FROM = re.compile(r"\b(?:far from|anything but|by no means|less than|not quite|not entirely|not all|"
                       r"not yet|not fully|hardly|barely)\b", re.IGNORECASE)
_GOVERNING = re.compile(
    r"\b(?:whether|if|once|when(?:ever)?|unless|until|as soon as|as long as|provided|providing|assuming|suppose|"
    r"supposing|in case|after|before|let me|let's|let us|(?:i'll|i will|i'm going to|we'll) (?:check|run|see|"
    r"verify|confirm|look|find out)|to (?:see|check|confirm|verify|find out|make sure)|check (?:that|if))\b",
    re.IGNORECASE)
"""Words that keep what follows them in the same clause from being asserted: a condition ("if mypy
were clean"), a time ("when all tests pass"), a question or a plan ("let me check whether")."""
_PLAN = re.compile(r"let|i'll|i will|i'm going|we'll|to |check", re.IGNORECASE)
_ASKING = re.compile(r"\A(?:whether|let|i'll|i will|i'm going|we'll|to |check)", re.IGNORECASE)
"""A question or a plan: an "and" after it joins what is asked ("I'll check whether mypy is clean and ruff is happy")."""
_ASKS_IF = re.compile(r"\b(?:see|know|check|ask|wonder|tell|verify|confirm|sure)\s+\Z", re.IGNORECASE)
"""... and an "if" after a verb of asking ("We need to know if mypy is clean and all tests pass")."""
_AND = re.compile(r"\b(?:and|but|so)\b", re.IGNORECASE)
_TIME = re.compile(r"\A(?:when(?:ever)?|after|before|once|until|as soon as)\Z", re.IGNORECASE)
_CONDITION = re.compile(r"\A(?:if|unless|once|when(?:ever)?|after|as soon as|as long as|provided|providing|assuming|"
                        r"suppose|supposing|in case)\b", re.IGNORECASE)
"""A clause that conditions the main clause, after its comma too, when it is about changing the code ("If you
remove stock.py, mypy is clean", "After fixing the import, ruff is clean"); "before" and "until" do not."""
_NOT_MAIN = (r"(?!(?:and|but|so|though|although|which|as|right|isn't|is|doesn't|don't|too|now|again|here|there|already|"
             r"anyway|yet|then|on|in|for|with|at|by|from|of|to|under|across|after|before|today)\b)")
_MAIN_AFTER = re.compile(rf"\A[^,;:\u2013\u2014.!?]*?(?:[,;:\u2013\u2014]|\s-\s)\s*{_NOT_MAIN}[\w'’]+\s+\w",
                         re.IGNORECASE)
"""A main clause after the match's clause ("When all tests pass, we release", "When mypy is clean and all tests
pass, we release"): the match is in the clause the word before it opened."""
_MAIN_RIGHT_AFTER = re.compile(rf"\A\s+{_NOT_MAIN}[\w'’]+\s+\w", re.IGNORECASE)
"""... or, with the match right after the word, a main clause straight after it ("After all tests pass we merge")."""
_SPEAKER = re.compile(
    r"\A(?:even (?:if|when|though)\b|whether or not\b|(?:if|unless)\s+(?:you ask me|i(?:'m| am) (?:honest|being "
    r"honest|not mistaken|right|mistaken|wrong|reading (?:this|it|the output) (?:right|correctly))|i (?:may|might)"
    r"(?: say so| add)?\b|i had to (?:guess|bet|say)|you want my (?:opinion|take|view)|anything|memory serves|"
    r"i recall|i remember|i (?:read|understand) (?:this |it |the output )?(?:right|correctly)|i misread))",
    re.IGNORECASE)
"""Clauses about the speaking or the reading, and concessions, not conditions on the code ("If you ask
me, mypy is clean", "unless I misread the output", "even if you rerun it"): the claim beside them stands."""
_TAIL_CONDITION = re.compile(r"\b(?:only |even )?(?:(if|unless|once|as long as|provided|providing|assuming|"
                             r"in case)|(when(?:ever)?|after|as soon as))\b", re.IGNORECASE)
"""A condition after the match: with a modal in the match, or about changing the code (both groups)."""
_CHANGE = re.compile(r"\b(?:fix|chang|remov|ignor|skip|exclud|updat|patch|add|delet|rewrit|re-?run|correct|resolv|"
                     r"address|repair|drop|renam|edit|refactor|appl|merg|revert|replac|deselect|filter)\w*|(?<![\w-])-k\s",
                     re.IGNORECASE)
"""A condition about changing the code ("if you fix stock.py") or what runs ("when run with -k 'not slow'"); a
condition without one ("as long as you run them") conditions nothing the run did not already check, so the claim
stands."""
_MODAL = re.compile(r"\b(?:would|could|might|will|should|shall|can|may)\b|['’]ll\b", re.IGNORECASE)
_SEP = re.compile(r"[,;:\u2013\u2014]|\s-\s")
_PARENTHESIS = re.compile(r"\A\s*(?:[,;:\u2013\u2014]|\s-\s)[^,;:\u2013\u2014]*(?:[,;:\u2013\u2014]|\s-\s)")
_TAG_QUESTION = re.compile(r",\s*(?:[\w'’]+\s*){1,4}\?\s*\Z")
"""'mypy is clean, right?', 'isn't it?': a statement with a tag, not a question ..."""
_ASKS = re.compile(r"\A\s*(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|may|might|what|"
                   r"which|who|why|how|where|when)\b", re.IGNORECASE)
"""... unless the sentence asks ('Is mypy clean, or not?')."""
_AFFIRMING = re.compile(r"\b(?:(?:do|does|did|ca|can|could|would|wo|will)(?:n['’]t| not)|cannot|never|not)\s+(?:doubt|deny|"
                        r"dispute|question)(?:s|ed)?\b|\bno (?:doubt|question|wonder)\b|\bnot (?:only|just|"
                        r"surprising(?:ly)?|a surprise)\b", re.IGNORECASE)
"""Negative words that assert what follows ("I don't doubt that", "not only"): no negation of it."""
_NAMES_TOOL = {
    "typecheck": re.compile(r"\bmypy\b|\btype[- ]?check|\btype errors?\b", re.IGNORECASE),
    "ruff_check": re.compile(r"\bruff\b|\blint", re.IGNORECASE),
    "pytest_run": re.compile(r"\bpytest\b|\btests\b|\bsuite\b|\btest run\b|\b(?:every|each|no|any) (?:single )?test\b",
                             re.IGNORECASE),
}
"""A claim's words that name the tool itself ("mypy", "type check", "ruff", "lint", "pytest", "the tests",
"the suite"); "the types are fine", "the code style", "the total test is failing" name none."""
_SENTENCE_START = re.compile(r"[.!?](?=\s|\Z)\s*|\n\s*")
"""A sentence ends at a mark followed by a space (not the dot of ``stock.py``), or a line break."""
_QUALIFIED = re.compile(r"\A[^.\n]{0,25}?\b(?:except|apart from|other than|save for|besides|but (?:one|\d+))\b",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Contradiction:
    claim: str
    said: str
    field: str
    tool: str
    value: Any
    aside: str = ""
    """Set when no sound result of the claim's tools exists, only results on changed files: why."""
    fails: bool = True
    """False for a claim about a tool the run never ran that the query does not expect and the claim does
    not name: noted in the evidence, no failure."""

    def evidence(self) -> str:
        if not self.fails:
            return (f"claim not checked: the answer says {self.said!r} ({self.claim}), but {self.aside} (neither a "
                    "tool this query expects nor named in the claim: not counted against it)")
        if self.aside:
            return f"unsupported claim: the answer says {self.said!r} ({self.claim}), but {self.aside}"
        return (f"contradiction: the answer says {self.said!r} ({self.claim}), but this run's {self.tool} "
                f"gives {self.field} = {self.value!r}")


def _sentence_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The sentence's words before ``start``, and the rest of it from ``end`` (with its end mark)."""
    cuts = list(_SENTENCE_START.finditer(text, 0, start))
    head = text[cuts[-1].end() if cuts else 0:start]
    tail = re.match(r"(?:[^.!?\n]|[.!?](?=\S))*[.!?]?", text[end:])
    return head, tail.group(0) if tail else ""


def _governed(head: str, said: str, tail: str) -> bool:
    """Whether a condition, a time, a question or a plan in the sentence's words before the match keeps it
    from being asserted. Only the nearest such word counts, and only in the same clause ("if mypy were
    clean"), or as a condition about changing the code on the main clause ("If you remove stock.py, mypy
    is clean", "After fixing the import, ruff is clean"), or before a main clause with a modal ("When you
    fix it, mypy will be clean"); a clause about the speaking ("If you ask me, mypy is clean") or a time
    the claim happened in ("When I ran it, mypy was clean") leaves the claim standing. Without a separator
    between them, a time word governs only a clause about changing the code ("After fixing line 26 all
    tests pass"), one with a modal ("When all tests pass we can ship"), or one a main clause follows ("When
    all tests pass, we release", "After all tests pass we merge"); "When I ran mypy it came back clean"
    and "After the run mypy is clean" are claims. An "and" ends the
    clause of any word but a question or a plan's ("I ran the tests after the install and all tests pass")
    unless a main clause follows ("If mypy is clean and all tests pass, we can release")."""
    hedges = list(_GOVERNING.finditer(head))
    if not hedges:
        return False
    word = hedges[-1]
    between = head[word.end():]
    if _PLAN.match(word.group(0)) and _AND.search(between):
        return False  # "I ran mypy to check the code and mypy is clean": the plan ended at "and"
    aside = _PARENTHESIS.match(between)  # "If, as you say, mypy is clean"
    if aside is not None:
        between = between[aside.end():]
    cut = _SEP.search(between)
    if cut is None:
        main_follows = _MAIN_AFTER.match(tail) is not None or (not between.strip() and _MAIN_RIGHT_AFTER.match(tail)
                                                                is not None)
        asking = any(_ASKING.match(h.group(0)) for h in hedges) or _ASKS_IF.search(head[:word.start()]) is not None
        if _AND.search(between) and not asking and not main_follows:
            return False
        if not _TIME.match(word.group(0)):
            return True
        clause = head + said + _SEP.split(tail, 1)[0]  # "We can release when mypy is clean"
        changes = _CONDITION.match(word.group(0)) is not None and _CHANGE.search(between) is not None
        return changes or main_follows or _MODAL.search(clause) is not None
    even = head[max(0, word.start() - 5):word.start()].lower() == "even "
    clause = ("even " if even else "") + word.group(0) + between[:cut.start()]
    if _SPEAKER.match(clause):
        return False
    main = between[cut.end():] + said
    if _CONDITION.match(clause) and _CHANGE.search(clause):
        return True
    return _MODAL.search(main) is not None


def _conditioned_after(tail: str, said: str) -> bool:
    """A condition after the match, in its clause: with a modal in the match ("mypy would be clean if",
    "will be clean after the fix"), or about changing the code ("clean only if you ignore stock.py", "all
    tests pass after you fix line 26"); not a clause about the speaking ("mypy is clean, if you ask me")."""
    m = _TAIL_CONDITION.search(tail)
    if m is None or _SEP.search(tail[:m.start()].rstrip(" ,-\u2013\u2014")) is not None:
        return False  # no condition in the rest of the match's clause
    if m.group(0).lower().startswith("even"):
        return False  # a concession: "clean even if you rerun it"
    if _SPEAKER.match(tail[m.start(1) if m.group(1) else m.start(2):]):
        return False
    return _MODAL.search(said) is not None or _CHANGE.search(tail[m.end():]) is not None


def _not_a_claim(pattern: str, text: str, start: int, end: int) -> bool:
    """Negated ("not clean", "far from content"), qualified ("all pass except one"), conditional ("if
    mypy were clean", "clean once line 26 is fixed"), a question or a plan ("Let me check whether mypy
    is clean.", "Is ruff happy?"): no claim of the state. A harmless prefix ("If you ask me,", "I'd
    say", "Honestly,") or a tag ("..., right?") leaves the claim standing."""
    own = _OWN_NEGATION.search(pattern) is not None
    plain = _AFFIRMING.sub(lambda m: " " * len(m.group(0)), text)
    if negated(plain, start, None if own else end) or _QUALIFIED.search(text[end:]):
        return True
    head, tail = _sentence_around(text, start, end)
    said = text[start:end]
    if _FAR_FROM.search(head[-40:] + " " + said):
        return True
    if tail.rstrip().endswith("?") and (not _TAG_QUESTION.search(tail.rstrip()) or _ASKS.match(head)):
        return True
    return _governed(head, said, tail) or _conditioned_after(tail, said)


def find_claim(claim: StateClaim, answer: str) -> str | None:
    """The text of the first match of the claim that is not negated, qualified, a question or a plan."""
    for pattern in claim.patterns:
        for m in re.finditer(pattern, answer, re.IGNORECASE):
            if _not_a_claim(pattern, answer, m.start(), m.end()):
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


def contradictions(claims: Sequence[StateClaim], answer: str, calls: Sequence[RecordedCall],
                   aside: Sequence[tuple[str, str]] = (), expected: Sequence[str] | None = None) -> list[Contradiction]:
    """The claims the answer makes that this run's results contradict or do not support; ``aside``:
    (tool, why) for the calls set aside, which make a claim on their tool unsupported when no other
    call of it ran. A claim whose tools never ran fails when one of them is among ``expected`` (the
    query's expected tools; None: every tool) or the claim names it ("All tests pass" names pytest);
    otherwise it is returned with ``fails`` False ("the types are fine" on a query that only reads a file)."""
    out: list[Contradiction] = []
    for claim in claims:
        said = find_claim(claim, answer)
        if said is None:
            continue
        clashes = _clashes(claim, calls)
        if clashes:
            tool, field, value = clashes[0]
            out.append(Contradiction(claim.name, said, field, tool, value))
            continue
        tools = list(dict.fromkeys(c.tool for c in claim.contradicted_by))
        spoilt = [(tool, why) for tool, why in aside if tool in tools and not any(c.name == tool for c in calls)]
        if spoilt:
            out.append(Contradiction(claim.name, said, "", spoilt[0][0], None, aside=spoilt[0][1]))
        elif tools and not any(c.name in tools for c in calls):
            named = [t for t in tools if (expected is None or t in expected)
                     or (t in _NAMES_TOOL and _NAMES_TOOL[t].search(said))]
            out.append(Contradiction(claim.name, said, "", (named or tools)[0], None, fails=bool(named),
                                     aside=f"this run never ran {' or '.join(tools)}: nothing supports it"))
    return out


__all__ = ["Contradiction", "contradictions", "find_claim"]
