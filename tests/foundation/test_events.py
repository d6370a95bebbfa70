"""The event stream: round trips, old/partial files never crash, truncated lines are reported."""

from __future__ import annotations

import json
from pathlib import Path

from core import events as ev
from core.stage_summaries import CompareSummary, StageSummary, TrainSummary
from core.state import RunState


def test_round_trip_through_a_file(tmp_path):
    path = tmp_path / "events.jsonl"
    with ev.EventWriter(path, stage="train") as w:
        w.emit(ev.StageStarted(pid=1))
        w.emit(ev.TrainReport(iteration=10, total_iters=600, train_loss=1.5, learning_rate=1e-4,
                              iterations_per_second=2.0, tokens_per_second=500.0, trained_tokens=1000))
        w.emit(ev.StageFinished(duration_s=3.0, headline="done"))
    events, bad = ev.read_events(path)
    assert bad == []
    assert [type(e).__name__ for e in events] == ["StageStarted", "TrainReport", "StageFinished"]
    assert all(e.stage == "train" and e.v == ev.SCHEMA_VERSION for e in events)
    state = RunState.from_events(events)
    assert state.stages["train"].status == "done"
    assert state.train[0].train_loss == 1.5


def test_truncated_last_line_is_skipped_and_reported(tmp_path):
    path = tmp_path / "events.jsonl"
    with ev.EventWriter(path, stage="prepare") as w:
        w.emit(ev.StageStarted(pid=1))
        w.emit(ev.Progress(current=1, total=2))
    whole = ev.encode(ev.StageFinished(stage="prepare", duration_s=1.0))
    with open(path, "a") as fh:
        fh.write(whole[: len(whole) // 2])  # the writer died mid-line
    events, bad = ev.read_events(path)
    assert len(events) == 2
    assert len(bad) == 1 and bad[0].line == 3 and bad[0].truncated
    assert "truncated" in bad[0].reason


def test_corrupt_and_unknown_lines_do_not_crash(tmp_path):
    path = tmp_path / "events.jsonl"
    lines = [
        json.dumps({"type": "stage_started", "stage": "train", "v": 1, "ts": 1.0}),
        "not json at all",
        json.dumps({"type": "from_the_future", "v": 9, "ts": 2.0, "stage": "train", "x": 1}),
        json.dumps([1, 2, 3]),
        json.dumps({"type": "train_report", "stage": "train"}),  # missing fields: reported
        "",
    ]
    path.write_text("\n".join(lines) + "\n")
    events, bad = ev.read_events(path)
    assert [type(e).__name__ for e in events] == ["StageStarted", "UnknownEvent"]
    assert events[1].model_extra["x"] == 1
    assert [b.line for b in bad] == [2, 4, 5]
    assert not any(b.truncated for b in bad)
    assert RunState.from_events(events).unknown == 1


def test_tail_returns_only_complete_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = ev.EventTail(path)
    assert tail.poll() == []
    line = ev.encode(ev.LogLine(text="hello", stage="prepare"))
    with open(path, "a") as fh:
        fh.write(line[:10])
    assert tail.poll() == []
    with open(path, "a") as fh:
        fh.write(line[10:])
    got = tail.poll()
    assert len(got) == 1 and got[0].text == "hello"


def _stage_events(stage: str, end: type, **extra):
    started = ev.StageStarted(stage=stage, pid=1)
    if end is ev.StageFinished:
        return [started, ev.StageFinished(stage=stage, duration_s=1.0, **extra)]
    if end is ev.StageCancelled:
        return [started, ev.StageCancelled(stage=stage, duration_s=1.0)]
    return [started, ev.StageFailed(stage=stage, exit_code=1, reason="boom")]


def test_a_run_left_to_finish_on_its_own_is_listed_by_how_its_stages_ended():
    """The dashboard can quit and leave the stage in flight running: no run_finished is written,
    so the listing must read the stages rather than call every such run interrupted."""
    start = ev.RunStarted(run_id="r", config_path="c.toml", stages=["prepare", "train"], demo=True)
    both_done = [start, *_stage_events("prepare", ev.StageFinished), *_stage_events("train", ev.StageFinished)]
    assert RunState.from_events(both_done).derived_status() == "done"
    assert RunState.from_events(both_done).derived_status(alive=True) == "running"

    train_failed = [start, *_stage_events("prepare", ev.StageFinished), *_stage_events("train", ev.StageFailed)]
    assert RunState.from_events(train_failed).derived_status() == "failed"

    cancelled = [start, *_stage_events("prepare", ev.StageFinished), *_stage_events("train", ev.StageCancelled)]
    assert RunState.from_events(cancelled).derived_status() == "cancelled"

    # the writer died mid-stage, or before the second stage started: interrupted
    mid_stage = [start, *_stage_events("prepare", ev.StageFinished), ev.StageStarted(stage="train", pid=2)]
    assert RunState.from_events(mid_stage).derived_status() == "interrupted"
    between = [start, *_stage_events("prepare", ev.StageFinished)]
    assert RunState.from_events(between).derived_status() == "interrupted"


def test_a_run_without_run_finished_lasts_until_its_latest_event():
    events = [
        ev.RunStarted(run_id="r", config_path="c.toml", stages=["prepare"], demo=True, ts=100.0),
        ev.StageStarted(stage="prepare", pid=1, ts=101.0),
        ev.StageFinished(stage="prepare", duration_s=30.0, ts=131.0),
    ]
    assert RunState.from_events(events).duration_s == 31.0
    finished = [*events, ev.RunFinished(status="done", duration_s=40.0, ts=140.0)]
    assert RunState.from_events(finished).duration_s == 40.0


# A whole demo run recorded by the first event schema (kept as it was written, for this test).
RECORDED = Path(__file__).parent / "recordings" / "schema1_full_run.events.jsonl"


def test_a_run_recorded_by_the_first_event_schema_still_reads_whole():
    """Version 1 carried the equivalent commands as log lines and summary keys, and summaries as
    plain dicts: every line still reads, every stage's summary is its typed model, and every stage
    that named an equivalent command has it."""
    events, bad = ev.read_events(RECORDED)
    assert bad == [] and len(events) == len(RECORDED.read_text().splitlines())
    state = RunState.from_events(events)
    assert state.version == 1 and state.status == "done"
    train = state.stages["train"].summary
    assert isinstance(train, TrainSummary) and train.iterations == 600 and train.best_iteration == 599
    assert isinstance(state.stages["compare"].summary, CompareSummary)
    assert state.stages["compare"].summary.comparison.endswith("comparison.json")
    for name, start in (("prepare", "phase25 data check "), ("train", "mlx_lm lora "), ("fuse", "mlx_lm fuse "),
                        ("quantize", "mlx_lm convert "), ("parity", "mlx_lm convert "),
                        ("test_candidate", "mlx_lm.generate "), ("compare", "# no mlx-lm equivalent"),
                        ("report", "# no mlx-lm equivalent")):
        assert (state.stages[name].equivalent or "").startswith(start), name
    assert not any(isinstance(e, ev.LogLine) and e.text.startswith("equivalent: ") for e in events)


def test_a_summary_round_trips_as_its_stage_model_and_an_odd_one_is_kept_not_lost(tmp_path):
    path = tmp_path / "events.jsonl"
    with ev.EventWriter(path) as w:
        w.emit(ev.StageFinished(stage="train", summary=TrainSummary(iterations=8, total_iters=8, adapter="a")))
        w.emit(ev.StageFinished(stage="train", summary={"iterations": "many", "from_a_newer_writer": 1}))
        w.emit(ev.StageFinished(stage="plugin", summary={"rows": 3}))
    (typed, odd, plugin), bad = ev.read_events(path)
    assert bad == []
    assert typed.summary == TrainSummary(iterations=8, total_iters=8, adapter="a")
    assert type(odd.summary) is StageSummary and odd.summary.model_extra == {"iterations": "many",
                                                                               "from_a_newer_writer": 1}
    assert type(plugin.summary) is StageSummary and plugin.summary.model_extra == {"rows": 3}
    assert not isinstance(RunState.from_events([odd]).stages["train"].summary, TrainSummary)
