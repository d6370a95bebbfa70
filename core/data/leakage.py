"""The leakage check: no training or pretraining row may hold a suite query, its answer, or a
held-out workspace. Mechanical definitions (texts normalised by ``similarity.normalise``):

* ``prompt``: a user, assistant or tool turn shares a run of 8 words with a suite prompt (a prompt
  shorter than that must appear whole), so the row contains the prompt or most of a sentence of it;
* ``paraphrase``: a user turn is a near paraphrase of a suite prompt: word-bigram Jaccard at or above
  ``SUITE_MATCH`` (0.5) or character ratio at or above ``SUITE_RATIO`` (0.8), the same test the data
  build uses to keep suite prompts out;
* ``reference``: an assistant turn shares a run of 8 words with a direct question's reference answer;
* ``facts``: a row asks about a tool query's workspace (names it), calls every tool the query expects,
  and its final answer satisfies every one of the query's facts (``fact_holds``): the row answers the
  suite question;
* ``heldout``: a row names a file of a held-out workspace (``ledger/journal.py``), names the workspace
  itself in a row with tool turns, or shares a run of 8 words with its source.

``facts`` leaks are warnings for the data files: the training rows are real tool runs on the seen
workspaces, so they state facts the suite asks about by design. The train stage holds those rows out
of the LoRA (``rows_stating_suite_facts``, against the core suite and its extension), unless
``[data] hold_out_leaking = false``; the files on disk stay as they are. Every other kind is an
error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.corpora import RowText, read_corpus, row_text
from core.data.similarity import (
    LEAK_NGRAM,
    SUITE_MATCH,
    SUITE_RATIO,
    jaccard,
    ratio_at_least,
    shingles,
    word_ngrams,
)
from core.data.suite import Suite, SuiteQuery
from core.data.suite_match import fact_holds

KINDS = ("prompt", "paraphrase", "reference", "facts", "heldout")
WARNING_KINDS = frozenset({"facts"})


@dataclass(frozen=True)
class Leak:
    where: str  # file:line of the training row
    kind: str
    query: str  # the suite query id, or the held-out workspace
    detail: str

    @property
    def severity(self) -> str:
        return "warning" if self.kind in WARNING_KINDS else "error"

    def render(self) -> str:
        return f"{self.where}: {self.kind}: {self.query}: {self.detail}"


@dataclass
class LeakReport:
    corpora: list[Path]
    rows: int = 0
    queries: int = 0
    heldout: list[str] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    hold_out_leaking: bool = True  # [data] hold_out_leaking: the train stage holds ``facts`` rows out

    @property
    def errors(self) -> list[Leak]:
        return [leak for leak in self.leaks if leak.severity == "error"]

    @property
    def warnings(self) -> list[Leak]:
        return [leak for leak in self.leaks if leak.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for leak in self.leaks:
            counts[leak.kind] += 1
        return counts

    def lines(self, limit: int = 40) -> list[str]:
        """The errors one per line (``limit`` at most; 0: all), the warnings counted per query."""
        head = (f"leakage: {self.rows} rows in {len(self.corpora)} corpora against {self.queries} suite queries"
                + (f" and held-out workspaces {', '.join(self.heldout)}" if self.heldout else ""))
        kinds = ", ".join(f"{k} {n}" for k, n in self.by_kind().items() if n)
        out = [head + (f": {len(self.errors)} errors, {len(self.warnings)} warnings ({kinds})" if self.leaks
                       else ": no leaks")]
        shown = self.errors if limit <= 0 else self.errors[:limit]
        out += [f"  error: {leak.render()}" for leak in shown]
        if len(shown) < len(self.errors):
            out.append(f"  ... and {len(self.errors) - len(shown)} more errors")
        per_query: dict[str, list[str]] = defaultdict(list)
        for leak in self.warnings:
            per_query[f"{leak.kind}: {leak.query}"].append(leak.where)
        fate = ("the train stage holds such rows of a train.jsonl out of the LoRA (unless [data] hold_out_leaking"
                " = false)" if self.hold_out_leaking else
                "[data] hold_out_leaking = false: the LoRA trains on such rows of a train.jsonl")
        for key, wheres in sorted(per_query.items()):
            more = f" and {len(wheres) - 2} more" if len(wheres) > 2 else ""
            rows = f"{len(wheres)} row{'s' if len(wheres) != 1 else ''} state{'s' if len(wheres) == 1 else ''}"
            out.append(f"  warning: {key}: {rows} every fact on its seen workspace "
                       f"({', '.join(wheres[:2])}{more}); {fate}")
        return out


def _index(texts: dict[str, str]) -> dict[str, list[str]]:
    """Word n-gram -> the ids whose text holds it."""
    index: dict[str, list[str]] = defaultdict(list)
    for key, text in texts.items():
        for g in word_ngrams(text):
            index[g].append(key)
    return index


def _first_shared(text: str, index: dict[str, list[str]], n_words: int) -> dict[str, str]:
    """For each id in the index: a shared n-gram (or a short id text contained whole)."""
    hits: dict[str, str] = {}
    grams = word_ngrams(text)
    for g in grams:
        for key in index.get(g, ()):
            hits.setdefault(key, g)
    if n_words:
        norm = f" {' '.join(text.lower().split())} "
        for g, keys in index.items():
            if len(g.split()) < LEAK_NGRAM and f" {g} " in norm:
                for key in keys:
                    hits.setdefault(key, g)
    return hits


class _Workspace:
    def __init__(self, name: str, root: Path):
        self.name = name
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        self.paths = [p.relative_to(root).as_posix() for p in files if p.suffix == ".py"]
        self.path_re = re.compile("|".join(re.escape(p) for p in self.paths)) if self.paths else None
        self.name_re = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
        source = "\n".join(p.read_text(encoding="utf-8") for p in files if p.suffix == ".py")
        self.grams = word_ngrams(source) if len(source.split()) >= LEAK_NGRAM else frozenset()

    def leak(self, row: RowText) -> str | None:
        text = row.all_text()
        if self.path_re and (m := self.path_re.search(text)):
            return f"names its file {m.group(0)}"
        if row.tool and self.name_re.search("\n".join(row.user)):
            return "a tool row about this workspace"
        shared = word_ngrams(text) & self.grams
        if shared:
            return f"shares its source {sorted(shared)[0]!r}"
        return None


def _facts_leak(q: SuiteQuery, row: RowText, calls: str) -> bool:
    if not q.workspace or not re.search(rf"\b{re.escape(q.workspace)}\b", "\n".join(row.user), re.IGNORECASE):
        return False
    if not all(re.search(rf"\b{t}\s*\(", calls) for t in q.expected_tools):
        return False
    return bool(row.answer) and all(fact_holds(f, row.answer) for f in q.facts)


def _facts_leaks(row: RowText, tool_queries: list[SuiteQuery]) -> list[str]:
    """The ids of the tool queries whose every fact ``row`` states (the ``facts`` kind), sorted."""
    calls = "\n".join(row.assistant)
    return sorted(q.id for q in tool_queries if _facts_leak(q, row, calls))


def rows_stating_suite_facts(rows: Sequence[dict[str, Any]], suite: Suite) -> dict[int, list[str]]:
    """Which chat rows (dicts as in the jsonl) state every fact of which query of ``suite`` (the
    ``facts`` kind): row index -> the query ids, sorted; rows that state none are left out. The train
    stage holds these rows out of the LoRA; pass the core suite with its extension
    (``suite_with_extension``) so an extended-tier run is honest too."""
    tool_queries = suite.tool_queries
    found: dict[int, list[str]] = {}
    for i, data in enumerate(rows):
        ids = _facts_leaks(row_text(Path("rows"), i + 1, data), tool_queries)
        if ids:
            found[i] = ids
    return found


def check_rows(rows: Iterable[RowText], suite: Suite, heldout: dict[str, Path] | None = None) -> list[Leak]:
    """Every leak of ``suite`` (and of the ``heldout`` workspaces, name -> folder) in ``rows``."""
    prompts = {q.id: q.prompt for q in suite.queries}
    refs = {q.id: q.reference for q in suite.direct_queries if q.reference}
    p_index, r_index = _index(prompts), _index(refs)
    p_shingles = {qid: shingles(p) for qid, p in prompts.items()}
    tool_queries = suite.tool_queries
    spaces = [_Workspace(name, root) for name, root in sorted((heldout or {}).items())]
    leaks: list[Leak] = []
    for row in rows:
        found: dict[tuple[str, str], str] = {}
        for qid, g in _first_shared("\n".join(row.user + row.assistant + row.tool), p_index, 1).items():
            found[("prompt", qid)] = f"shares {g!r}"
        for turn in row.user:
            sh = shingles(turn)
            for qid, psh in p_shingles.items():
                sim = jaccard(sh, psh)
                if sim >= SUITE_MATCH:
                    found.setdefault(("paraphrase", qid), f"word-bigram similarity {sim:.2f} (at least {SUITE_MATCH})")
                elif (r := ratio_at_least(turn, prompts[qid])) is not None:
                    found.setdefault(("paraphrase", qid), f"character ratio {r:.2f} (at least {SUITE_RATIO})")
        for qid, g in _first_shared("\n".join(row.assistant), r_index, 0).items():
            found[("reference", qid)] = f"shares {g!r} with the reference answer"
        for qid in _facts_leaks(row, tool_queries):
            found[("facts", qid)] = "asks about its workspace with its tools, and the answer states every fact"
        for ws in spaces:
            why = ws.leak(row)
            if why:
                found[("heldout", ws.name)] = why
        leaks += [Leak(row.where, kind, key, detail) for (kind, key), detail in sorted(found.items())]
    return leaks


def check_corpora(corpora: list[Path], suite: Suite, heldout: dict[str, Path] | None = None) -> LeakReport:
    report = LeakReport(corpora=list(corpora), queries=len(suite.queries), heldout=sorted(heldout or {}))
    for path in corpora:
        rows = list(read_corpus(path))
        report.rows += len(rows)
        report.leaks += check_rows(rows, suite, heldout)
    return report


def suite_with_extension(core: Path, extended: Path | None = None) -> tuple[Suite, Path]:
    """Every query there is: the extended tier (``extended``, by default extended.json beside
    ``core``; it includes the core) if it exists, else the core alone."""
    from core.data.suite import load_suite
    from core.data.suite_tier import EXTENDED_NAME

    ext = Path(extended) if extended is not None else Path(core).parent / EXTENDED_NAME
    path = ext if ext.is_file() else Path(core)
    return load_suite(path), path


def heldout_folders(workspaces: Path) -> dict[str, Path]:
    from core.data.heldout import heldout_workspaces

    return {name: Path(workspaces) / name for name in heldout_workspaces(workspaces)}


def check(corpora: list[Path], core_suite: Path, workspaces: Path, hold_out_leaking: bool = True,
          extended_suite: Path | None = None) -> LeakReport:
    """The leakage report of ``corpora`` against every suite query and held-out workspace."""
    suite, _ = suite_with_extension(core_suite, extended_suite)
    report = check_corpora(corpora, suite, heldout_folders(workspaces))
    report.hold_out_leaking = hold_out_leaking
    return report
