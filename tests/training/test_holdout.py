"""The LoRA never trains on a row that states every fact of a suite query: the plan finds those rows
of train.jsonl, the trainer's datasets and the equivalent command's copy of the rows leave them out,
valid.jsonl stays whole, and ``[data] hold_out_leaking = false`` trains on every row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.data.leakage import suite_with_extension
from core.paths import DATA_DIR
from core.training.plan import PlanError, make_plan

T03 = "t03_inventory_failing_test"


def leaking_row() -> dict:
    """A row that asks about t03's workspace with its tool and states every one of its facts."""
    suite, _ = suite_with_extension(DATA_DIR / "suite" / "suite.json")
    name, value = (f.value for f in suite.by_id(T03).facts)
    code = "r = pytest_run('.')\nprint(r.failures)"
    return {"messages": [
        {"role": "user", "content": "Is any test red in inventory?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "execute_code", "arguments": {"code": code}}}]},
        {"role": "tool", "content": f"[{name}]"},
        {"role": "assistant", "content": f"`{name}` fails: the assertion got {value}."}]}


def data_with_a_leak(tiny, folder: Path, at: int = 4) -> tuple[Path, int]:
    """The tiny data with the leaking row inserted as line ``at`` of train.jsonl."""
    folder.mkdir(parents=True)
    lines = (tiny.data / "train.jsonl").read_text().splitlines()
    lines.insert(at - 1, json.dumps(leaking_row()))
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "valid.jsonl").write_text((tiny.data / "valid.jsonl").read_text())
    return folder, at


def test_the_rows_the_lora_trains_on_leave_out_the_one_that_answers_a_suite_query(make_cfg, tiny, tmp_path):
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    from core.stages.train import write_train_data
    from core.training.data import load_datasets, read_rows
    from core.training.mlx_commands import lora_command

    data, line = data_with_a_leak(tiny, tmp_path / "data")
    total = len(read_rows(data / "train.jsonl"))
    plan = make_plan(make_cfg(data=data), lambda p: "h")
    assert plan.holdout.lines == {line} and plan.holdout.stating == {line: [T03]}
    assert (plan.holdout.rows, plan.holdout.trained) == (total, total - 1)

    out = write_train_data(plan, tmp_path / "run" / "train.data")
    assert out is not None
    written = (out / "train.jsonl").read_text()
    assert "the assertion got" not in written and "Is any test red" not in written
    assert (out / "valid.jsonl").read_text().count("\n") == (data / "valid.jsonl").read_text().count("\n")
    assert f"--data {out} " in lora_command(plan, data_dir=out)

    tok = load_tokenizer(tiny.model)
    train, _ = load_datasets(data, tok, mask_prompt=False, batch_size=2, held_out=plan.holdout.lines)
    every, _ = load_datasets(data, tok, mask_prompt=False, batch_size=2)
    assert (len(train), len(every)) == (total - 1, total)

    kept = make_plan(make_cfg("data.hold_out_leaking=false", data=data, folder="kept"), lambda p: "h")
    assert kept.holdout.lines == frozenset() and kept.holdout.stating == {line: [T03]}
    assert kept.holdout.trained == total
    plain = make_plan(make_cfg("data.hold_out_leaking=false", "train.mask_prompt=false", data=data,
                               folder="plain"), lambda p: "h")
    assert write_train_data(plain, tmp_path / "plain.data") is None  # the data folder is what it trains
    unmasked = make_plan(make_cfg("train.mask_prompt=false", data=data, folder="unmasked"), lambda p: "h")
    copy = write_train_data(unmasked, tmp_path / "unmasked.data")
    assert copy is not None and len((copy / "train.jsonl").read_text().splitlines()) == total - 1


def copy_suites(folder: Path) -> Path:
    """A copy of the core suite and its extension, to edit; returns the core file."""
    folder.mkdir()
    for name in ("suite.json", "extended.json"):
        (folder / name).write_text((DATA_DIR / "suite" / name).read_text())
    return folder / "suite.json"


def edit_suite(path: Path, query_id: str, edit) -> None:
    doc = json.loads(path.read_text())
    edit(next(q for q in doc["queries"] if q["id"] == query_id))
    path.write_text(json.dumps(doc))


def change_t03s_count(q: dict) -> None:
    """t03's failing assertion got another value: the row stating 500 no longer answers it."""
    fact = q["facts"][1]
    fact["value"], fact["patterns"] = 501, ["(?<![\\d.])501(?![\\d]|\\.\\d)"]


def test_the_train_cache_key_follows_the_rows_held_out_not_the_suite(make_cfg, tiny, tmp_path):
    """The cache key holds the lines held out, not the suite: an edit to a direct query's rubric or
    prompt keeps it (and the resume key); a changed fact that holds out other rows changes both; with
    hold_out_leaking = false the suite plays no part. The plan file keeps the held-out rows."""
    from core.training.plan import TrainPlan

    data, _ = data_with_a_leak(tiny, tmp_path / "data")
    suite = copy_suites(tmp_path / "suites")

    def plan(*over: str) -> TrainPlan:
        return make_plan(make_cfg(f"data.suite={suite}", *over, data=data), lambda p: "h")

    first = plan()
    assert first.holdout.lines
    edit_suite(suite, "d01_protocol_vs_abc", lambda q: q["rubric"]["groups"][0]["any_of"].append("nominal"))
    edit_suite(suite.with_name("extended.json"), json.loads(suite.with_name("extended.json").read_text())
               ["queries"][-1]["id"], lambda q: q.update(prompt=q["prompt"] + " Thanks."))
    edited = plan()
    assert edited.holdout.suite_sha256 != first.holdout.suite_sha256
    assert (edited.cache_fields, edited.resume_key) == (first.cache_fields, first.resume_key)

    kept = plan("data.hold_out_leaking=false")
    assert kept.resume_key != first.resume_key and kept.cache_fields != first.cache_fields
    edit_suite(suite, T03, change_t03s_count)
    other_rows = plan()
    assert other_rows.holdout.lines == frozenset()
    assert other_rows.cache_fields != first.cache_fields and other_rows.resume_key != first.resume_key
    assert plan("data.hold_out_leaking=false").cache_fields == kept.cache_fields
    assert TrainPlan.from_json(first.to_json()).holdout == first.holdout

    with pytest.raises(PlanError, match="hold_out_leaking = false"):
        make_plan(make_cfg(f"data.suite={tmp_path / 'none.json'}", data=data), lambda p: "h")
    unchecked = make_plan(make_cfg(f"data.suite={tmp_path / 'none.json'}", "data.hold_out_leaking=false",
                                   data=data), lambda p: "h")
    assert unchecked.holdout.stating == {} and unchecked.holdout.trained == unchecked.holdout.rows
    assert unchecked.cache_fields == kept.cache_fields  # the suite plays no part in it
