"""The fixture workspaces in data/workspaces: small Python projects with known problems."""

from __future__ import annotations

from pathlib import Path

import core


def workspace_root() -> Path:
    """The folder that holds the fixture workspaces (data/workspaces)."""
    return Path(core.__file__).resolve().parent.parent / "data" / "workspaces"


def list_workspaces() -> list[str]:
    """Names of the fixture workspaces (folders with a pyproject.toml), sorted."""
    root = workspace_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "pyproject.toml").is_file())


def workspace_path(name: str) -> Path:
    """The path of one fixture workspace; a clear error names the ones that exist."""
    path = workspace_root() / name
    if not (path / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"no workspace {name!r} in {workspace_root()}; have: {', '.join(list_workspaces())}"
        )
    return path


__all__ = ["list_workspaces", "workspace_path", "workspace_root"]
