"""Seen against held-out workspaces: the tool queries' strict passes on the fixture workspaces the
training rows use, and on those listed in data/workspaces/HELDOUT that no training row may use.

A model that remembers facts about the seen workspaces scores higher there; the held-out share
measures what it does on code it has never been trained near.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from core.data.heldout import workspace_split
from core.data.suite import SuiteError, load_suite
from core.evaluation.schema import ResultsFile
from core.paths import DATA_DIR


class _Combined(Protocol):
    candidate: ResultsFile
    baseline: ResultsFile


def _passes(results: ResultsFile, ids: list[str]) -> str:
    by_id = results.by_id()
    got = [by_id[i].score.strict_pass for i in ids if i in by_id]
    return f"{sum(got)}/{len(got)}" + (f" ({sum(got) / len(got):.0%})" if got else "")


def workspace_lines(doc: _Combined, workspaces: Path = DATA_DIR / "workspaces") -> list[str]:
    """The report's "Seen and held-out workspaces" section (Markdown lines)."""
    head = ["## Seen and held-out workspaces", ""]
    try:
        suite = load_suite(Path(doc.candidate.suite_path))
    except (SuiteError, OSError) as exc:
        return [*head, f"Not shown: the suite could not be read ({exc}).", ""]
    split = workspace_split({q.id: q.workspace for q in suite.queries}, workspaces)
    if not split["heldout"]:
        return [*head, "This suite has no tool query on a held-out workspace (the extended tier has them: "
                "`evaluation.suite_tier = \"extended\"`), so generalisation beyond the training workspaces is "
                "not measured in this run.", ""]
    rows = [f"| {role} | {_passes(res, split['seen'])} | {_passes(res, split['heldout'])} |"
            for role, res in (("candidate (7B)", doc.candidate), ("baseline (30B)", doc.baseline))]
    return [*head, f"Tool queries' strict passes on the {len(split['seen'])} queries over workspaces the training "
            f"rows use, and the {len(split['heldout'])} over workspaces held out of all training "
            "(data/workspaces/HELDOUT).", "", "| model | seen workspaces | held-out workspaces |", "|---|---|---|",
            *rows, ""]
