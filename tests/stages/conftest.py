"""Fixtures for the MLX stage tests: a throwaway tiny qwen2 model, chat data, configs, a runner."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))


from tiny_fixtures import CONFIG, Tiny, make_cfg, tiny, write_config  # noqa: E402,F401 - fixtures for this folder

from core import events as ev  # noqa: E402
from core.config import ExperimentConfig  # noqa: E402
from core.runner import Pipeline  # noqa: E402
from core.state import RunState  # noqa: E402


@dataclass
class Outcome:
    pipe: Pipeline
    events: list[Any]
    state: RunState

    def finished(self, stage: str) -> ev.StageFinished:
        return next(e for e in self.events if isinstance(e, ev.StageFinished) and e.stage == stage)

    def equivalent(self, stage: str) -> str:
        """The stage's equivalent command, as the run state has it (from its Equivalent event)."""
        command = self.state.stages[stage].equivalent
        assert command is not None, f"{stage} sent no equivalent command"
        return command

    def of(self, kind: type, stage: str | None = None) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and (stage is None or e.stage == stage)]

    def stderr(self, stage: str) -> str:
        assert self.pipe.run is not None
        return self.pipe.run.stage_log(stage, "stderr").read_text(errors="replace")


def run_stages(
    cfg: ExperimentConfig,
    stages: list[str],
    force: set[str] | None = None,
    cancel_when: Callable[[Any], bool] | None = None,
    grace: float = 20.0,
    hook: Callable[[Pipeline, Any], None] | None = None,
) -> Outcome:
    """Run stages through the real runner (each a subprocess); optionally cancel on an event
    (``cancel_when``) or act on each event (``hook(pipe, event)``)."""
    pipe = Pipeline(cfg, stages, force=force, grace_s=grace, poll_interval=0.05)
    events: list[Any] = []
    fired = threading.Event()
    for e in pipe.events():
        events.append(e)
        if hook is not None:
            hook(pipe, e)
        if cancel_when is not None and not fired.is_set() and cancel_when(e):
            fired.set()
            pipe.cancel()
    return Outcome(pipe, events, RunState.from_events(events))
