"""The cluster event log: a panel under the node table, toggled with `e`.

It is a RichLog (Textual's Line API: only visible lines are rendered) fed from each
snapshot's event tail, so it keeps collecting while hidden and shows the history when
opened.  On a theme change the kept events are written again in the new colours; so they
are when the filter (`/`) changes which nodes the table shows: a node's events show only
while its row does, the cluster's own (quorum, endpoints, findings) always.
"""

from __future__ import annotations

from collections import deque

from textual.widgets import RichLog

from clustertui.engine.events import Event
from clustertui.tui.events_text import event_line, new_events
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import follow_palette

MAX_LINES = 1000


class EventLog(RichLog):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="events", max_lines=MAX_LINES, wrap=False, markup=False, highlight=False)
        self.palette = palette
        self.border_title = "events"
        self.kept: deque[Event] = deque(maxlen=MAX_LINES)
        self.only_nodes: frozenset[str] | None = None  # the nodes the filter shows (None: no filter)

    def show_events(self, events: tuple[Event, ...]) -> None:
        fresh = new_events(events, self.kept[-1] if self.kept else None)
        for event in fresh:
            self.kept.append(event)
            if self.shows(event):
                self.write(event_line(event, self.palette))

    def filter_to(self, nodes: frozenset[str] | None) -> None:
        """Show only these nodes' events (and the cluster's own); None shows every one."""
        if nodes != self.only_nodes:
            self.only_nodes = nodes
            if nodes is None:
                self.border_title = "events"
            else:
                self.border_title = "events · filtered"
            self._write_kept()

    def shows(self, event: Event) -> bool:
        return self.only_nodes is None or event.node is None or event.node in self.only_nodes

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self._write_kept()

    def _write_kept(self) -> None:
        self.clear()
        for event in self.kept:
            if self.shows(event):
                self.write(event_line(event, self.palette))
