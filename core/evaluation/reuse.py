"""``baseline.results``: an earlier run of the baseline on the same suite, reused instead of running
the 30B again.

The file may be a per-model results file (``logs/phase25_results.baseline.json``) or the combined
deliverable (``logs/phase25_results.json``, kind ``phase25.report``), whose baseline part is taken.
A file holding another model's results (a candidate file) is refused, never reused as the baseline.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.evaluation.schema import ResultsError, ResultsFile, load_results, read_results_json

if TYPE_CHECKING:
    from core.config import ExperimentConfig

FIELD = "baseline.results"


class NotABaseline(ResultsError):
    """The file reads well but holds another model's results; the message names the file and field."""


def earlier_baseline(path: Path) -> tuple[ResultsFile, str]:
    """The baseline results in ``path`` and how to name their source ("FILE" or "FILE (baseline part)").

    Raises ResultsError when the file is missing or unreadable (the message names the file and the
    field), NotABaseline when it holds another model's results."""
    path = Path(path)
    data = read_results_json(path)
    if isinstance(data, dict) and data.get("kind") == "phase25.report":
        from core.evaluation.deliverables import parse_combined

        results, source, where = parse_combined(data, path).baseline, f"{path} (baseline part)", "baseline.model.role"
    else:
        results, source, where = load_results(path), str(path), "model.role"
    if results.model.role != "baseline":
        raise NotABaseline(
            f"{path}: field {where} is {results.model.role!r}, not 'baseline': {FIELD} must name results of "
            f"the baseline, e.g. logs/phase25_results.baseline.json or the combined logs/phase25_results.json")
    return results, source


def suite_mismatch(results: ResultsFile, source: str, suite_hash: str, suite_path: Path | str) -> str | None:
    """Why ``results`` were not made on this suite (naming both hashes and the file), or None."""
    if results.suite_hash == suite_hash:
        return None
    return (f"{source} was made on suite {results.suite_hash} ({results.suite_path}), this run's suite "
            f"{suite_path} is {suite_hash}")


def check_baseline_results(cfg: ExperimentConfig) -> tuple[str, str] | None:
    """What test_baseline will do with ``baseline.results``: (level, line) with level 'ok', 'warning' or
    'error'; None when the config names no earlier file. Reads the file and the suite, loads no model."""
    if not cfg.baseline.results:
        return None
    path = cfg.resolve(cfg.baseline.results)
    if not path.exists():
        return "warning", (f"{FIELD}: {path} does not exist; test_baseline will run the baseline "
                           f"(set {FIELD} to an earlier results file, or remove it)")
    try:
        results, source = earlier_baseline(path)
    except NotABaseline as exc:
        return "error", f"{FIELD}: {exc}; test_baseline will refuse it"
    except ResultsError as exc:
        return "warning", f"{FIELD}: {exc}; test_baseline will run the baseline"
    from core.data.suite import SuiteError, load_suite

    suite_path = cfg.resolve(cfg.data.suite)
    try:
        suite_hash = load_suite(suite_path).sha256
    except SuiteError:
        return "ok", f"{FIELD}: {source} reads well (the suite could not be read to compare hashes)"
    why = suite_mismatch(results, source, suite_hash, suite_path)
    if why:
        return "warning", f"{FIELD}: {why}; test_baseline will run the baseline"
    return "ok", f"{FIELD}: test_baseline will reuse {source} (same suite {suite_hash[:12]})"
