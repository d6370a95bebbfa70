"""Which suite an experiment runs: the core 20 or the core plus the extended tier.

``[evaluation] suite_tier`` chooses: ``"core"`` (the default) loads ``data.suite``; ``"extended"``
loads ``data.extended_suite`` (by default ``extended.json`` beside ``data.suite``), a file that
names the core it extends, so the result is the core's queries followed by the extended ones.
Every stage that runs or compares the suite goes through ``configured_suite``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.data.suite import Suite, load_suite

if TYPE_CHECKING:
    from core.config import ExperimentConfig as Config

EXTENDED_NAME = "extended.json"


def extended_suite_path(cfg: Config) -> Path:
    if cfg.data.extended_suite:
        return cfg.resolve(cfg.data.extended_suite)
    return cfg.resolve(cfg.data.suite).parent / EXTENDED_NAME


def configured_suite_path(cfg: Config) -> Path:
    """The suite file the config's tier names."""
    if cfg.evaluation.suite_tier == "extended":
        return extended_suite_path(cfg)
    return cfg.resolve(cfg.data.suite)


def configured_suite(cfg: Config, check_workspaces: bool = True) -> tuple[Suite, Path]:
    """The suite the config chooses, and its file; raises SuiteError (file, line, field) when it is bad."""
    path = configured_suite_path(cfg)
    workspaces = cfg.resolve(cfg.data.workspaces) if check_workspaces else None
    return load_suite(path, workspaces), path


def configured_suite_files(cfg: Config) -> list[Path]:
    """Every file the configured suite is read from (an extension and the core it names), so a
    stage's cache sees a change to either."""
    path = configured_suite_path(cfg)
    files = [path]
    if cfg.evaluation.suite_tier == "extended":
        files.append(cfg.resolve(cfg.data.suite))
        try:
            import json

            base = json.loads(path.read_text(encoding="utf-8")).get("extends")
            if isinstance(base, str):
                files.append((path.parent / base).resolve())
        except (OSError, ValueError, AttributeError):
            pass  # loading the suite reports the problem
    return list(dict.fromkeys(files))
