"""A drill's trend as a plotext chart (textual-plotext): one point per run, oldest left.

The x axis is the run's place in the series shown (1 .. n), labelled with run ids, so runs
a week apart and runs a minute apart read alike; unknown values (a time never measured)
are left out rather than drawn as zero.  Tick labels are set by hand, as in charts.py, so
that plotext never drops colliding labels in a varying order (snapshots stay stable).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from clustertui.tui.widgets.charts import AXIS_CELLS, rgb

CELLS_PER_TICK = 8  # plot width each x label needs


class TrendChart(PlotextPlot):
    DEFAULT_CSS = """
    TrendChart {
        width: 1fr;
        height: 1fr;
    }
    """

    ids: tuple[int, ...] = ()
    top: float = 1.0
    unit: str = ""

    def draw(self, title: str, ids: Sequence[int], lines: Sequence[tuple[str, Sequence[float | None], str]],
             top: float | None = None, unit: str = "") -> None:
        """Plot `lines` (legend label, one value per run, colour) over the runs `ids`;
        `top` fixes the y axis at 0..top (else 0 .. a little above the highest value)."""
        plt = self.plt
        plt.clear_data()
        plt.title(title)
        self.ids = tuple(ids)
        highest = 0.0
        for label, values, colour in lines:
            points = [(i + 1, v) for i, v in enumerate(values) if v is not None]
            if points:
                xs, ys = zip(*points, strict=True)
                highest = max(highest, *ys)
                plt.plot(list(xs), list(ys), label=label, color=rgb(colour), marker="braille")
        self.top = top if top is not None else max(1.0, highest * 1.15)
        self.unit = unit
        plt.xlim(0.5, max(len(self.ids), 1) + 0.5)
        plt.ylim(0, self.top)
        self.refresh()

    def render(self) -> RenderResult:
        plot_width, plot_height = self.size.width - AXIS_CELLS, self.size.height - 4
        count = len(self.ids)
        if count:
            slots = max(1, min(count, plot_width // CELLS_PER_TICK))
            places = sorted({round(1 + k * (count - 1) / max(slots - 1, 1)) for k in range(slots)})
            self.plt.xticks([float(p) for p in places], [f"#{self.ids[p - 1]}" for p in places])
        steps = 4 if plot_height >= 8 else 2 if plot_height >= 3 else 1
        values = [self.top * i / steps for i in range(steps + 1)]
        self.plt.yticks(values, [f"{value:.1f}{self.unit}" if self.top < 10 else f"{value:.0f}{self.unit}"
                                 for value in values])
        return super().render()
