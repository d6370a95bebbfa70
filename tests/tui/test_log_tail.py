"""The log tail of a failed stage keeps its reason on top when the stage's log gains lines later."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from core import events as ev
from core.runs import Run
from core.state import StageState
from tui.view import RunView
from tui.widgets.log_tail import LogTail


class TailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogTail()


def _text(log: LogTail) -> list[str]:
    return [str(line.text).rstrip() for line in log.lines]


async def test_a_failed_stage_keeps_its_reason_when_late_lines_replace_the_placeholder(tmp_path: Path) -> None:
    run = Run(tmp_path / "run-1")
    stderr = run.stage_log("prepare", "stderr")
    stderr.parent.mkdir(parents=True)
    stderr.write_text("")
    view = RunView(run=run, origin="replay")
    view.state.stages["prepare"] = StageState("prepare", status="failed", reason="preflight found problems",
                                              exit_code=2)
    app = TailApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(LogTail)
        log.show_stage(view, "prepare")
        await pilot.pause()
        before = _text(log)
        assert before[-1] == "(nothing on stderr)"
        header = before[:-1]
        assert any("failed: preflight found problems" in ln for ln in header)
        assert any("exit code 2" in ln for ln in header)

        stderr.write_text("flushed late by a child of the stage\nsecond line\n")
        assert log.poll() == 2
        await pilot.pause()
        assert _text(log) == [*header, "flushed late by a child of the stage", "second line"]

        stderr.write_text(stderr.read_text() + "third line\n")
        assert log.poll() == 1
        await pilot.pause()
        assert _text(log) == [*header, "flushed late by a child of the stage", "second line", "third line"]


async def test_a_stage_log_is_followed_through_the_run_events(tmp_path: Path) -> None:
    """The stdout log of a run of this version comes from its events alone: the stage's log lines,
    its equivalent command (shown as the stage printed it) and lines printed later."""
    run = Run(tmp_path / "run-2")
    view = RunView(run=run, origin="live")
    view.apply([ev.RunStarted(run_id="run-2", config_path="c.toml", stages=["train"]),
                ev.StageStarted(stage="train", pid=1)])
    app = TailApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(LogTail)
        log.show_stage(view, "train")
        await pilot.pause()
        assert _text(log)[-1] == "(nothing on stdout yet)"

        view.apply([ev.Equivalent(stage="train", command="mlx_lm lora --model m"),
                    ev.LogLine(stage="prepare", text="another stage's line"),
                    ev.LogLine(stage="train", text="[INFO] printed by mlx-lm"),
                    ev.LogLine(stage="train", text="rows left out", level="warning")])
        assert log.poll() == 3
        await pilot.pause()
        assert _text(log) == ["equivalent: mlx_lm lora --model m", "[INFO] printed by mlx-lm", "rows left out"]
        assert not run.stage_log("train", "stdout").exists()  # nothing was read from a file
