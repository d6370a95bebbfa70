"""The pipeline's stages: one module here per stage, each run as its own process::

    python -m core.stages NAME --run-dir logs/runs/<id> [--force] [stage options]

The stage table itself (names, order, prerequisites) lives in ``core.pipeline`` so that the
foundation (the run state, the dashboard) can read it without importing this package.
This package may import the domain (core.codemode, core.data, core.evaluation, core.training,
core.convert) and the foundation; nothing below it imports it.
"""

from core.pipeline import (
    BY_NAME,
    STAGE_NAMES,
    STAGES,
    StageDef,
    UnknownStage,
    get,
    ordered,
    parse_stage_list,
    with_prerequisites,
)

__all__ = ["BY_NAME", "STAGE_NAMES", "STAGES", "StageDef", "UnknownStage", "get", "ordered",
           "parse_stage_list", "with_prerequisites"]
