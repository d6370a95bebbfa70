"""The loss plot: train and validation loss on one plot, the best validation point marked, and
optionally a second run's curves drawn over it. Long runs are downsampled to the plot's width
(min and max of each bucket are kept, so spikes stay visible)."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from core import events as ev


def downsample(xs: Sequence[float], ys: Sequence[float], buckets: int) -> tuple[list[float], list[float]]:
    """At most ``2 * buckets`` points: per bucket, its min and max in x order."""
    n = len(xs)
    if n <= 2 * buckets or buckets <= 0:
        return list(xs), list(ys)
    ys = list(ys)
    out_x: list[float] = []
    out_y: list[float] = []
    step = n / buckets
    for b in range(buckets):
        lo, hi = int(b * step), min(n, int((b + 1) * step))
        if hi <= lo:
            continue
        seg = ys[lo:hi]
        i_min = lo + seg.index(min(seg))
        i_max = lo + seg.index(max(seg))
        for i in sorted({i_min, i_max}):
            out_x.append(xs[i])
            out_y.append(ys[i])
    return out_x, out_y


def best_val(val: Sequence[ev.ValReport]) -> ev.ValReport | None:
    return min(val, key=lambda v: v.val_loss) if val else None


XY = tuple[Sequence[float], Sequence[float]]


class LossPlot(PlotextPlot):
    DEFAULT_CSS = """
    LossPlot { height: 1fr; min-height: 6; }
    """

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self._train: XY = ((), ())
        self._val: XY = ((), ())
        self._overlay: tuple[str, XY, XY] | None = None
        self.points_drawn = 0

    def on_resize(self) -> None:
        self.replot()  # the legend and the downsampling depend on the size

    def set_data(self, train: XY, val: XY, overlay: tuple[str, XY, XY] | None = None) -> None:
        """Curves as (iterations, losses); ``overlay`` is (label, train, val) of another run."""
        self._train, self._val, self._overlay = train, val, overlay
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width = max(20, self.size.width or 60)
        buckets = max(10, width - 10)
        legend = (self.size.height or 20) >= 12  # in a short plot the legend would hide the curves
        plt.xlabel("iteration" if legend else "")
        drawn = 0

        def lab(text: str) -> str | None:
            return text if legend else None

        if self._overlay is not None:
            label, (otx, oty), (ovx, ovy) = self._overlay
            if otx:
                x, y = downsample(otx, oty, buckets)
                plt.plot(x, y, label=lab(f"train {label}"), color="gray", marker="braille")
                drawn += len(x)
            if ovx:
                plt.plot(list(ovx), list(ovy), label=lab(f"val {label}"), color="gray", marker="dot")
                drawn += len(ovx)
        tx, ty = self._train
        if tx:
            x, y = downsample(tx, ty, buckets)
            plt.plot(x, y, label=lab("train"), color="cyan", marker="braille")
            drawn += len(x)
        vx, vy = self._val
        if vx:
            plt.plot(list(vx), list(vy), label=lab("val"), color="orange", marker="braille")
            i = min(range(len(vy)), key=vy.__getitem__)
            plt.scatter([vx[i]], [vy[i]], color="green", marker="◆",
                        label=lab(f"best val {vy[i]:.3f} @ {vx[i]:g}"))
            drawn += len(vx)
        self.points_drawn = drawn
        self.refresh()
