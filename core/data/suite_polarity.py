"""Merging data/suite/polarity.json into suite data: per query, the state claims its answer must not
contradict, and per rubric group, the ``contradicts`` patterns (statements reversing the reference).

Kept apart from the generated queries so the patterns are data, reviewed on their own; the suite
build merges them, so data/suite/suite.json carries them and its hash covers them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from core.paths import DATA_DIR
from core.textfile import parse_json, read_text

POLARITY_FILE = DATA_DIR / "suite" / "polarity.json"


def load_polarity(path: Path = POLARITY_FILE) -> dict[str, Any]:
    data = parse_json(read_text(path, "polarity file"), path)
    queries = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(queries, dict):
        raise ValueError(f"{path}: field queries: expected an object of query id -> patterns")
    return queries


def apply_polarity(data: dict[str, Any], path: Path = POLARITY_FILE) -> dict[str, Any]:
    """``data`` (suite JSON) with the polarity file's claims and contradicts merged in (added, never
    replacing what a query already has). An id or group the suite lacks is an error naming it."""
    extra = load_polarity(path)
    out = copy.deepcopy(data)
    by_id = {q["id"]: q for q in out["queries"]}
    for qid, add in extra.items():
        q = by_id.get(qid)
        if q is None:
            raise ValueError(f"{path}: field queries.{qid}: no such query in the suite")
        if add.get("claims"):
            have = q.get("claims") or []
            claims = have + [c for c in add["claims"] if c not in have]
            items = list(q.items())
            if "claims" not in q:
                at = [k for k, _ in items].index("facts") + 1 if "facts" in q else len(items)
                items.insert(at, ("claims", claims))
                q.clear()
                q.update(items)
            else:
                q["claims"] = claims
        for group, patterns in (add.get("contradicts") or {}).items():
            groups = {g["name"]: g for g in (q.get("rubric") or {}).get("groups", [])}
            if group not in groups:
                raise ValueError(f"{path}: field queries.{qid}.contradicts.{group}: no such rubric group")
            have = groups[group].get("contradicts") or []
            groups[group]["contradicts"] = have + [p for p in patterns if p not in have]
    return out
