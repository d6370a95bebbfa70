"""The headless CLI: a run from the command line, then `runs` and `show` on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.runner import Pipeline
from core.stages import StageDef

HERE = Path(__file__).parent


def phase25(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200", PYTHONPATH=str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def test_a_failing_prepare_exits_non_zero_and_says_what_is_missing(tmp_config):
    out = phase25("run", "--config", str(tmp_config.source), "--stages", "prepare", "--plain")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "[prepare] FAILED: preflight found problems" in out.stdout
    assert "train.jsonl: missing" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    runs = phase25("runs", "--config", str(tmp_config.source))
    assert "prepare" in runs.stdout and "failed" in runs.stdout
    show = phase25("show", "last", "--config", str(tmp_config.source))
    assert show.returncode == 0 and "preflight found problems" in show.stdout


def test_unknown_stage_is_a_usage_error(tmp_config):
    out = phase25("run", "--config", str(tmp_config.source), "--stages", "trian")
    assert out.returncode == 2
    assert "unknown stage 'trian'" in out.stdout


def test_runs_and_show_describe_a_finished_run(tmp_config, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pipe = Pipeline(tmp_config, ["quick"], defs={"quick": StageDef("quick", "fake_stages", "quick")})
    assert pipe.run_to_end() == "done"
    runs = phase25("runs", "--config", str(tmp_config.source))
    assert pipe.run.id in runs.stdout and "done" in runs.stdout
    show = phase25("show", pipe.run.id, "--config", str(tmp_config.source))
    assert "quick ok" in show.stdout


def test_a_run_remembers_its_config_where_phase25_last_config_points(tmp_config, tmp_path):
    import core.paths

    target = tmp_path / "remembered"
    env_before = os.environ.get("PHASE25_LAST_CONFIG")
    os.environ["PHASE25_LAST_CONFIG"] = str(target)
    try:
        phase25("run", "--config", str(tmp_config.source), "--stages", "prepare", "--plain")
    finally:
        os.environ["PHASE25_LAST_CONFIG"] = env_before or ""
    assert target.read_text().strip() == str(tmp_config.source)
    assert core.paths.LAST_CONFIG_FILE != core.paths.LOGS_DIR / ".last_config"  # the tests never touch it


def test_runs_never_cut_an_id_and_a_corrupt_run_json_is_reported_not_a_traceback(tmp_config, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    good = Pipeline(tmp_config, ["quick"], defs={"quick": StageDef("quick", "fake_stages", "quick")})
    assert good.run_to_end() == "done"
    bad = Pipeline(tmp_config, ["quick"], defs={"quick": StageDef("quick", "fake_stages", "quick")})
    assert bad.run_to_end() == "done"
    (bad.run.path / "run.json").write_text('{"id": "x"}')  # fields missing
    env = dict(os.environ, COLUMNS="60")
    runs = subprocess.run([sys.executable, "-m", "core.cli", "runs", "--config", str(tmp_config.source)],
                          capture_output=True, text=True, env=env)
    assert runs.returncode == 0 and "Traceback" not in runs.stdout + runs.stderr
    ids = [w for ln in runs.stdout.splitlines() for w in ln.replace("│", " ").split()]
    assert good.run.id in ids and bad.run.id in ids  # whole, on one line, at 60 columns
    assert any(bad.run.id in ln and "unreadable" in ln for ln in runs.stdout.splitlines()), runs.stdout
    assert "unreadable run.json" in runs.stdout.replace("\n", "")
    show = subprocess.run([sys.executable, "-m", "core.cli", "show", bad.run.id, "--config", str(tmp_config.source)],
                          capture_output=True, text=True, env=dict(os.environ, COLUMNS="300"))
    assert show.returncode == 1 and "Traceback" not in show.stdout + show.stderr
    assert f"{bad.run.path / 'run.json'}: unreadable run.json: created: Field required" in show.stdout
