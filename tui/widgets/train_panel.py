"""The live training panel: the loss plot, throughput, learning rate, trained tokens, and a
progress bar with the ETA the train stage measured."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from core import events as ev
from tui import fmt
from tui.view import RunView
from tui.widgets.loss_plot import LossPlot, best_val

NO_TRAINING = "No training in this run.\nSelect train and press r to start it; a past run's curve is in 3 Runs."
STARTING = ("Training is starting: loading the model and the data.\n"
            "The curve appears with the first report (every train.steps_per_report iterations).")


def stats_text(last: ev.TrainReport | None, val: list[ev.ValReport]) -> Text:
    t = Text()
    if last is None:
        t.append("no training reports yet", style="dim")
        return t
    pairs = [
        ("loss", f"{last.train_loss:.3f}"),
        ("val", f"{val[-1].val_loss:.3f}" if val else fmt.UNKNOWN),
        ("it/s", f"{last.iterations_per_second:.2f}"),
        ("tok/s", fmt.count(last.tokens_per_second)),
        ("lr", f"{last.learning_rate:.1e}"),
        ("tokens", fmt.count(last.trained_tokens)),
    ]
    if last.peak_memory_gb is not None:
        pairs.append(("peak", f"{last.peak_memory_gb:.2f} GB"))
    best = best_val(val)
    if best is not None:
        pairs.append(("best val", f"{best.val_loss:.3f} @ {best.iteration}"))
    for i, (k, v) in enumerate(pairs):
        if i:
            t.append("  ")
        t.append(k + " ", style="dim")
        t.append(v, style="bold")
    return t


def eta_s(last: ev.TrainReport) -> float | None:
    if last.eta_s is not None:
        return last.eta_s
    if last.iterations_per_second > 0:
        return max(0, last.total_iters - last.iteration) / last.iterations_per_second
    return None


class TrainPanel(Vertical):
    DEFAULT_CSS = """
    TrainPanel { height: 1fr; }
    TrainPanel #train-empty { height: 1fr; content-align: center middle; color: $text-muted; }
    TrainPanel.-has-data #train-empty { display: none; }
    TrainPanel LossPlot { display: none; }
    TrainPanel.-has-data LossPlot { display: block; }
    TrainPanel #train-stats { height: 2; padding: 0 1; }
    TrainPanel #train-progress-row { height: 1; padding: 0 1; }
    TrainPanel ProgressBar { width: 1fr; }
    TrainPanel ProgressBar Bar { width: 1fr; }
    TrainPanel #train-eta { width: 30; text-align: right; }
    """

    def compose(self) -> ComposeResult:
        yield Static(NO_TRAINING, id="train-empty")
        yield LossPlot(id="loss-plot")
        yield Static(id="train-stats")
        with Horizontal(id="train-progress-row"):
            yield ProgressBar(total=1, show_eta=False, show_percentage=True, id="train-progress")
            yield Static("", id="train-eta")

    def show(self, view: RunView, plot: bool = True) -> None:
        train, val = view.train_events()
        last = train[-1] if train else None
        self.set_class(bool(train or val or view.overlay), "-has-data")
        self.query_one("#train-stats", Static).update(stats_text(last, val), layout=False)
        bar = self.query_one("#train-progress", ProgressBar)
        eta = self.query_one("#train-eta", Static)
        st = view.state.stages.get("train")
        starting = last is None and st is not None and st.status == "running"
        self.query_one("#train-empty", Static).update(STARTING if starting else NO_TRAINING, layout=False)
        if last is not None:
            bar.update(total=last.total_iters, progress=last.iteration)
            running = st is not None and st.status == "running"
            if running:
                eta.update(f"{last.iteration}/{last.total_iters} · ETA {fmt.duration(eta_s(last))}", layout=False)
            else:
                eta.update(f"{last.iteration}/{last.total_iters} · {st.status if st else ''}", layout=False)
        else:
            bar.update(total=1, progress=0)
            eta.update("", layout=False)
        if plot:
            self.replot(view)

    def replot(self, view: RunView) -> None:
        train, val = view.curves()
        overlay = None
        if view.overlay is not None:
            otrain, oval = view.overlay.curves()
            overlay = (view.overlay_id or "other", otrain, oval)
        self.query_one(LossPlot).set_data(train, val, overlay)
