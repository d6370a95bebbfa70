"""Fixture workspaces held out of all training, so the suite can measure generalisation.

``data/workspaces/HELDOUT`` lists them, one name a line (``#`` starts a comment). The training
data build skips them, the leakage check flags any training row that names them, and the report
can split the tool queries' accuracy into seen and held-out workspaces.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "HELDOUT"


class HeldoutError(ValueError):
    """The manifest names a workspace that does not exist (file:line in the message)."""


def heldout_workspaces(root: str | Path) -> frozenset[str]:
    """Names of the held-out workspaces under ``root`` (empty when there is no manifest)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        return frozenset()
    names = set()
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        if not (Path(root) / name / "pyproject.toml").is_file():
            raise HeldoutError(f"{path}:{n}: no workspace {name!r} in {root}")
        names.add(name)
    return frozenset(names)


def is_heldout(workspace: str | None, root: str | Path) -> bool:
    return workspace is not None and workspace in heldout_workspaces(root)


def training_workspaces(root: str | Path) -> list[Path]:
    """The workspaces training rows may use: every one with a pyproject.toml, less the held-out ones."""
    held = heldout_workspaces(root)
    return [p for p in sorted(Path(root).iterdir())
            if (p / "pyproject.toml").is_file() and p.name not in held]


def workspace_split(workspaces_of: dict[str, str | None], root: str | Path) -> dict[str, list[str]]:
    """Query ids by where they run: ``{"seen": [...], "heldout": [...]}`` (queries without a
    workspace, the direct ones, are in neither). ``workspaces_of`` maps query id -> workspace."""
    held = heldout_workspaces(root)
    split: dict[str, list[str]] = {"seen": [], "heldout": []}
    for qid, ws in workspaces_of.items():
        if ws:
            split["heldout" if ws in held else "seen"].append(qid)
    return split
