"""The preflight on the committed data with the real Qwen tokenizers, and the prepare stage that
runs it inside the pipeline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core import events as ev
from core.cli import main
from core.config import load_config
from core.data.preflight import preflight
from core.paths import DATA_DIR, PROJECT_ROOT, REAL_CONFIG
from core.runner import Pipeline
from core.state import RunState


def test_data_check_on_the_committed_data_with_both_real_tokenizers(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["data", "check", "data/phase24_merged" if Path.cwd() == PROJECT_ROOT
               else str(DATA_DIR / "phase24_merged")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"config: {REAL_CONFIG}" in out  # chosen because it names this folder as data.train
    assert "857 rows · 419 tool / 438 direct" in out
    assert "typecheck 129 · ruff_check 125 · pytest_run 83 · read_file 107 · run_command 58" in out
    assert "duplicates: 0 exact · 0 valid rows near-duplicate a train row" in out
    assert "rebuilt real qwen2.5 tokenizer" in out and "rebuilt real qwen3 tokenizer" in out
    assert out.count("857/857 rows render") == 2
    assert out.count("max_seq_length 4096: 0 would be truncated") == 2
    # the seed's risk 3: one token in Qwen3, several in Qwen2.5
    qwen25, qwen3 = out.split("baseline (")
    assert "<tool_response> 4 tokens" in qwen25 and "<tool_call> 1 token" in qwen25
    assert "<tool_response> 1 token" in qwen3 and "</tool_response> 1 token" in qwen3
    assert "mask_prompt: 419 rows call a tool before their last turn; training splits each" in out


SMALL = """
[experiment]
name = "prepare-test"

[candidate]
name = "Qwen2.5-Coder-7B-Instruct"
path = "Qwen/Qwen2.5-Coder-7B-Instruct"
family = "qwen2.5"

[baseline]
name = "Qwen3-30B-A3B"
path = "Qwen/Qwen3-30B-A3B"
family = "qwen3"

[data]
train = "data"
suite = "{suite}"
workspaces = "{workspaces}"

[train]
max_seq_length = 1400

[outputs]
runs_dir = "runs"
"""


def _small_config(tmp_path: Path, train_rows: list[bytes]) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_bytes(b"".join(train_rows))
    valid = (DATA_DIR / "phase24_merged" / "valid.jsonl").read_bytes().splitlines(keepends=True)[:4]
    (tmp_path / "data" / "valid.jsonl").write_bytes(b"".join(valid))
    cfg = tmp_path / "exp.toml"
    cfg.write_text(SMALL.format(suite=DATA_DIR / "suite" / "suite.json", workspaces=DATA_DIR / "workspaces"))
    return cfg


def _events(pipe: Pipeline) -> list:
    events, _ = pipe.run.read_events()
    return events


def test_prepare_stage_reports_the_statistics(tmp_path: Path) -> None:
    train = (DATA_DIR / "phase24_merged" / "train.jsonl").read_bytes().splitlines(keepends=True)[:16]
    cfg = load_config(_small_config(tmp_path, train))
    pipe = Pipeline(cfg, ["prepare"])
    assert pipe.run_to_end() == "done"
    done = [e for e in _events(pipe) if isinstance(e, ev.StageFinished)][0]
    s = done.summary
    assert done.headline == f"20 rows · {s.tool} tool / {s.direct} direct" and s.tool > 0
    assert s.rows == {"train": 16, "valid": 4} and s.suite["tool"] == 13
    toks = {t["role"]: t for t in s.tokenizers}
    assert toks["candidate"]["markers"]["<tool_response>"] > 1 and toks["baseline"]["markers"]["<tool_response>"] == 1
    assert toks["candidate"]["tokens"]["max"] >= toks["candidate"]["tokens"]["median"] >= toks["candidate"]["tokens"]["min"]
    # rows over max_seq_length are a warning, not a failure
    assert toks["candidate"]["truncated"] > 0
    assert any(isinstance(e, ev.LogLine) and e.level == "warning" and "would be truncated" in e.text
               for e in _events(pipe))
    assert RunState.from_events(_events(pipe)).stages["prepare"].equivalent.startswith("phase25 data check")


def test_prepare_stage_stops_on_bad_data_and_changes_nothing(tmp_path: Path) -> None:
    good = (DATA_DIR / "phase24_merged" / "train.jsonl").read_bytes().splitlines(keepends=True)[:3]
    bad_row = json.loads(good[0])
    call = next(m for m in bad_row["messages"] if m.get("tool_calls"))
    call["tool_calls"][0]["function"]["arguments"] = json.dumps(call["tool_calls"][0]["function"]["arguments"])
    unknown_role = json.loads(good[1])
    unknown_role["messages"][1]["role"] = "bot"
    rows = (good + [json.dumps(bad_row).encode() + b"\n", b'{"text": "plain"}\n']
            + [json.dumps(unknown_role).encode() + b"\n"] * 45)
    cfg = load_config(_small_config(tmp_path, rows))
    before = hashlib.sha256((tmp_path / "data" / "train.jsonl").read_bytes()).hexdigest()
    pipe = Pipeline(cfg, ["prepare"])
    assert pipe.run_to_end() == "failed"
    failed = [e for e in _events(pipe) if isinstance(e, ev.StageFailed)][0]
    assert "preflight found problems (47)" in failed.reason
    assert "train.jsonl:4: messages[2].tool_calls[0].function.arguments: a JSON string where an object" in failed.reason
    assert "train.jsonl:5: mixed formats" in failed.reason
    assert "... and 7 more" in failed.reason and "train.jsonl:50:" not in failed.reason
    # the message is capped; every problem is in the run folder, and the message says where
    listed = pipe.run.path / "stages" / "prepare.problems.txt"
    assert f"all 47 are listed in {listed}" in failed.reason and "--limit 0`" in failed.reason
    text = listed.read_text()
    assert "47 errors" in text and all(f"train.jsonl:{n}: messages[1].role: unknown role 'bot'" in text
                                       for n in range(6, 51))
    assert "Traceback" not in failed.reason + "\n".join(failed.stderr_tail)
    assert hashlib.sha256((tmp_path / "data" / "train.jsonl").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["train.jsonl", "valid.jsonl"]


def test_preflight_without_a_config_skips_tokenizers() -> None:
    report = preflight(DATA_DIR / "demo" / "compact")
    assert report.ok and report.tokens == [] and report.total == 857
