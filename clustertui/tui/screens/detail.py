"""One node in detail (Enter on a row): five minutes of charts, cores, services, the
node's active faults and its events.

The screen is refreshed by the app's tick like the overview; the charts read the node's
longer history from the source (the snapshot carries only the last minute of CPU).  `c`
opens the chaos menu on this node, `x` reverts its faults, `r` reconnects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries
from clustertui.tui import keys, messages
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.charts import WINDOW, MetricChart, rate_unit
from clustertui.tui.widgets.core_bars import CoreBars
from clustertui.tui.widgets.node_events import NodeEvents
from clustertui.tui.widgets.node_header import NodeHeader
from clustertui.tui.widgets.paletted import follow_palette
from clustertui.tui.widgets.services_table import ServicesTable

if TYPE_CHECKING:
    from clustertui.tui.app import ClusterApp

SeriesReader = Callable[[str, float], NodeSeries]


class DetailScreen(Screen):
    BINDINGS = keys.bindings("detail")

    def __init__(self, node: str, palette: Palette, read_series: SeriesReader) -> None:
        super().__init__(id="detail")
        self.node = node
        self.palette = palette
        self.read_series = read_series
        self.latest: ClusterSnapshot | None = None

    @property
    def app(self) -> ClusterApp:  # type: ignore[override]
        """The app, typed: screens read its state and post it messages (messages.py)."""
        return cast("ClusterApp", super().app)

    def compose(self) -> ComposeResult:
        yield NodeHeader(self.palette)
        with Horizontal(id="charts"):
            yield MetricChart(id="chart-cpu")
            yield MetricChart(id="chart-mem")
            yield MetricChart(id="chart-net")
        with Horizontal(id="panels"):
            yield CoreBars(self.palette)
            with Vertical(id="node-side"):
                yield ServicesTable(self.palette)
                yield NodeEvents(self.palette)
        yield Footer(compact=True)

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        self.latest = snapshot
        try:
            view = snapshot.node(self.node)
        except KeyError:
            return
        thresholds = snapshot.part(view.cluster).thresholds  # its own cluster's, with several shown
        self.query_one(NodeHeader).show(view, thresholds)
        self.query_one(CoreBars).show(view.sample.cores if view.sample else (), thresholds.cpu)
        self.query_one(ServicesTable).show(view.services)
        self.show_faults()
        self._draw_charts(self.read_series(self.node, WINDOW), snapshot.t)

    def show_faults(self) -> None:
        """This node's faults (from the app's merged view) and its events."""
        now = time.time()
        faults = tuple(row.line(now) for row in self.app.fault_rows() if row.node == self.node)
        events = tuple(e for e in self.latest.events if e.node == self.node) if self.latest else ()
        self.query_one(NodeEvents).show(faults, events)

    def _draw_charts(self, series: NodeSeries, now: float) -> None:
        ages = [t - now for t in series.times]
        palette = self.palette
        self.query_one("#chart-cpu", MetricChart).draw("CPU %", ages, [(None, series.cpu, palette.spark)], 100.0)
        self.query_one("#chart-mem", MetricChart).draw("memory %", ages, [(None, series.mem, palette.warn)], 100.0)
        divisor, unit = rate_unit(max((*series.rx, *series.tx), default=0.0))
        rx = [value / divisor for value in series.rx]
        tx = [value / divisor for value in series.tx]
        self.query_one("#chart-net", MetricChart).draw(
            f"net {unit}", ages, [("rx", rx, palette.spark), ("tx", tx, palette.ok)]
        )

    def on_screen_resume(self) -> None:
        """Back on top (or just opened): show the latest state now, not at the next tick."""
        if self.app.latest is not None:
            self.show_snapshot(self.app.latest)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.check_action(action, parameters)

    def on_mount(self) -> None:
        follow_palette(self, self._palette_changed)

    def _palette_changed(self, palette: Palette) -> None:
        """The charts take the new colours (the widgets follow the palette themselves)."""
        self.palette = palette
        if self.latest is not None:
            self.show_snapshot(self.latest)

    def action_back(self) -> None:
        self.dismiss()

    def action_reconnect(self) -> None:
        self.post_message(messages.Reconnect(self.node))

    def action_chaos_menu(self) -> None:
        self.post_message(messages.OpenChaosMenu([self.node]))

    def action_revert_node_faults(self) -> None:
        self.post_message(messages.RevertNodeFaults(self.node))
