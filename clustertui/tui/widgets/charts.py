"""A node's history as a plotext chart (textual-plotext): CPU, memory or network.

The x axis is seconds before the snapshot, fixed at the last five minutes, so the charts
of different nodes (and of successive ticks) line up.  Unknown points (NaN) are dropped
rather than drawn as zero.  Tick labels are thinned to what the chart's size can hold:
plotext drops colliding labels in an order that varies from run to run, which would make
small charts flicker between renders and snapshot tests flaky.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.color import Color
from textual.app import RenderResult
from textual_plotext import PlotextPlot

WINDOW = 300.0
#: x ticks, from the most to the fewest, each with the plot width (cells) it needs.
X_TICKS: tuple[tuple[int, list[float], list[str]], ...] = (
    (32, [-300, -240, -180, -120, -60, 0], ["-5m", "-4m", "-3m", "-2m", "-1m", "now"]),
    (16, [-300, -180, -60], ["-5m", "-3m", "-1m"]),
    (0, [-300, -60], ["-5m", "-1m"]),
)
AXIS_CELLS = 7  # y labels and frame: what the plot area loses to them
RATE_UNITS = ((1024.0**3, "GiB/s"), (1024.0**2, "MiB/s"), (1024.0, "KiB/s"), (1.0, "B/s"))


def rgb(colour: str) -> tuple[int, int, int]:
    triplet = Color.parse(colour).get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def rate_unit(peak: float) -> tuple[float, str]:
    """The largest unit in which the peak is at least 1, so the axis reads 0-999."""
    for divisor, name in RATE_UNITS:
        if peak >= divisor:
            return divisor, name
    return 1.0, "B/s"


class MetricChart(PlotextPlot):
    top: float | None = None  # fixed y range 0..top (percentages), or None for plotext's own

    def draw(
        self,
        title: str,
        ages: Sequence[float],
        lines: Sequence[tuple[str | None, Sequence[float], str]],
        top: float | None = None,
    ) -> None:
        """Plot `lines` (legend label or None, values, colour) against `ages` (seconds before
        now, <= 0); `top` fixes the y axis at 0..top (percentages)."""
        plt = self.plt
        plt.clear_data()
        plt.title(title)
        for label, values, colour in lines:
            points = [(x, y) for x, y in zip(ages, values, strict=True) if not math.isnan(y) and x >= -WINDOW]
            if points:
                xs, ys = zip(*points, strict=True)
                plt.plot(list(xs), list(ys), label=label, color=rgb(colour), marker="braille")
        plt.xlim(-WINDOW, 0)
        self.top = top
        if top is not None:
            plt.ylim(0, top)
        self.refresh()

    def render(self) -> RenderResult:
        plot_width, plot_height = self.size.width - AXIS_CELLS, self.size.height - 4
        _, ticks, labels = next(choice for choice in X_TICKS if plot_width >= choice[0])
        self.plt.xticks(ticks, labels)
        if self.top is not None:
            steps = 4 if plot_height >= 8 else 2 if plot_height >= 3 else 1
            values = [self.top * i / steps for i in range(steps + 1)]
            self.plt.yticks(values, [f"{value:.0f}" for value in values])
        return super().render()
