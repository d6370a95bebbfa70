"""The report's seen/held-out section: strict passes of the tool queries on the training workspaces
and on the held-out ones, per model, from the suite file the results name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from made_records import record, results

from core.data.heldout import heldout_workspaces
from core.data.suite import load_suite
from core.evaluation.generalisation import workspace_lines
from core.evaluation.schema import ResultsFile
from core.paths import DATA_DIR

EXTENDED = DATA_DIR / "suite" / "extended.json"
CORE = DATA_DIR / "suite" / "suite.json"


@dataclass
class Doc:
    candidate: ResultsFile
    baseline: ResultsFile


def _doc(suite_path: Path, candidate_passes: set[str], baseline_passes: set[str]) -> Doc:
    ids = [q.id for q in load_suite(suite_path).queries]
    cand = results("candidate", [record(i, i in candidate_passes) for i in ids])
    base = results("baseline", [record(i, i in baseline_passes) for i in ids])
    return Doc(cand.model_copy(update={"suite_path": str(suite_path)}),
               base.model_copy(update={"suite_path": str(suite_path)}))


def test_the_extended_tier_is_split_into_seen_and_held_out_workspaces() -> None:
    suite = load_suite(EXTENDED)
    held = heldout_workspaces(DATA_DIR / "workspaces")
    on_held = [q.id for q in suite.queries if q.workspace in held]
    on_seen = [q.id for q in suite.queries if q.workspace and q.workspace not in held]
    # the baseline passes everything it has seen and nothing held out: the table shows exactly that
    text = "\n".join(workspace_lines(_doc(EXTENDED, set(on_held[:3]), set(on_seen))))
    assert f"the {len(on_seen)} queries over workspaces the training rows use, and the {len(on_held)}" in text
    assert f"| candidate (7B) | 0/{len(on_seen)} (0%) | 3/{len(on_held)} ({3 / len(on_held):.0%}) |" in text
    assert f"| baseline (30B) | {len(on_seen)}/{len(on_seen)} (100%) | 0/{len(on_held)} (0%) |" in text


def test_the_core_suite_says_generalisation_is_not_measured() -> None:
    text = "\n".join(workspace_lines(_doc(CORE, set(), set())))
    assert "no tool query on a held-out workspace" in text and "| model |" not in text
