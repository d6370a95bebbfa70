"""Folders written whole or not at all (see :mod:`core.staging`, where they live now)."""

from core.staging import MARKERS, clean_stale, looks_generated, replace_dir, staged_dir

__all__ = ["MARKERS", "clean_stale", "looks_generated", "replace_dir", "staged_dir"]
