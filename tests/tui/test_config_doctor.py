"""The Config screen runs `phase25 doctor --json` in its own process and shows its report: need
against have per check, the verdicts, what to change; a clear state while it runs, a clear
message when it fails, and leaving the screen stops it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tui_helpers import screen_text, settle, wait_for

from core.procs import process_alive
from tui.screens.config import ConfigScreen
from tui.widgets.doctor_panel import DoctorPanel


def _stand_in(monkeypatch: pytest.MonkeyPatch, code: str) -> list[list[str]]:
    """The doctor's command replaced by ``python -c CODE`` (a real process all the same); the
    commands the screen asked for are kept."""
    asked: list[list[str]] = []

    def command(config: Path, overrides: list[str]) -> list[str]:
        asked.append([str(config), *overrides])
        return [sys.executable, "-c", code]

    monkeypatch.setattr(ConfigScreen, "doctor_command", staticmethod(command))
    return asked


def _report(verdict: str) -> dict[str, object]:
    checks = [
        {"section": "memory", "name": "train", "need": "21.2 GB (weights 15.2 GB + activations)", "have": "16.0 GB",
         "verdict": verdict, "advice": "set train.batch_size = 1 and grad_checkpoint = true (predicted 15.1 GB)"},
        {"section": "disk", "name": "volume of /data", "need": "30.0 GB in all:\n• fused (float16) 15.2 GB",
         "have": "100.0 GB free", "verdict": "fits", "advice": ""},
    ]
    return {"config": "x.toml", "demo": False, "verdict": verdict, "exit_code": int(verdict == "won't fit"),
            "checks": checks, "notes": ["memory: predicted from config.json"]}


async def _open_config(pilot, app) -> DoctorPanel:  # type: ignore[no-untyped-def]
    await settle(pilot, app)
    await pilot.press("4")
    await settle(pilot, app)
    return app.screen.query_one(DoctorPanel)


async def _scroll_to_report(pilot, app) -> None:  # type: ignore[no-untyped-def]
    """The report follows the resolved config: scroll down to it, as a user would."""
    app.screen.query_one("#config-body").scroll_to_widget(app.screen.query_one(DoctorPanel), top=True,
                                                           animate=False)
    await pilot.pause()


async def test_the_real_doctor_on_the_demo_config_says_everything_fits(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("PHASE25_CACHE", str(tmp_path / "cache"))  # a fresh machine: it benchmarks too
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await _open_config(pilot, app)
        screen = app.screen
        await wait_for(pilot, lambda: screen._doctor_done, timeout=120)
        await pilot.pause()
        assert "doctor: everything fits" in screen_text(app).splitlines()[3]  # the verdict at the top
        await _scroll_to_report(pilot, app)
        text = screen_text(app)
        # ... and on to its end, as a user would (how long it is depends on the paths it names)
        app.screen.query_one("#config-body").scroll_end(animate=False)
        await pilot.pause()
        text += "\n" + screen_text(app)
        assert "doctor: everything fits" in text and "exit code 0" in text
        for heading in ("platform", "models", "data", "memory", "disk", "time"):
            assert f"\n{heading}" in "\n" + "\n".join(ln.strip() for ln in text.splitlines())
        train = next(ln for ln in text.splitlines() if ln.strip().startswith("train "))
        assert "fits" in train and "MB" in train  # need against have, and its verdict
        assert "won't fit" not in text


async def test_a_report_that_wont_fit_shows_the_verdict_and_what_to_change(make_app, monkeypatch):
    asked = _stand_in(monkeypatch, "import sys; sys.stdout.write(" + repr(json.dumps(_report("won't fit"))) + ")")
    app = make_app("train.iters=5")
    async with app.run_test(size=(80, 50)) as pilot:
        await _open_config(pilot, app)
        await wait_for(pilot, lambda: app.screen._doctor_done)
        await pilot.pause()
        assert asked and asked[0][-1] == "train.iters=5"  # the doctor checks the config as loaded
        await _scroll_to_report(pilot, app)
        text = screen_text(app)
        flat = " ".join(text.split())
        assert "doctor: something won't fit · 1 won't fit, 1 fits · exit code 1" in flat
        train = next(i for i, ln in enumerate(text.splitlines()) if ln.strip().startswith("train "))
        lines = text.splitlines()
        assert "won't fit" in lines[train] and "need 21.2 GB" in lines[train]  # stacked at 80 columns
        assert "have 16.0 GB" in lines[train + 1]
        assert "train: set train.batch_size = 1 and grad_checkpoint = true" in flat


async def test_a_failing_doctor_says_so_with_its_message(make_app, monkeypatch):
    _stand_in(monkeypatch, "import sys; sys.stderr.write('Traceback...\\nRuntimeError: no tokenizer here\\n'); "
                           "sys.exit(3)")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_config(pilot, app)
        await wait_for(pilot, lambda: app.screen._doctor_done)
        await pilot.pause()
        assert "doctor: could not check this machine" in screen_text(app)  # at the top
        await _scroll_to_report(pilot, app)
        text = screen_text(app)
        assert "doctor: could not check this machine" in text
        assert "the doctor failed (exit 3)" in text and "RuntimeError: no tokenizer here" in text


async def test_while_it_runs_the_screen_says_so_and_leaving_the_screen_stops_it(make_app, monkeypatch, tmp_path):
    pid_file = tmp_path / "doctor.pid"
    _stand_in(monkeypatch, f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await wait_for(pilot, lambda: pid_file.is_file() and pid_file.read_text().strip() != "")
        await pilot.pause()
        assert "doctor: checking this machine" in screen_text(app)
        pid = int(pid_file.read_text())
        assert process_alive(pid)
        await pilot.press("1")  # back to the Pipeline screen
        await wait_for(pilot, lambda: not process_alive(pid), timeout=10)
