"""The node detail's header: who the node is and how it is, in two lines."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from clustertui.engine.snapshot import NodeView
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.rows import STATES


class NodeHeader(Widget):
    DEFAULT_CSS = """
    NodeHeader {
        height: 2;
        background: $panel;
    }
    """

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="node-header")
        self.palette = palette
        self.view: NodeView | None = None

    def show(self, view: NodeView) -> None:
        self.view = view
        self.refresh()

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
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
            if sample.swap_total:
                parts.append(f"swap {fmt.human(sample.swap_used)}/{fmt.human(sample.swap_total)}")
            parts += [f"{disk.path} {disk.percent:.0f}%" for disk in sample.disks]
            parts += [fmt.plural(sample.processes, "proc"), f"up {fmt.duration(sample.uptime)}"]
            if view.info is not None:
                parts.append(f"{view.info.hostname} · kernel {view.info.kernel}")
            second.append(" " + " · ".join(parts))
        else:
            second.append(" waiting for the first sample…", style("stale"))
        first.append("\n")
        first.append_text(second)
        return first
