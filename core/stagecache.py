"""The stage cache: one record per stage (or slot) in ``<runs_dir>/../cache/<slot>.json``.

A record holds the hash of the stage's inputs (its key), its outcome, and every file or folder it
produced: path, size, sha256 and the cheap identity (sizes and mtimes) seen when it was stored.
A record is used only while its key matches and every artifact it names still holds the recorded
bytes: sizes and mtimes first, and the sha256 whenever those differ (a touched but unchanged file
keeps the record; a changed one voids it and the stage runs again).

A stage that misses the cache marks its record *pending* before it writes anything: from then on
the record claims nothing, so a crash part-way can never leave it naming bytes that changed, and
the next run of the stage carries on (a staged training resumes) instead of reporting cached.

Beside the records, ``<slot>.writing.json`` is a stage's *write intent*: the paths its earlier
artifacts live at, written when the stage starts and removed when it ends. Older run manifests
that name those paths are superseded by it (see :mod:`core.integrity`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from core.atomic import atomic_write_json, stat_key, tree_digest

PENDING = "pending"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe(path: Path) -> dict[str, Any]:
    """What a record keeps about one output: path, size, sha256 and its stat identity."""
    path = Path(path)
    size, digest = tree_digest(path)
    return {"path": str(path.resolve()), "bytes": size, "sha256": digest, "stat": stat_key(path)}


def unchanged(entry: dict[str, Any]) -> str | None:
    """None when the file or folder an entry names still holds the recorded bytes; else why not.
    Sizes and mtimes first; the sha256 only when they differ (or were not recorded)."""
    p = Path(str(entry.get("path", "")))
    if not p.exists():
        return f"{p} is missing"
    if entry.get("stat") is not None and stat_key(p) == entry["stat"]:
        return None
    if entry.get("sha256") is None:
        return f"{p} changed (size or mtime)"
    size, digest = tree_digest(p)
    if digest != entry["sha256"] or (entry.get("bytes") is not None and size != entry["bytes"]):
        return f"{p} changed since it was recorded (sha256 {digest[:12]}, recorded {str(entry['sha256'])[:12]})"
    return None


class StageCache:
    """The records of one experiment's stage cache folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def record_path(self, slot: str) -> Path:
        return self.folder / f"{slot}.json"

    def intent_path(self, slot: str) -> Path:
        return self.folder / f"{slot}.writing.json"

    def read(self, slot: str) -> dict[str, Any]:
        """The record as stored ({} when there is none)."""
        return _read_json(self.record_path(slot))

    # -- fingerprints of inputs ----------------------------------------------------------------
    def fingerprint(self, path: Path) -> str:
        """Content hash of a file or folder, memoised on its stat identity so big models hash once."""
        path = Path(path)
        if not path.exists():
            return "missing"
        key_now = stat_key(path)
        memo_path = self.folder / "hashes.json"
        memo = _read_json(memo_path)
        key = str(path.resolve())
        if isinstance(memo.get(key), dict) and memo[key].get("stat") == key_now:
            return str(memo[key]["sha256"])
        _, digest = tree_digest(path)
        memo[key] = {"stat": key_now, "sha256": digest}
        atomic_write_json(memo_path, memo)
        return digest

    # -- validity -------------------------------------------------------------------------------
    def why_invalid(self, slot: str, key: str) -> str | None:
        """None when the record may stand for a run with ``key``; else the reason it may not."""
        rec = self.read(slot)
        if not rec:
            return "no record"
        if rec.get(PENDING):
            return f"run {rec[PENDING]} started writing these outputs and did not finish"
        if rec.get("key") != key:
            return "the inputs changed"
        entries = list(self.entries(rec))
        refreshed = False
        for entry in entries:
            why = unchanged(entry)
            if why is not None:
                return why
            now = stat_key(Path(entry["path"]))
            if entry.get("stat") != now:  # same bytes, touched: remember the new identity
                entry["stat"], refreshed = now, True
        if refreshed:
            atomic_write_json(self.record_path(slot), rec)
        return None

    @staticmethod
    def entries(rec: dict[str, Any]) -> list[dict[str, Any]]:
        """Every output and artifact a record names (each a dict with path, bytes, sha256, stat)."""
        found: list[dict[str, Any]] = []
        for a in (rec.get("artifacts") or {}).values():
            if isinstance(a, dict) and a.get("path"):
                found.append(a)
        outputs = rec.get("outputs") or {}
        for p, v in outputs.items():
            if isinstance(v, dict):
                found.append(v)
            else:  # an older record: the stat identity only
                found.append({"path": p, "stat": v})
        return found

    # -- writing ---------------------------------------------------------------------------------
    def mark_pending(self, slot: str, run_id: str) -> None:
        """The stage is about to write: the record claims nothing until it is stored again."""
        rec = self.read(slot)
        if not rec:
            return
        paths = {str(e["path"]) for e in self.entries(rec)} | set(rec.get("superseded") or [])
        atomic_write_json(self.record_path(slot), {PENDING: run_id, "since": time.time(),
                                                   "superseded": sorted(paths)})

    def store(self, slot: str, key: str, summary: dict[str, Any], headline: str, outputs: list[Path],
              artifacts: dict[str, dict[str, Any]]) -> None:
        known = {str(a.get("path")): a for a in artifacts.values()}
        outs: dict[str, Any] = {}
        for p in outputs:
            resolved = str(Path(p).resolve())
            a = known.get(resolved)
            outs[resolved] = ({"path": resolved, "bytes": a["bytes"], "sha256": a["sha256"],
                               "stat": a.get("stat") or stat_key(Path(p))} if a else describe(Path(p)))
        atomic_write_json(self.record_path(slot), {
            "key": key, "summary": summary, "headline": headline, "outputs": outs,
            "artifacts": artifacts, "stored": time.time(),
        })

    # -- write intents -----------------------------------------------------------------------------
    def begin_writing(self, slot: str, run_id: str, paths: list[str]) -> None:
        atomic_write_json(self.intent_path(slot), {"run": run_id, "since": time.time(), "paths": sorted(set(paths))})

    def end_writing(self, slot: str) -> None:
        self.intent_path(slot).unlink(missing_ok=True)
