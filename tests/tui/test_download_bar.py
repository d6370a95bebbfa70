"""The Pipeline screen while a stage downloads a model: a progress bar with bytes, rate and ETA,
drawn from the fetch step's DownloadProgress events as they arrive through the live feed."""

from __future__ import annotations

import sys
from pathlib import Path

from tui_helpers import screen_text, settle, wait_for

sys.path.insert(0, str(Path(__file__).parents[1] / "doctor"))

from fetchkit import REPO, TOTAL  # noqa: E402

from core import events as ev  # noqa: E402
from core.stages import StageDef  # noqa: E402
from tui.view import RunView  # noqa: E402
from tui.widgets.download_bar import DownloadBar, active_downloads, figures  # noqa: E402
from tui.widgets.stage_list import StageList  # noqa: E402

FETCHING = {"train": StageDef("train", "tests.doctor.fetchkit", "train", uses_mlx=False)}


async def test_a_stage_fetching_a_model_shows_bytes_rate_and_eta_then_the_bar_goes(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # the stage process's empty cache
    monkeypatch.setenv("PHASE25_TEST_CHUNK_S", "0.1")  # 20 chunks: about 2 s of download
    app = make_app(f"candidate.path={REPO}", defs=FETCHING, initial=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        bar = app.screen.query_one(DownloadBar)
        assert not bar.display  # nothing is downloading
        app.screen.query_one(StageList).select("train")
        await pilot.press("r")

        def mid_download() -> bool:
            d = app.view.state.stages["train"].download
            return bool(d and not d.done and 0 < d.bytes_done < TOTAL and d.rate_bytes_s and d.eta_s)

        await wait_for(pilot, mid_download, timeout=30)
        await pilot.pause()
        d = app.view.state.stages["train"].download
        assert d is not None and bar.display
        text = screen_text(app)
        assert f"downloading {REPO} (candidate)" in text
        assert "/ 1.00 MB (" in text and "B/s" in text and "ETA " in text
        assert "━" in text  # the bar itself
        await wait_for(pilot, lambda: app.view.state.stages["train"].status == "done", timeout=30)
        await pilot.pause()
        assert app.view.state.stages["train"].download.done  # type: ignore[union-attr]
        assert not bar.display  # a finished download leaves no bar behind


def _tick(n: int, **kw: object) -> ev.DownloadProgress:
    return ev.DownloadProgress(stage="train", role="candidate", repo_id=REPO, bytes_done=n, **kw)  # type: ignore[arg-type]


def test_the_figures_say_what_is_known_and_what_is_not() -> None:
    assert figures(_tick(3_200_000_000, bytes_total=15_200_000_000, rate_bytes_s=45e6, eta_s=280.0)) == \
        "3.20 GB / 15.2 GB (21%) · 45.0 MB/s · ETA 4m40s"
    assert figures(_tick(1_000_000, resumed_bytes=800_000)) == \
        "1.00 MB (total unknown) · rate: measuring · resumed at 800 kB"


def test_only_a_running_stage_with_an_unfinished_download_shows_a_bar() -> None:
    view = RunView()
    view.apply([ev.StageStarted(stage="train", pid=1), _tick(10, bytes_total=TOTAL)])
    assert [s for s, _ in active_downloads(view)] == ["train"]
    view.apply([_tick(TOTAL, bytes_total=TOTAL, done=True)])
    assert active_downloads(view) == []
    view.apply([ev.StageStarted(stage="train", pid=2), _tick(10, bytes_total=TOTAL)])
    view.apply([ev.StageCancelled(stage="train")])  # cancelled mid-way: the stage list says so, no bar
    assert active_downloads(view) == []
    view.apply([ev.StageStarted(stage="train", pid=3)])  # run again: the old tick is not shown
    assert view.state.stages["train"].download is None
