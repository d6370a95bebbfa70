"""Config, help, the command palette, the runs screen, and keys that move between screens."""

from __future__ import annotations

import os
from pathlib import Path

from tui_helpers import recorded, screen_text, settle, wait_for

from core.paths import DEMO_CONFIG
from tui.app import Phase25App
from tui.screens.config import ConfigScreen
from tui.screens.help import HelpScreen, help_table
from tui.screens.pipeline import PipelineScreen
from tui.screens.results import ResultsScreen
from tui.screens.runs import RunsScreen

BAD = """\
[experiment]
name = "broken"

[candidate]
name = "c"
path = "models/c"
family = "qwen2.5"

[baseline]
name = "b"
path = "models/b"
family = "qwen4"

[train]
iters = -5
lerning_rate = 1e-4
"""


async def test_a_bad_config_opens_the_config_screen_with_each_problem(tmp_path: Path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(BAD)
    app = Phase25App(cfg, attach=False, remember=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, ConfigScreen)
        text = " ".join(screen_text(app).split())  # as read, whatever the width wrapped
        assert "✗ invalid: 3 problems" in text
        assert f"{cfg}:12: baseline.family" in text  # file, line and field
        assert f"{cfg}:15: train.iters" in text
        assert "train.lerning_rate: unknown key" in text
        # Nothing can run: the pipeline screen says so and sends the user back here.
        await pilot.press("1")
        assert isinstance(app.screen, PipelineScreen)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen)
        assert any("Fix the config" in n.message for n in app._notifications)
        # Fixing the file and reloading makes it valid.
        cfg.write_text(DEMO_CONFIG.read_text().replace('path = "models/', f'path = "{DEMO_CONFIG.parent}/models/')
                       .replace('= "compact"', f'= "{DEMO_CONFIG.parent}/compact"'))
        await pilot.press("r")
        await pilot.pause()
        assert app.cfg is not None and "✓ valid" in screen_text(app)
        assert "DEMO" in screen_text(app)


async def test_the_config_screen_shows_the_resolved_config_and_the_demo_warning(make_app):
    app = make_app("train.iters=7")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        assert isinstance(app.screen, ConfigScreen)
        text = screen_text(app)
        assert "data/demo/phase25.demo.toml" in text and "✓ valid" in text
        assert "their scores say nothing about" in text
        assert "iters = 7" in text  # the override is part of the resolved config
        assert "train.iters=7" in text  # and is named as an override


async def test_number_keys_and_clicks_switch_screens_and_help_lists_the_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        for key, screen in (("2", ResultsScreen), ("3", RunsScreen), ("4", ConfigScreen), ("1", PipelineScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)
            assert "DEMO" in screen_text(app).splitlines()[0]  # on every screen
        await pilot.click("TopBar", offset=(25, 0))  # "2 Results" in the top bar
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Pipeline" in screen_text(app) and "Run all" in screen_text(app)
        from rich.console import Console

        console = Console(width=70, record=True, file=open(os.devnull, "w"))
        console.print(help_table())
        text = console.export_text()
        for words in ("Run all", "Cancel", "Overlay loss", "Regressed", "Next", "command palette", "Reload"):
            assert words in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)


async def test_the_command_palette_goes_to_a_screen_and_opens_a_run(make_app):
    app = make_app(initial=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to runs")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        run_id = recorded("failed-prepare")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*f"open run {run_id}")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.view.run_id == run_id)
        await settle(pilot, app)
        assert isinstance(app.screen, PipelineScreen)
        assert app.view.origin == "replay"


async def test_the_runs_screen_lists_runs_and_opens_one(make_app):
    app = make_app(initial=None)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        assert app.view.run_id is None
        await pilot.press("3")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        run_id = recorded("failed-prepare")
        # The list is read by a thread worker and arrives as a message: the worker can be done
        # before the screen has handled what it posted, so wait for the rows themselves.
        await wait_for(pilot, lambda: run_id in [r.run.id for r in screen.rows])
        await pilot.pause()
        text = screen_text(app)
        assert run_id in text and "✗ failed" in text and "phase25.demo.toml (demo)" in text
        table = screen.query_one("#runs-table")
        table.move_cursor(row=[r.run.id for r in screen.rows].index(run_id))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.view.run_id == run_id)
        await settle(pilot, app)
        assert isinstance(app.screen, PipelineScreen)
        assert "preflight found problems" in screen_text(app)


async def test_a_second_run_s_loss_curve_can_be_drawn_over_the_one_shown(make_app, runs_dir):
    import shutil

    from tui.widgets.loss_plot import LossPlot

    full = recorded("full")
    other = "20991231-000000-copy"  # the same recording under a second id: two runs with curves
    shutil.copytree(runs_dir / full, runs_dir / other)
    app = make_app(initial=full)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, app)
        drawn = app.screen.query_one(LossPlot).points_drawn
        await pilot.press("3")
        await settle(pilot, app)
        screen = app.screen
        screen.query_one("#runs-table").move_cursor(row=[r.run.id for r in screen.rows].index(other))
        await pilot.press("v")
        await wait_for(pilot, lambda: app.view.overlay_id == other)
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.pause(1.1)  # the plot redraws at most once a second
        assert app.view.run_id == full  # still showing the same run, with the other drawn over it
        plot = app.screen.query_one(LossPlot)
        assert plot.points_drawn > drawn
        assert f"train {other}" in screen_text(app)  # the overlay's legend
        await pilot.press("3")
        await pilot.press("x")
        assert app.view.overlay is None


async def test_export_from_the_palette_writes_the_results_into_the_run_folder(make_app, runs_dir):
    full = recorded("full")
    app = make_app(initial=full)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export report")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
    out = runs_dir / full / "results_dashboard.md"
    assert out.is_file()
    assert out.read_text().count("\n| ") == 21


def test_the_config_used_is_remembered_for_next_time(tmp_path, monkeypatch):
    import core.paths

    monkeypatch.setattr(core.paths, "LAST_CONFIG_FILE", tmp_path / ".last_config")
    copy = tmp_path / "mine.toml"
    copy.write_text(DEMO_CONFIG.read_text().replace('"models/', f'"{DEMO_CONFIG.parent}/models/'))
    assert core.paths.default_config() == DEMO_CONFIG  # first use: the demo
    Phase25App(copy)
    assert core.paths.default_config() == copy.resolve()
    assert Phase25App().config_path == copy.resolve()


async def test_panels_and_filters_respond_to_clicks(make_app):
    from tui_helpers import recorded

    from tui.screens.results import ResultsScreen as Results

    app = make_app(initial=recorded("full"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, PipelineScreen) and screen.panel == "train"
        await pilot.click("#panel-tabs", offset=(15, 0))  # " m Memory "
        assert screen.panel == "memory"
        await pilot.click("#panel-tabs", offset=(25, 0))  # " l Log "
        assert screen.panel == "log"
        await pilot.press("2")
        await settle(pilot, app)
        results = app.screen
        assert isinstance(results, Results)
        await pilot.click("#filters", offset=(44, 0))  # " t tool 13 "
        assert results.filter == "tool" and len(results.shown) == 13
