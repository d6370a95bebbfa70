"""The command palette (ctrl+p): run a stage, run all, cancel, open a past run, go to a screen,
export the results."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from core.pipeline import STAGES
from core.runs import list_runs

if TYPE_CHECKING:
    from tui.app import Phase25App

SCREEN_NAMES = (("pipeline", "Pipeline"), ("results", "Results"), ("runs", "Runs"), ("config", "Config"))


class Phase25Commands(Provider):
    def commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = cast("Phase25App", self.app)
        out: list[tuple[str, Callable[[], Any], str]] = []
        for s in STAGES:
            out.append((f"Run stage: {s.title}", partial(app.run_stage, s.name),
                        "after its prerequisites (cached ones finish at once)"))
            out.append((f"Force re-run: {s.title}", partial(app.run_stage, s.name, True),
                        "ignore the stage's cache"))
        out.append(("Run all stages", app.run_all, "the whole pipeline, prepare to report"))
        out.append(("Cancel the running stage", app.action_cancel_run, "it saves its work, then stops"))
        for mode, label in SCREEN_NAMES:
            out.append((f"Go to: {label}", partial(app.action_show, mode), "screen"))
        out.append(("Export report: results as Markdown", app.export_results,
                    "writes the Results screen (summary and table) into the run folder"))
        out.append(("Back to the live run", app.action_back_to_live, ""))
        out.append(("Reload config", app.reload_config, ""))
        if app.cfg is not None:
            for run in list_runs(app.cfg.runs_dir)[:30]:
                out.append((f"Open run: {run.id}", partial(app.open_run, run, "replay"), "replay it"))
                out.append((f"Overlay loss of run: {run.id}", partial(app.open_run, run, "overlay"),
                            "draw its loss curve over the run shown"))
        return out

    async def discover(self) -> Hits:
        for name, cb, help_text in self.commands():
            if name.startswith(("Force", "Overlay", "Open run")):
                continue
            yield DiscoveryHit(name, cb, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, cb, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), cb, help=help_text)
