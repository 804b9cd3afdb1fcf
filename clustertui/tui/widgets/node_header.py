"""The node detail's header: who the node is and how it is, in three lines: identity;
CPUs, load, memory and uptime (or why the node is down); disks, swap and pressure (PSI),
each coloured by the cluster file's thresholds."""

from __future__ import annotations

from rich.text import Text

from clustertui.config.thresholds import Limits, Thresholds
from clustertui.engine.snapshot import NodeView
from clustertui.probe import watch
from clustertui.probe.sample import MetricsOrigin, NodeSample
from clustertui.report.escape import terminal
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.rows import STATES, level_style
from clustertui.tui.widgets.paletted import PalettedWidget


class NodeHeader(PalettedWidget):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="node-header")
        self.palette = palette
        self.view: NodeView | None = None
        self.thresholds = Thresholds()

    def show(self, view: NodeView, thresholds: Thresholds) -> None:
        self.view, self.thresholds = view, thresholds
        self.refresh()

    def render(self) -> Text:
        view = self.view
        if view is None:
            return Text("")
        style = self.palette.style
        glyph, _, state_style = STATES[view.state]
        first = Text(no_wrap=True, overflow="ellipsis", end="")
        first.append(f" {view.name}", "bold")
        first.append(f"  {view.host}", style("stale"))
        first.append(f"  {glyph} {view.state}", style(state_style))
        first.append(f"  roles {','.join(view.roles) or '-'}")
        if view.labels:
            first.append("  " + " ".join(f"{k}={v}" for k, v in view.labels.items()), style("stale"))
        first.append(f"  sample {fmt.age(view.sample_age).strip()} ago", style("stale"))
        if view.sample is not None and (watch_off := watch.describe(view.sample.watch)):
            first.append(f"  {watch_off}", style("warn"))
        if view.sample is not None and view.sample.metrics_note:
            first.append(f"  figures from the probe: {view.sample.metrics_note}", style("warn"))
        elif view.sample is not None and view.sample.metrics is MetricsOrigin.PROMETHEUS:
            first.append("  figures from prometheus", style("stale"))
        second = Text(no_wrap=True, overflow="ellipsis", end="")
        if view.state is not NodeState.UP and view.detail:
            second.append(f" {view.detail}", style(state_style))
            second.append("   r: reconnect now", style("stale"))
        elif view.sample is not None:
            sample = view.sample
            used = sample.mem_total - sample.mem_available
            parts = [
                f"{fmt.plural(sample.cpu_count, 'cpu')} · load {sample.load1:.2f} {sample.load5:.2f} {sample.load15:.2f}",
                f"mem {fmt.human(used)}/{fmt.human(sample.mem_total)}",
            ]
            parts += [fmt.plural(sample.processes, "proc"), f"up {fmt.duration(sample.uptime)}"]
            if view.info is not None:
                parts.append(f"{view.info.hostname} · kernel {view.info.kernel}")
            second.append(" " + " · ".join(parts))
        else:
            second.append(" waiting for the first sample…", style("stale"))
        lines = [first, second]
        if view.sample is not None:
            lines.append(self._storage(view.sample, grey=view.state is not NodeState.UP))
        for line in lines:  # each line cut at the edge: a wrapped line would push the next one out
            line.truncate(max(1, self.size.width), overflow="ellipsis")
        return terminal(Text("\n", end="").join(lines))

    def _storage(self, sample: NodeSample, grey: bool) -> Text:
        """' disk / 41% 3.1G/7.6G · swap 12% 120M/1.0G · pressure cpu 0.2% io 4.1% mem 0%'."""
        style, limits = self.palette.style, self.thresholds
        line = Text(no_wrap=True, overflow="ellipsis", end="")

        def value(text: str, of: Limits, number: float | None) -> None:
            line.append(text, style(level_style(of, number, grey)))

        line.append(" disk")
        for disk in sample.disks:
            line.append(f" {disk.path} ")
            value(f"{disk.percent:.0f}%", limits.disk, disk.percent)
            line.append(f" {fmt.human(disk.used)}/{fmt.human(disk.total)}", style("stale"))
        if not sample.disks:
            line.append(" —", style("stale"))
        line.append(" · swap ")
        if sample.swap_percent is None:
            line.append("none", style("stale"))
        else:
            value(f"{sample.swap_percent:.0f}%", limits.swap, sample.swap_percent)
            line.append(f" {fmt.human(sample.swap_used)}/{fmt.human(sample.swap_total)}", style("stale"))
        line.append(" · pressure")
        psi = (("cpu", sample.psi_cpu), ("io", sample.psi_io), ("mem", sample.psi_memory))
        if all(number is None for _, number in psi):
            line.append(" not reported (no /proc/pressure)", style("stale"))
        for name, number in psi:
            if number is not None:
                line.append(f" {name} ")
                value(f"{number:.1f}%", limits.psi, number)
        return line
