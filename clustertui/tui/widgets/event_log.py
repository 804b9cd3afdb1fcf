"""The cluster event log: a panel under the node table, toggled with `e`.

It is a RichLog (Textual's Line API: only visible lines are rendered) fed from each
snapshot's event tail, so it keeps collecting while hidden and shows the history when
opened.  On a theme change the kept events are written again in the new colours.
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

    def show_events(self, events: tuple[Event, ...]) -> None:
        fresh = new_events(events, self.kept[-1] if self.kept else None)
        for event in fresh:
            self.kept.append(event)
            self.write(event_line(event, self.palette))

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.clear()
        for event in self.kept:
            self.write(event_line(event, palette))
