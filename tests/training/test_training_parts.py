"""The parts the resume rests on: the batch order, checkpoints, atomic folders, the plan's keys."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from core.staging import looks_generated, staged_dir
from core.training.callback import remaining_evals
from core.training.checkpoint import CheckpointStore, CorruptCheckpoint
from core.training.data import BatchStream, DataError, read_rows
from core.training.plan import PlanError, make_plan, resolve_base_model, what_changed


class Rows:
    """A stand-in for mlx-lm's CacheDataset: (tokens, prompt offset) per row."""

    def __init__(self, n: int):
        self.items = [(list(range(1, 5 + i % 7)), 1) for i in range(n)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        return self.items[i]

    def itemlen(self, i: int) -> int:
        return 2


def _firsts(stream: BatchStream, dataset: Rows, n: int) -> list[list[int]]:
    gen = stream(dataset, batch_size=2, max_seq_length=64, loop=True)
    return [np.asarray(b[0]).tolist() for b in itertools.islice(gen, n)]


def test_a_stream_started_at_step_k_yields_what_the_full_stream_yields_from_k():
    data = Rows(10)  # 5 batches per epoch: 23 steps cross four epoch boundaries
    full = _firsts(BatchStream(seed=3), data, 23)
    for k in (1, 5, 7, 17):
        assert _firsts(BatchStream(seed=3, start=k), data, 23 - k) == full[k:]
    assert _firsts(BatchStream(seed=4), data, 23) != full
    # Each epoch is a permutation of all batches, and epochs are shuffled differently.
    epochs = [sorted(map(str, full[i:i + 5])) for i in (0, 5, 10)]
    assert epochs[0] == epochs[1] == epochs[2] and full[0:5] != full[5:10]


def test_the_boundary_hook_sees_every_completed_step_and_can_stop_the_stream():
    seen: list[int] = []

    def hook(p: int) -> None:
        seen.append(p)
        if p == 6:
            raise KeyboardInterrupt

    gen = BatchStream(seed=0, start=3, on_boundary=hook)(Rows(8), batch_size=2, max_seq_length=64, loop=True)
    with pytest.raises(KeyboardInterrupt):
        for _ in gen:
            pass
    assert seen == [3, 4, 5, 6]


def test_validation_measures_the_same_batches_every_time():
    data = Rows(12)
    stream = BatchStream(seed=1)
    a = [np.asarray(b[0]).tolist() for b in stream(data, 2, 64, loop=False)]
    b = [np.asarray(b[0]).tolist() for b in stream(data, 2, 64, loop=False)]
    assert a == b and len(a) == 6


@pytest.mark.parametrize("start,total,every", [(0, 20, 10), (7, 20, 10), (0, 25, 4), (13, 13, 5), (3, 9, 100)])
def test_remaining_evals_matches_mlx_lm_s_own_schedule(start, total, every):
    n = total - start
    evals_before = [it for it in range(1, n + 1) if it == 1 or it % every == 0 or it == n]  # mlx-lm's rule
    for done in range(start, total + 1):
        left = sum(1 for it in evals_before if it > done - start)
        assert remaining_evals(start, total, every, done) == left


def _save(store: CheckpointStore, it: int):
    import mlx.core as mx

    return store.save(it, {"w": mx.full((3,), float(it))}, {"step": mx.array(it), "w.m": mx.zeros((3,))},
                      {"resume_key": "k"}, {"fine_tune_type": "lora"})


def test_checkpoints_keep_the_last_two_and_a_damaged_one_names_the_previous(tmp_path):
    store = CheckpointStore(tmp_path / "ckpt")
    for it in (4, 8, 12):
        _save(store, it)
    assert [i for i, _ in store.folders()] == [12, 8]
    latest = store.latest()
    assert latest is not None and latest.iteration == 12 and latest.state["resume_key"] == "k"
    weights, opt = latest.arrays()
    assert weights["w"].tolist() == [12.0] * 3 and int(opt["step"].item()) == 12
    (latest.path / "optimizer.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CorruptCheckpoint) as err:
        store.latest()
    msg = err.value.user_message()
    assert "checkpoint iter 12" in msg and "optimizer.safetensors does not match" in msg
    assert "--force train" in msg and "delete it to resume from iter 8" in msg
    (latest.path / "state.json").write_text("{")
    with pytest.raises(CorruptCheckpoint, match="state.json is unreadable"):
        store.latest()
    moved = store.retire()
    assert moved is not None and not store.folders() and (moved / "iter-0000008").is_dir()


def test_pruning_leaves_another_live_trainers_half_written_checkpoint_alone(tmp_path):
    import subprocess
    import sys

    store = CheckpointStore(tmp_path / "ckpt")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = store.root / f".iter-0000016.tmp-{other.pid}"
        live.mkdir(parents=True)
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
        gone = store.root / f".iter-0000012.tmp-{dead}"
        gone.mkdir()
        _save(store, 4)
        assert live.is_dir()  # still being written by a live process
        assert not gone.exists()  # its writer is gone
    finally:
        other.kill()
        other.wait()


def test_a_staged_folder_replaces_the_target_only_when_complete(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("old")
    with pytest.raises(RuntimeError):
        with staged_dir(target) as tmp:
            (tmp / "config.json").write_text("half")
            raise RuntimeError("failed mid-way")
    assert (target / "config.json").read_text() == "old"
    with staged_dir(target) as tmp:
        (tmp / "config.json").write_text("new")
    assert (target / "config.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("mine")
    assert looks_generated(target) and not looks_generated(precious)


def test_base_model_resolution_and_what_changed(make_cfg, tiny, tmp_path):
    assert resolve_base_model(make_cfg()) == (str(tiny.model), True)
    hub = make_cfg(model="Qwen/Qwen2.5-Coder-7B-Instruct", folder="hub")
    assert resolve_base_model(hub) == ("Qwen/Qwen2.5-Coder-7B-Instruct", False)
    with pytest.raises(PlanError, match="candidate.path"):
        resolve_base_model(make_cfg(model="weights/a/b", folder="deep"))
    plan = make_plan(make_cfg(), lambda p: "h:" + p.name)
    other = make_plan(make_cfg("train.learning_rate=5e-4", folder="lr"), lambda p: "h:" + p.name)
    assert plan.resume_key != other.resume_key
    assert what_changed(plan.inputs, other.inputs) == "the [train] settings"
    longer = make_plan(make_cfg("train.iters=99", folder="longer"), lambda p: "h:" + p.name)
    assert longer.resume_key == plan.resume_key and longer.cache_fields != plan.cache_fields


def test_rows_are_checked_with_file_and_line(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_text(json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n" + json.dumps({"text": "y"}) + "\n")
    with pytest.raises(DataError, match=r"train.jsonl:2: field 'messages'"):
        read_rows(f)


def test_multi_rank_launch_and_equivalent_commands(make_cfg, tmp_path):
    from core.training.distributed import launch_argv, write_hostfile
    from core.training.mlx_commands import lora_command, lora_yaml

    cfg = make_cfg('train.hosts=["127.0.0.1", "localhost"]', "train.lora_parameters.rank=16", folder="hosts")
    plan = make_plan(cfg, lambda p: "h")
    assert plan.world_size == 2
    hostfile = write_hostfile(tmp_path / "hosts.json", plan.settings.hosts, "ring")
    hosts = json.loads(hostfile.read_text())
    assert hosts["backend"] == "ring" and [h["ips"] for h in hosts["hosts"]] == [["127.0.0.1"], ["127.0.0.1"]]
    argv = launch_argv(plan, tmp_path, tmp_path / "plan.json", hostfile, tmp_path / "cancel", tmp_path / "r.json")
    assert argv[argv.index("--hostfile") + 1] == str(hostfile)
    assert argv[argv.index("--") + 1:][:3] == [argv[0], "-m", "core.stages.train_worker"]
    yaml = lora_yaml(plan)
    assert yaml is not None and "rank: 16" in yaml
    cmd = lora_command(plan, tmp_path / "lora.yaml", hostfile)
    assert cmd.startswith(f"mlx.launch --hostfile {hostfile} --backend ring -- mlx_lm lora --model ")
    runnable, _, note = cmd.partition("  # ")
    assert runnable.endswith(f"-c {tmp_path / 'lora.yaml'}")
    assert "--mask-prompt" not in runnable or "one row per assistant turn" in note
    assert "own batch order" in note
    assert lora_yaml(make_plan(make_cfg(folder="plain"), lambda p: "h")) is None


def test_with_mask_prompt_the_execute_code_call_gets_a_row_of_its_own(tiny, tmp_path):
    """mlx-lm takes loss on the last message only; a call -> tool -> answer row must still train the call."""
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    from core.training.data import load_datasets

    row = {
        "messages": [
            {"role": "user", "content": "how many type errors?"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"type": "function", "function": {"name": "execute_code",
                                                  "arguments": {"code": "print(typecheck().error_count)"}}}]},
            {"role": "tool", "content": '{"ok": true, "stdout": "5"}'},
            {"role": "assistant", "content": "There are 5 type errors."},
        ]
    }
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text((json.dumps(row) + "\n") * 2)
    (data / "valid.jsonl").write_text("")
    tok = load_tokenizer(tiny.model)
    masked, _ = load_datasets(data, tok, mask_prompt=True, batch_size=2)
    unmasked, _ = load_datasets(data, tok, mask_prompt=False, batch_size=2)
    assert len(unmasked) == 2 and len(masked) == 4
    # The first expanded row ends with the call: its trained part (after the offset) holds the call.
    tokens, offset = masked[0]
    trained = tok.decode(tokens[offset:])
    assert "execute_code" in trained and "5 type errors" not in trained
    tokens, offset = masked[1]
    assert "5 type errors" in tok.decode(tokens[offset:])


def test_rows_with_nothing_to_train_within_max_seq_length_are_left_out(tiny, tmp_path):
    """A batch of rows whose trained part is cut off entirely has no loss tokens: mlx-lm's loss would
    divide by zero and the weights would turn NaN. Such rows are dropped, with a warning."""
    from mlx_lm.tokenizer_utils import load as load_tokenizer

    from core.training.data import load_datasets

    long_prompt = "word " * 300
    rows = [{"messages": [{"role": "user", "content": long_prompt}, {"role": "assistant", "content": "ok"}]}] * 3
    rows += [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}] * 2
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (data / "valid.jsonl").write_text("")
    tok = load_tokenizer(tiny.model)
    warnings: list[str] = []
    train, _ = load_datasets(data, tok, mask_prompt=True, batch_size=2, max_seq_length=64, warn=warnings.append)
    assert len(train) == 2
    assert warnings and "3 of 5 rows have nothing to train" in warnings[0]
    for i in range(len(train)):
        tokens, offset = train[i]
        assert offset < len(tokens) - 1
    with pytest.raises(DataError, match="only 2 rows have something to train"):
        load_datasets(data, tok, mask_prompt=True, batch_size=4, max_seq_length=64)


def test_the_train_equivalent_trains_the_rows_phase25_trains(make_cfg, tmp_path):
    """With mask_prompt, phase25 trains one row per assistant turn; `mlx_lm lora --data` of the
    equivalent command must get those rows, not the unsplit ones."""
    from core.stages.train import write_train_data
    from core.training.mlx_commands import lora_command

    turns = [{"role": "user", "content": "q"},
             {"role": "assistant", "content": "", "tool_calls": [
                 {"type": "function", "function": {"name": "execute_code", "arguments": {"code": "print(1)"}}}]},
             {"role": "tool", "content": "1"}, {"role": "assistant", "content": "one"}]
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text(json.dumps({"messages": turns}) + "\n" + json.dumps({"messages": turns[:2]}) + "\n")
    (data / "valid.jsonl").write_text(json.dumps({"messages": turns}) + "\n")
    plan = make_plan(make_cfg(data=data), lambda p: "h")
    out = write_train_data(plan, tmp_path / "run" / "stages" / "train.data")
    assert out == tmp_path / "run" / "stages" / "train.data"
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert [len(r["messages"]) for r in train] == [2, 4, 2]
    assert train[0]["messages"][-1]["tool_calls"][0]["function"]["name"] == "execute_code"
    assert [len(json.loads(x)["messages"]) for x in (out / "valid.jsonl").read_text().splitlines()] == [2, 4]
    cmd = lora_command(plan, data_dir=out)
    assert f"--data {out} " in cmd and "one row per assistant turn" not in cmd
    plain = make_plan(make_cfg("train.mask_prompt=false", data=data, folder="plain"), lambda p: "h")
    assert write_train_data(plain, tmp_path / "plain.data") is None and not (tmp_path / "plain.data").exists()


def test_the_extra_validation_mlx_lm_runs_at_a_resume_point_never_counts():
    """A resumed run validates at the resume step (mlx-lm's 'before step 1'); an uninterrupted run
    does not, so that result must not change the best adapter or early stopping."""
    from core.training.callback import EventCallback, TrainProgress

    def callback(start: int) -> tuple[EventCallback, list]:
        sent: list = []
        return EventCallback(emit=sent.append, start=start, total=100, steps_per_eval=10, progress=TrainProgress(),
                             patience=1, on_best=lambda it: None), sent

    cb, sent = callback(35)
    cb.on_val_loss_report({"iteration": 0, "val_loss": 0.5, "val_time": 0.1})  # at 35: not a regular eval
    assert sent == [] and cb.progress.best_val_loss is None and cb.progress.evals_since_best == 0
    cb.start = 40  # the next call of mlx-lm's trainer starts at the validation boundary
    cb.on_val_loss_report({"iteration": 9, "val_loss": 1.0, "val_time": 0.1})
    assert [(e.iteration, e.best_iteration) for e in sent] == [(49, 49)]
    # An early stop saves right after its validation: resumed there, the same validation is not
    # counted a second time (the replayed history already shows it).
    cb, sent = callback(29)
    cb.progress = TrainProgress(last_val_iteration=29, best_val_loss=0.4, best_iteration=9, evals_since_best=2)
    cb.on_val_loss_report({"iteration": 0, "val_loss": 0.6, "val_time": 0.1})
    assert sent == [] and cb.progress.evals_since_best == 2
    cb, sent = callback(39)  # a straight run validates before step 40 (reported as 39): it counts
    cb.on_val_loss_report({"iteration": 0, "val_loss": 0.5, "val_time": 0.1})
    assert [(e.iteration, e.val_loss) for e in sent] == [(39, 0.5)] and cb.progress.best_iteration == 39


@pytest.mark.parametrize(("start", "total", "report", "every"),
                         [(0, 100, 10, 20), (35, 100, 10, 20), (40, 100, 10, 20), (57, 60, 5, 20),
                          (13, 100, 4, 12), (99, 600, 10, 100), (35, 100, 10, 15)])
def test_a_resumed_run_reports_and_validates_where_an_uninterrupted_run_does(start, total, report, every):
    """mlx-lm's own schedule, called once per span: the reports and the validations that count
    (regular ones) fall on the same iterations as one uninterrupted call, from ``start`` on."""
    from core.training.callback import regular_eval, resume_segments

    def mlx_lm_calls(spans):
        reports, vals, extra = [], [], 0
        for a, b, validate in spans:
            n = b - a
            for it in range(1, n + 1):
                if validate and (it == 1 or it % every == 0 or it == n):
                    v = a + it - 1
                    if regular_eval(v, total, every):
                        vals.append(v)
                    else:
                        extra += 1
                if it % report == 0 or it == n:
                    reports.append(a + it)
        return reports, vals, extra

    straight_reports, straight_vals, _ = mlx_lm_calls([(0, total, True)])
    spans = resume_segments(start, total, report, every)
    assert spans[0][0] == start and spans[-1][1] == total
    assert all(b == c for (_, b, _), (c, _, _) in zip(spans, spans[1:], strict=False))
    reports, vals, extra = mlx_lm_calls(spans)
    if every % report == 0:
        assert reports == [r for r in straight_reports if r > start]
        assert vals == [v for v in straight_vals if v >= start]
        assert extra <= 2  # the one at each restart, at most
    else:  # one call: as before, reports after the resume keep mlx-lm's own count
        assert spans == [(start, total, True)] or start == 0


def test_it_per_second_counts_the_steps_a_short_report_window_really_took():
    """Resumed at 99, the first call of mlx-lm's trainer runs one step and reports; mlx-lm divides
    steps_per_report (10) by that one step's time, ten times too fast. The event and the ETA must
    use the real rate."""
    from core.training.callback import EventCallback, TrainProgress

    sent: list = []
    cb = EventCallback(emit=sent.append, start=99, total=600, steps_per_eval=100, progress=TrainProgress(),
                       steps_per_report=10)
    info = {"train_loss": 1.0, "learning_rate": 1e-4, "tokens_per_second": 100.0, "trained_tokens": 50}
    cb.on_train_loss_report({**info, "iteration": 1, "iterations_per_second": 20.0})  # 1 step in 0.5 s
    assert sent[-1].iteration == 100 and sent[-1].iterations_per_second == pytest.approx(2.0)
    assert sent[-1].eta_s == pytest.approx(500 / 2.0 + 0, abs=1e-6)  # no validation timed yet
    cb.start = 100  # the next call starts at the report boundary
    cb.on_train_loss_report({**info, "iteration": 10, "iterations_per_second": 2.5})  # 10 steps in 4 s
    assert sent[-1].iteration == 110 and sent[-1].iterations_per_second == pytest.approx(2.5)
