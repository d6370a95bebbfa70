"""Check by construction that no demo build row carries a suite prompt or a near paraphrase of one.

A row leaks when one of its messages shares a word 8-gram with a suite prompt, or when its user
message's words overlap a suite prompt's by more than half (Jaccard). Deliberately simple: the
rows the demo models are built from are generated from templates that never mention the suite,
and this catches the mistake of copying a prompt in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.demo.corpus import CorpusError, DemoCorpus
from core.paths import DATA_DIR

if TYPE_CHECKING:
    from core.demo.recipe import DemoRecipe

WORD = re.compile(r"[a-z0-9_]+")
N = 8
JACCARD = 0.5


@dataclass(frozen=True)
class Leak:
    row: int
    query_id: str
    why: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.why} (suite query {self.query_id})"


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def ngrams(ws: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def suite_prompts(paths: Iterable[Path]) -> dict[str, str]:
    """query id -> prompt, from the suite files that exist (suite.json, extended.json)."""
    out: dict[str, str] = {}
    for p in paths:
        if Path(p).is_file():
            for q in json.loads(Path(p).read_text(encoding="utf-8")).get("queries", []):
                out[str(q["id"])] = str(q["prompt"])
    return out


def find_leaks(rows: list[dict[str, Any]], prompts: dict[str, str]) -> list[Leak]:
    grams = {qid: ngrams(words(p)) for qid, p in prompts.items()}
    sets = {qid: set(words(p)) for qid, p in prompts.items()}
    leaks = []
    for i, row in enumerate(rows):
        for m in row.get("messages", []):
            ws = words(str(m.get("content") or ""))
            got = ngrams(ws)
            for qid, g in grams.items():
                if got & g:
                    leaks.append(Leak(i, qid, f"{m['role']} message shares a {N}-word run with the prompt"))
            if m.get("role") == "user":
                s = set(ws)
                for qid, t in sets.items():
                    if s and t and len(s & t) / len(s | t) > JACCARD:
                        leaks.append(Leak(i, qid, "user message is a near paraphrase of the prompt"))
    return leaks


def check_leakage(corpus: DemoCorpus, recipe: DemoRecipe, rel: Callable[[Path], str] = str) -> dict[str, Any]:
    """Refuse to build when a build row carries a suite prompt (see core.demo.leakage)."""
    suites = [DATA_DIR / "suite" / "suite.json", DATA_DIR / "suite" / "extended.json"]
    prompts = suite_prompts(suites)
    rows = (corpus.instruct_rows(recipe.toolchat_rows, recipe.seed, recipe.more_toolchat_rows)
            + corpus.train + corpus.valid + corpus.extra)
    leaks = find_leaks(rows, prompts)
    if leaks:
        raise CorpusError("build rows overlap the suite: " + "; ".join(str(x) for x in leaks[:5]))
    return {"rows_checked": len(rows), "suite_prompts": len(prompts), "leaks": 0,
            "suites": [rel(p) for p in suites if p.is_file()]}
