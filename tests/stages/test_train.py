"""The train stage's user-facing behaviour: clear errors, the stage cache, resume decisions, early stop."""

from __future__ import annotations

import json
import shutil

from conftest import run_stages

from core import events as ev


def test_a_missing_base_model_fails_clearly_naming_the_path_and_the_key(make_cfg, tmp_path):
    cfg = make_cfg(model="./models/not-there")
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "failed"
    reason = out.state.stages["train"].reason
    assert str(tmp_path / "exp" / "models" / "not-there") in reason
    assert "candidate.path" in reason and str(cfg.source) in reason
    assert "Traceback" not in out.stderr("train")


def test_bad_training_data_fails_naming_the_file_and_the_line(make_cfg, tiny, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny.data, data)
    lines = (data / "valid.jsonl").read_text().splitlines()
    lines[2] = '{"messages": [{"role": "user", "content": "hi"}'  # cut short
    (data / "valid.jsonl").write_text("\n".join(lines) + "\n")
    out = run_stages(make_cfg(data=data), ["train"])
    assert out.pipe.status == "failed"
    assert f"{data / 'valid.jsonl'}:3: invalid JSON" in out.state.stages["train"].reason
    assert "Traceback" not in out.stderr("train")


def _train_run(cfg, force=False):
    out = run_stages(cfg, ["train"], force={"train"} if force else None)
    assert out.pipe.status == "done", out.stderr("train")
    return out


def _train(cfg, force=False):
    return _train_run(cfg, force).finished("train")


def test_the_stage_cache_hits_when_nothing_changed_and_misses_on_settings_data_or_force(make_cfg, tiny, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny.data, data)
    base = ("train.iters=8",)
    first = _train(make_cfg(*base, data=data))
    assert not first.cached and first.summary.resume_note == "no checkpoint: starting fresh"

    again_run = _train_run(make_cfg(*base, data=data))
    again = again_run.finished("train")
    assert again.cached and again.headline == first.headline
    assert again.summary == first.summary
    assert again_run.equivalent("train").startswith("mlx_lm lora ")
    # How often it reports cannot change the adapter: still cached.
    assert _train(make_cfg(*base, "train.steps_per_report=2", data=data)).cached

    # More iterations: not cached, and it continues from the finished run's last checkpoint.
    longer = _train(make_cfg("train.iters=12", data=data))
    assert not longer.cached and longer.summary.resumed_from == 8 and longer.summary.iterations == 12

    changed_lr = _train(make_cfg("train.iters=12", "train.learning_rate=2e-3", data=data))
    assert not changed_lr.cached and changed_lr.summary.resumed_from is None
    assert "the [train] settings changed" in changed_lr.summary.resume_note

    with open(data / "train.jsonl", "a") as fh:
        fh.write((data / "train.jsonl").read_text().splitlines()[0] + "\n")
    changed_data = _train(make_cfg("train.iters=12", "train.learning_rate=2e-3", data=data))
    assert not changed_data.cached and "the training data changed" in changed_data.summary.resume_note

    assert _train(make_cfg("train.iters=12", "train.learning_rate=2e-3", data=data)).cached
    forced = _train(make_cfg("train.iters=12", "train.learning_rate=2e-3", data=data), force=True)
    assert not forced.cached and forced.summary.resume_note.startswith("--force: starting over")
    assert forced.summary.resumed_from is None


def test_early_stop_keeps_the_best_adapter(make_cfg):
    # A learning rate far too high: validation gets worse after the first evaluations.
    cfg = make_cfg("train.iters=40", "train.steps_per_eval=2", "train.patience=2", "train.learning_rate=0.3")
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "done", out.stderr("train")
    summary = out.finished("train").summary
    assert summary.early_stopped is True  # the run is seeded: same data, init and order every time
    vals = out.of(ev.ValReport, "train")
    best = min(vals, key=lambda v: v.val_loss)
    assert summary.best_iteration == best.iteration and summary.iterations < 40
    assert [v.iteration for v in vals][-3] == best.iteration  # stopped after 2 evaluations without a gain
    adapter = cfg.resolve(cfg.outputs.adapter)
    assert (adapter / "adapters.safetensors").read_bytes() == (adapter / "best" / "adapters.safetensors").read_bytes()
    assert json.loads((adapter / "best" / "best.json").read_text())["iteration"] == best.iteration
    assert "early stop" in out.finished("train").headline


def test_an_adapter_folder_phase25_did_not_make_is_never_overwritten(make_cfg):
    cfg = make_cfg("train.iters=4")
    adapter = cfg.resolve(cfg.outputs.adapter)
    adapter.mkdir(parents=True)
    (adapter / "adapters.safetensors").write_bytes(b"a user's own adapter")
    (adapter / "adapter_config.json").write_text("{}")
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "failed"
    reason = out.state.stages["train"].reason
    assert f"{adapter} (outputs.adapter) holds adapter_config.json, adapters.safetensors" in reason
    assert "not replacing it" in reason and "Traceback" not in out.stderr("train")
    assert (adapter / "adapters.safetensors").read_bytes() == b"a user's own adapter"
    assert sorted(p.name for p in adapter.iterdir()) == ["adapter_config.json", "adapters.safetensors"]


def test_a_first_training_killed_before_its_first_checkpoint_is_still_ours(make_cfg):
    """Killed early, a first training leaves only best/ (the step-0 validation) beside its mark."""
    cfg = make_cfg("train.iters=4")
    first = run_stages(cfg, ["train"])
    assert first.pipe.status == "done", first.stderr("train")
    adapter = cfg.resolve(cfg.outputs.adapter)
    assert (adapter / ".phase25-adapter").is_file()
    import shutil

    for p in adapter.iterdir():  # what an OOM kill before the first checkpoint leaves
        if p.name not in (".phase25-adapter", "best"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    shutil.rmtree(cfg.runs_dir.parent / "cache", ignore_errors=True)  # and no cache record
    again = run_stages(cfg, ["train"])
    assert again.pipe.status == "done", again.state.stages["train"].reason


def test_a_missing_local_model_that_looks_like_a_hub_id_says_there_is_no_local_folder_either(make_cfg, tmp_path,
                                                                                           monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network here: fail fast, as a machine offline would
    cfg = make_cfg(model="models/Qwen2.5-Coder-7B-Instruct")
    out = run_stages(cfg, ["train"])
    assert out.pipe.status == "failed"
    reason = out.state.stages["train"].reason
    # The fetch step tries the hub first, and says where a local folder was looked for.
    assert reason.startswith("cannot download models/Qwen2.5-Coder-7B-Instruct (candidate.path in ")
    assert f"; no local folder {tmp_path / 'exp' / 'models' / 'Qwen2.5-Coder-7B-Instruct'} either" in reason
    assert "Traceback" not in out.stderr("train")


def test_the_lora_never_trains_on_a_row_that_states_a_suite_querys_facts(make_cfg, tiny, tmp_path):
    """Through the real stage: the row is held out (logged, listed with its file:line and query,
    counted in the summary and the headline, absent from the equivalent command's rows), the data
    files are untouched; an edit to the suite that holds out the same rows keeps the cache, one that
    holds out other rows trains again, and hold_out_leaking = false trains on the row, its cached
    summary counting the rows stating suite facts for the suite of the day."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "training"))
    from test_holdout import T03, change_t03s_count, copy_suites, data_with_a_leak, edit_suite

    from core.evaluation.training_data import training_lines
    from core.stagecache import StageCache

    data, line = data_with_a_leak(tiny, tmp_path / "data", at=5)
    n = len((data / "train.jsonl").read_text().splitlines())
    before = (data / "train.jsonl").read_bytes()
    suite = copy_suites(tmp_path / "suites")
    base = ("train.iters=4", f"data.suite={suite}")
    out = _train_run(make_cfg(*base, data=data))
    done = out.finished("train")
    s = done.summary
    assert (s.rows_in_train_file, s.rows_trained, s.rows_held_out_for_leaks, s.rows_stating_suite_facts) == (n, n - 1, 1, 1)
    assert s.stating_per_query == {T03: 1} and s.hold_out_leaking is True
    assert "1 row held out (suite facts)" in done.headline
    listing = out.pipe.run.path / "stages" / "train.held_out.txt"
    assert s.held_out_list == str(listing)
    assert f"train.jsonl:{line}: {T03}" in listing.read_text()
    logged = [e.text for e in out.of(ev.LogLine, "train")]
    assert f"holding 1 of {n} training rows out of the LoRA: they state every fact of a suite query ({T03} ×1); " \
           f"list in {listing}" in logged
    copied = out.pipe.run.path / "stages" / "train.data" / "train.jsonl"
    assert f"--data {copied.parent} " in out.equivalent("train") and "the assertion got" not in copied.read_text()
    assert (data / "train.jsonl").read_bytes() == before
    assert f"The LoRA trained on {n - 1} of the {n} rows of train.jsonl. 1 row was held out" in training_lines(s.model_dump())[0]

    # A direct query's rubric and an extended prompt edited: the same rows are held out, still cached.
    edit_suite(suite, "d01_protocol_vs_abc", lambda q: q["rubric"]["groups"][0]["any_of"].append("nominal"))
    extended = suite.with_name("extended.json")
    last = json.loads(extended.read_text())["queries"][-1]["id"]
    edit_suite(extended, last, lambda q: q.update(prompt=q["prompt"] + " Thanks."))
    again = _train_run(make_cfg(*base, data=data))
    hit = again.finished("train")
    assert hit.cached and hit.headline == done.headline
    assert hit.summary.held_out_list == str(again.pipe.run.path / "stages" / "train.held_out.txt")
    assert hit.summary.model_copy(update={"held_out_list": s.held_out_list}) == s

    # t03's fact changed: the row no longer states it, so no row is held out and the stage trains again.
    edited_suite = suite.read_text()
    edit_suite(suite, T03, change_t03s_count)
    other = _train(make_cfg(*base, data=data))
    assert not other.cached and "the rows held out for stating suite facts changed" in other.summary.resume_note
    assert (other.summary.rows_trained, other.summary.rows_held_out_for_leaks) == (n, 0)

    # hold_out_leaking = false trains on the row that states t03's facts again (the same rows as the
    # run before: it resumes)...
    suite.write_text(edited_suite)
    kept = _train(make_cfg(*base, "train.iters=6", "data.hold_out_leaking=false", data=data))
    k = kept.summary
    assert not kept.cached and k.resumed_from == 4, k.resume_note
    assert (k.rows_trained, k.rows_held_out_for_leaks, k.rows_stating_suite_facts) == (n, 0, 1)
    assert "trained on 1 row stating suite facts" in kept.headline
    assert f"all {n} rows of train.jsonl, and 1 of them states every fact" in training_lines(k.model_dump())[0]
    # ... and then no suite change moves its cache; a fact the row no longer states is counted anew.
    edit_suite(suite, T03, change_t03s_count)
    recounted = _train(make_cfg(*base, "train.iters=6", "data.hold_out_leaking=false", data=data))
    r = recounted.summary
    assert recounted.cached and (r.rows_trained, r.rows_stating_suite_facts, r.stating_per_query) == (n, 0, {})
    assert "stating suite facts" not in recounted.headline and recounted.headline.startswith("iter 6/6")
    record = StageCache(make_cfg(*base, data=data).runs_dir.parent / "cache").read("train")
    assert record["summary"]["rows_stating_suite_facts"] == 0 and record["headline"] == recounted.headline
    assert "none states every fact of a suite query" in training_lines(record["summary"])[0]


def test_the_report_counts_the_rows_only_for_the_adapter_the_train_stage_trained(make_cfg, tmp_path):
    """The report's training-data section takes the train stage's counts only for the adapter folder
    its record names, with the weights it recorded; an adapter copied elsewhere (as a user's own
    adapter path), one whose weights were replaced, or no train record at all: the rows it trained
    on are unknown, and the section says so rather than telling to train it again."""
    from core.evaluation.training_data import training_lines
    from core.stagecache import StageCache
    from core.stages.report import trained_adapter_summary

    cfg = make_cfg("train.iters=2")
    _train(cfg)
    record = StageCache(cfg.runs_dir.parent / "cache").read("train")
    adapter = cfg.resolve(cfg.outputs.adapter)
    ours = trained_adapter_summary(record, adapter)
    assert ours is not None and ours["rows_trained"] == ours["rows_in_train_file"] > 0
    assert training_lines(ours)[0].startswith(f"The LoRA trained on all {ours['rows_trained']} rows")

    theirs = tmp_path / "their-adapter"
    shutil.copytree(adapter, theirs)
    assert trained_adapter_summary(record, theirs) is None
    assert trained_adapter_summary({}, adapter) is None
    weights = adapter / "adapters.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    assert trained_adapter_summary(record, adapter) is None
    unknown = training_lines(None)[0]
    assert "unknown" in unknown and "not trained by this pipeline's train stage" in unknown
    assert "train it again" not in unknown
