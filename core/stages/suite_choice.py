"""The suite the test and parity stages run: the tier ``[evaluation] suite_tier`` chooses."""

from __future__ import annotations

from pathlib import Path

from core.data.suite import Suite, SuiteError
from core.data.suite_tier import configured_suite, configured_suite_files
from core.stages.base import StageContext, StageError


def load_stage_suite(ctx: StageContext) -> tuple[Suite, Path]:
    """The configured suite and its file; a bad suite fails the stage with every problem listed."""
    try:
        return configured_suite(ctx.cfg)
    except SuiteError as exc:
        raise StageError(exc.render()) from None


__all__ = ["configured_suite_files", "load_stage_suite"]
