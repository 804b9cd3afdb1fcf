"""A node's active faults and its own events, newest first, for the detail screen.

Faults come first because they are what an SRE must not forget to revert: one line each
(id, what, countdown, who), given by the screen; `x` on the detail screen reverts them.
"""

from __future__ import annotations

from rich.text import Text

from clustertui.engine.events import Event
from clustertui.report.escape import terminal
from clustertui.tui.events_text import event_line
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import PalettedWidget


class NodeEvents(PalettedWidget):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="node-events")
        self.palette = palette
        self.border_title = "faults & events"
        self.faults: tuple[str, ...] = ()
        self.events: tuple[Event, ...] = ()

    def show(self, faults: tuple[str, ...], events: tuple[Event, ...]) -> None:
        if (faults, events) != (self.faults, self.events):
            self.faults, self.events = faults, events
            self.refresh()

    def render(self) -> Text:
        style = self.palette.style
        lines: list[Text] = []
        if self.faults:
            for fault in self.faults:
                lines.append(Text.assemble(("⚡ ", style("warn")), (fault, style("warn")), no_wrap=True))
        else:
            lines.append(Text("no active faults", style=style("stale"), no_wrap=True))
        if not self.events:
            lines.append(Text("no events for this node yet", style=style("stale"), no_wrap=True))
        for event in reversed(self.events):
            if len(lines) >= max(1, self.size.height):
                break
            lines.append(event_line(event, self.palette, with_node=False))
        return terminal(Text("\n", no_wrap=True).join(lines))
