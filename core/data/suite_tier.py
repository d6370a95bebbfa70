"""Which suite an experiment runs: the core 20 or the core plus the extended tier.

``[evaluation] suite_tier`` chooses: ``"core"`` (the default) loads ``data.suite``; ``"extended"``
loads ``data.extended_suite`` (by default ``extended.json`` beside ``data.suite``), a file that
names the core it extends, so the result is the core's queries followed by the extended ones.
Every stage that runs or compares the suite goes through ``configured_suite``. ``[evaluation]
queries`` may cut it to a few query ids (a rehearsal, a quick check).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.data.suite import Suite, SuiteError, load_suite

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
    suite = load_suite(path, workspaces)
    return (only_queries(suite, cfg.evaluation.queries, path) if cfg.evaluation.queries else suite), path


def only_queries(suite: Suite, ids: list[str], path: Path) -> Suite:
    """The suite cut to ``ids`` (``evaluation.queries``), in the suite's order; an id the suite does
    not have is an error naming it."""
    known = {q.id for q in suite.queries}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SuiteError(path, [f"evaluation.queries: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} "
                                f"not a query of {path.name} (its ids: {', '.join(sorted(known))})"])
    keep = set(ids)
    return suite.model_copy(update={"queries": [q for q in suite.queries if q.id in keep]})


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
