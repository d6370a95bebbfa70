"""A suite run refuses model code that cannot be confined, before loading any model, unless the
config says ``[evaluation] allow_unconfined = true``; the results file says how code was confined."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation"))

from eval_queries import synthetic_suite, write_suite  # type: ignore[import-not-found]  # noqa: E402
from eval_scripted import (  # type: ignore[import-not-found]  # noqa: E402
    ScriptedEngine,
    config,
    use_scripted_engine,
)

from core.codemode import sandbox  # noqa: E402
from core.codemode.executor import UnconfinedError  # noqa: E402
from core.evaluation.schema import ModelIdentity  # noqa: E402
from core.evaluation.suite_run import ModelToTest, run_suite  # noqa: E402

IDENT = ModelIdentity(role="candidate", name="c", path="c", family="qwen2.5", form="fused", bits=None,
                      size_on_disk_bytes=None)


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sandbox, "unshare_path", lambda: None)
    monkeypatch.setattr(sandbox, "SANDBOX_EXEC", "/nonexistent/sandbox-exec")
    sandbox.sandbox_info.cache_clear()
    yield
    sandbox.sandbox_info.cache_clear()


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allow: bool) -> Any:
    use_scripted_engine(monkeypatch)
    cfg = config(tmp_path)
    cfg = cfg.model_copy(update={"evaluation": cfg.evaluation.model_copy(update={"allow_unconfined": allow})})
    suite_file = write_suite(tmp_path / "suite.json")
    return run_suite(cfg, synthetic_suite(), ModelToTest(IDENT, "c"), suite_path=suite_file)


def test_the_config_key_is_off_by_default(tmp_path: Path) -> None:
    assert config(tmp_path).evaluation.allow_unconfined is False


def test_without_confinement_the_run_is_refused_before_any_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_engine: None
) -> None:
    with pytest.raises(UnconfinedError) as refused:
        _run(tmp_path, monkeypatch, allow=False)
    assert "[evaluation] allow_unconfined = true" in str(refused.value)
    assert "`unshare` (util-linux) is not available" in str(refused.value)
    assert ScriptedEngine.made == []  # no engine was built: the refusal came first


def test_allowed_unconfined_runs_say_so_in_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_engine: None
) -> None:
    res = _run(tmp_path, monkeypatch, allow=True)
    assert res.settings.confinement.startswith("unconfined (`unshare` (util-linux) is not available)")
    executed = [q.execution for q in res.queries if q.execution is not None]
    assert executed and all(e.result["confinement"].startswith("unconfined") for e in executed)


def test_confined_runs_name_their_engine_in_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = sandbox.sandbox_info()
    if not info.confined:
        pytest.skip(f"no confinement on this machine: {info.unconfined_reason}")
    res = _run(tmp_path, monkeypatch, allow=False)
    assert res.settings.confinement.startswith(f"{info.engine} (")
    assert "network denied" in res.settings.confinement
    executed = [q.execution for q in res.queries if q.execution is not None]
    assert executed and all(e.result["confinement"].startswith(f"{info.engine} (") for e in executed)
