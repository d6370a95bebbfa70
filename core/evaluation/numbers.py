"""Numbers an answer claims, and the numbers the tool output the model was given supports.

A claim is a number written in digits (not inside an identifier such as ``E711`` or ``py311``, not a
list marker) or a number word from zero to twenty used as a count ("three passed", "two
violations"). Support comes from the tool turn the model got (its ``stdout``, ``stderr`` and
``error``, decoded from JSON, numbers inside identifiers excluded), never from the prompt. Two
refinements keep the check honest both ways:

* a number that the model's own code wrote as a literal (``print("5 errors")``), outside the tool
  calls' arguments, supports nothing unless the output shows it more often than the literals do;
* a line number ("line 36", "lines 35-37") is supported when a recorded ``read_file`` call read
  that line;
* a count a reader gets by counting the output (the items of a printed list, its lines) is supported.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from core.evaluation.grounding import RecordedCall

WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen twenty").split()
WORD_VALUE = {w: i for i, w in enumerate(WORDS)}

_DIGITS = re.compile(r"(?<![\w.\-/])-?\d+(?:\.\d+)?(?![\w]|\.\d)")
_RANGE_DASH = re.compile(r"(?<=\d)[-–](?=\d)")
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
COUNT_NOUNS = (r"tests?|errors?|violations?|failures?|files?|lines?|modules?|items?|warnings?|issues?|"
               r"problems?|codes?|rules?|findings?|diagnostics?|complaints?|occurrences?|matches|times|"
               r"passed|failed|skipped|pass(?:es|ing)?|fail(?:s|ing)?|fixable|mentions?|results?|cases?|"
               r"functions?|hits|notes?|of (?:them|these|those|the)")
_WORD_CLAIM = re.compile(r"\b(" + "|".join(WORDS[1:]) + r")\b(?=[ \t]+(?:[\w-]+[ \t]+)?(?:" + COUNT_NOUNS + r")\b)",
                         re.IGNORECASE)
_ZERO_WORD = re.compile(r"\b(?:zero|none)\b|\bno\b(?=[ \t]+(?:[\w-]+[ \t]+)?(?:" + COUNT_NOUNS + r")\b)",
                        re.IGNORECASE)
_LINE_REF = re.compile(r"(?:\b(?:lines?|L)\s*|\.py:)((?:\d+)(?:\s*(?:,|-|–|to|and|,\s*and)\s*\d+)*)", re.IGNORECASE)


def canon(num: str) -> str:
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return num.lstrip("-") or "0"


@dataclass(frozen=True)
class Claim:
    value: str
    text: str
    start: int


def claims(answer: str) -> list[Claim]:
    """Every number the answer states, digits and count words, in order (repeats kept)."""
    text = _RANGE_DASH.sub(" ", _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), answer))
    found = [Claim(canon(m.group(0)), m.group(0), m.start()) for m in _DIGITS.finditer(text)]
    found += [Claim(str(WORD_VALUE[m.group(1).lower()]), m.group(1), m.start()) for m in _WORD_CLAIM.finditer(text)]
    return sorted(found, key=lambda c: c.start)


def claimed_numbers(answer: str) -> list[str]:
    """The distinct numbers an answer states, as canonical strings."""
    return list(dict.fromkeys(c.value for c in claims(answer)))


def with_digits(answer: str) -> str:
    """The answer with count words as digits ("three passed" -> "3 passed", "no failures" -> "0 failures")."""
    text = _WORD_CLAIM.sub(lambda m: str(WORD_VALUE[m.group(1).lower()]), answer)
    return _ZERO_WORD.sub("0", text)


def line_refs(answer: str) -> set[str]:
    """Numbers the answer gives as line numbers ("line 36", "lines 35-37", "lines 26, 27 and 30")."""
    out: set[str] = set()
    for m in _LINE_REF.finditer(answer):
        out.update(canon(n) for n in re.findall(r"\d+", m.group(1)))
    return out


def tool_output_text(response: str) -> str:
    """What the tool turn showed the model: its stdout, stderr and error, decoded from the JSON."""
    try:
        data = json.loads(response)
    except (json.JSONDecodeError, TypeError):
        return response or ""
    if not isinstance(data, dict):
        return response
    return "\n".join(str(data.get(k) or "") for k in ("stdout", "stderr", "error"))


def numbers_in(*texts: str) -> set[str]:
    return set(number_tokens(*texts))


def number_tokens(*texts: str) -> Counter[str]:
    """Each number in the texts, with how often it occurs."""
    return Counter(canon(m.group(0)) for t in texts for m in _DIGITS.finditer(_RANGE_DASH.sub(" ", t or "")))


_OUTPUT_CALLS = {"print", "pprint"}
_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr, ast.FormattedValue, ast.Starred)


def literal_numbers(code: str | None, tools: Iterable[str]) -> Counter[str]:
    """Numbers the code writes itself: in string literals (outside the tool calls' arguments), and
    numeric literals printed directly or through a name bound to one (``n = 5; print(n)``). A number
    the code computes with (``count + 1``) is not one."""
    if not code:
        return Counter()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return number_tokens(code)
    names = set(tools)
    inside_calls: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            inside_calls.update(id(n) for a in [*node.args, *node.keywords] for n in ast.walk(a))
    bound = {t.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and isinstance(node.value, ast.Constant) for t in node.targets if isinstance(t, ast.Name)}
    out: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_calls:
            out += number_tokens(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _OUTPUT_CALLS:
            todo: list[ast.AST] = [*node.args]
            while todo:
                a = todo.pop()
                value = a.value if isinstance(a, ast.Constant) else bound.get(a.id) if isinstance(a, ast.Name) else None
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[canon(str(value))] += 1
                elif isinstance(a, _CONTAINERS):
                    todo.extend(ast.iter_child_nodes(a))
    return out


def listed_counts(shown: str) -> set[str]:
    """Counts a reader can take from the output by counting: the items of each printed list or dict,
    and the output's non-empty lines."""
    out: set[str] = set()
    lines = [ln for ln in shown.splitlines() if ln.strip()]
    if lines:
        out.add(str(len(lines)))
    for m in re.finditer(r"\[[^\[\]]*\]|\{[^{}]*\}", shown):
        try:
            value = ast.literal_eval(m.group(0))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, list | dict | set | tuple):
            out.add(str(len(value)))
    return out


def lines_read(calls: list[RecordedCall]) -> set[str]:
    """Line numbers recorded read_file calls read."""
    out: set[str] = set()
    for c in calls:
        if c.name != "read_file":
            continue
        total = getattr(c.result, "total_lines", None)
        start = c.arguments.get("start") or 1
        end = c.arguments.get("end") or total
        if isinstance(start, int) and isinstance(end, int) and end - start < 100_000:
            out.update(str(n) for n in range(start, end + 1))
    return out


@dataclass(frozen=True)
class NumberCheck:
    unsupported: list[str]
    self_written: list[str]
    from_lines_read: list[str]
    counted: list[str]
    """Numbers supported only as a count of items the output listed."""
    support: set[str]
    """The numbers the tool output shows, less those only the code's own literals printed."""


def check_numbers(answer: str, response: str, code: str | None, calls: list[RecordedCall]) -> NumberCheck:
    """Which of the answer's numbers the tool output the model was given does not support."""
    from core.evaluation.typed import tool_models

    text = tool_output_text(response)
    tokens = number_tokens(text)
    shown = set(tokens)
    counts = listed_counts(text)
    own = literal_numbers(code, tool_models())
    # a number counts when the output shows it more often than the code's own literals could print it
    support = {n for n, k in tokens.items() if k > own[n]}
    read = lines_read(calls)
    as_lines = line_refs(answer)
    unsupported, self_written, via_lines, counted = [], [], [], []
    for n in claimed_numbers(answer):
        if n in support:
            continue
        if n in as_lines and n in read:
            via_lines.append(n)
        elif n in counts:
            counted.append(n)
        elif n in shown:
            self_written.append(n)
        else:
            unsupported.append(n)
    return NumberCheck(unsupported, self_written, via_lines, counted, support)


__all__ = ["Claim", "NumberCheck", "canon", "check_numbers", "claimed_numbers", "claims", "line_refs",
           "tool_output_text", "with_digits"]
