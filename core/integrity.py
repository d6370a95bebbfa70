"""Do the records still tell the truth? A check of an experiment's stage cache and run manifests
against the bytes on disk (what the fault-injection tests assert after every fault).

* Every stage cache record that is not pending must name only artifacts whose bytes match it:
  it is what the next run trusts.
* Run manifests are a history: a later run may legitimately replace an artifact. So for each path,
  only the newest claim about it counts, where the claims are the manifests' entries, the cache
  records' entries, and the paths that a pending record or a stage's write intent says are being
  rewritten (those claim nothing about the bytes). A manifest entry that is the newest claim for its
  path must match the bytes there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.atomic import tree_digest
from core.config import ExperimentConfig
from core.runs import list_runs
from core.stagecache import PENDING, StageCache, unchanged


@dataclass
class Claim:
    when: float
    path: str
    sha256: str | None  # None: the path is being rewritten; nothing is claimed about its bytes
    size: int | None
    source: str


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cache_records(cache_dir: Path) -> dict[str, dict[str, Any]]:
    """slot -> record, for every record file in the stage cache folder."""
    found: dict[str, dict[str, Any]] = {}
    if not cache_dir.is_dir():
        return found
    for f in sorted(cache_dir.glob("*.json")):
        if f.name == "hashes.json" or f.name.endswith(".writing.json"):
            continue
        found[f.stem] = _read(f)
    return found


def claims(cfg: ExperimentConfig) -> list[Claim]:
    cache_dir = cfg.runs_dir.parent / "cache"
    out: list[Claim] = []
    for run in list_runs(cfg.runs_dir):
        for name, a in run.manifest().items():
            out.append(Claim(a.recorded, a.path, a.sha256, a.bytes, f"run {run.id} manifest ({name})"))
    for slot, rec in cache_records(cache_dir).items():
        if rec.get(PENDING):
            for p in rec.get("superseded") or []:
                out.append(Claim(float(rec.get("since") or 0), str(p), None, None, f"pending record {slot}"))
            continue
        for e in StageCache.entries(rec):
            if e.get("sha256"):
                out.append(Claim(float(rec.get("stored") or 0), str(e["path"]), str(e["sha256"]),
                                 e.get("bytes"), f"cache record {slot}"))
    for f in sorted(cache_dir.glob("*.writing.json")) if cache_dir.is_dir() else []:
        intent = _read(f)
        for p in intent.get("paths") or []:
            out.append(Claim(float(intent.get("since") or 0), str(p), None, None, f"write intent {f.name}"))
    return out


def problems(cfg: ExperimentConfig) -> list[str]:
    """Each record that names bytes other than those on disk, said in one line; [] when all hold."""
    found: list[str] = []
    cache_dir = cfg.runs_dir.parent / "cache"
    for slot, rec in cache_records(cache_dir).items():
        if rec.get(PENDING):
            continue
        for e in StageCache.entries(rec):
            if e.get("sha256"):
                why = unchanged({k: v for k, v in e.items() if k != "stat"})  # the bytes, not the stat
                if why is not None:
                    found.append(f"cache record {slot}: {why}")
    newest: dict[str, Claim] = {}
    for c in claims(cfg):
        key = str(Path(c.path))
        if key not in newest or c.when >= newest[key].when:
            newest[key] = c
    for path, c in sorted(newest.items()):
        if c.sha256 is None or not c.source.startswith("run "):
            continue
        p = Path(path)
        if not p.exists():
            found.append(f"{c.source}: {path} is missing")
            continue
        size, digest = tree_digest(p)
        if digest != c.sha256:
            found.append(f"{c.source}: {path} holds sha256 {digest[:12]}, recorded {c.sha256[:12]} ({size} bytes)")
    return found
