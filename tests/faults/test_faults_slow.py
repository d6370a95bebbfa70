"""The slow fault run on the real stages (tens of minutes on 2 cores): opt in with
PHASE25_FAULTS_SLOW=1 (PHASE25_FAULT_KILLS sets the number of kill -9 faults, 100 by default).
The figures are printed; see slow_run.py to run it on its own."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the harness beside this file (no conftest: it would
# shadow tests/stages' conftest, which its tests import by name)

import os  # noqa: E402

import pytest  # noqa: E402
from harness import use_fault_env  # noqa: E402
from real_setup import demo_models_present  # noqa: E402
from slow_run import slow_run  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("PHASE25_FAULTS_SLOW") != "1",
                       reason="the slow fault run takes tens of minutes: set PHASE25_FAULTS_SLOW=1"),
    pytest.mark.skipif(not demo_models_present(), reason="the demo models are not built (phase25 demo build)"),
]


def test_random_kills_torn_writes_pauses_and_a_full_disk_across_every_real_stage(tmp_path, fault_env, monkeypatch):
    kills = int(os.environ.get("PHASE25_FAULT_KILLS", "100"))

    def env(name: str, value: str | None) -> None:
        monkeypatch.setenv(name, value) if value is not None else monkeypatch.delenv(name, raising=False)

    tally = slow_run(tmp_path, kills=kills, seed=7, torn=3, log=print, set_env=env)
    print(f"\n[slow fault run] {tally.figures()}")
    assert tally.faults.get("kill -9", 0) >= kills
    assert tally.failures() == []


@pytest.fixture
def fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fault_env(monkeypatch)
