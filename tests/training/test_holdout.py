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


def test_the_plan_and_its_keys_follow_the_suite(make_cfg, tiny, tmp_path):
    """The cache key holds the suite's hash (core and extension): a changed suite trains again;
    the resume key changes only when other rows are held out. The plan file keeps the held-out rows."""
    from core.training.plan import TrainPlan

    data, _ = data_with_a_leak(tiny, tmp_path / "data")
    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("suite.json", "extended.json"):
        (suites / name).write_text((DATA_DIR / "suite" / name).read_text())
    first = make_plan(make_cfg(f"data.suite={suites / 'suite.json'}", data=data), lambda p: "h")
    assert first.cache_fields["suite"] == suite_with_extension(suites / "suite.json")[0].sha256
    ext = json.loads((suites / "extended.json").read_text())
    ext["queries"][-1]["prompt"] += " Thanks."
    (suites / "extended.json").write_text(json.dumps(ext))
    second = make_plan(make_cfg(f"data.suite={suites / 'suite.json'}", data=data), lambda p: "h")
    assert second.cache_fields != first.cache_fields and second.resume_key == first.resume_key
    kept = make_plan(make_cfg(f"data.suite={suites / 'suite.json'}", "data.hold_out_leaking=false", data=data),
                     lambda p: "h")
    assert kept.resume_key != first.resume_key and kept.cache_fields != second.cache_fields
    assert TrainPlan.from_json(first.to_json()).holdout == first.holdout

    with pytest.raises(PlanError, match="hold_out_leaking = false"):
        make_plan(make_cfg(f"data.suite={tmp_path / 'none.json'}", data=data), lambda p: "h")
    unchecked = make_plan(make_cfg(f"data.suite={tmp_path / 'none.json'}", "data.hold_out_leaking=false",
                                   data=data), lambda p: "h")
    assert unchecked.holdout.stating == {} and unchecked.holdout.trained == unchecked.holdout.rows
