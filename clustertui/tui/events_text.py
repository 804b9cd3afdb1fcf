"""Cluster events as one coloured line each, for the event log and the node detail."""

from __future__ import annotations

from rich.text import Text

from clustertui.engine.events import Event, EventKind
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette

KIND_STYLES: dict[EventKind, str] = {
    EventKind.NODE_UP: "ok",
    EventKind.NODE_DOWN: "bad",
    EventKind.SERVICE_UP: "ok",
    EventKind.SERVICE_DOWN: "bad",
    EventKind.QUORUM_LOST: "bad-bold",
    EventKind.QUORUM_REGAINED: "ok",
    EventKind.ENDPOINT_UP: "ok",
    EventKind.ENDPOINT_DOWN: "bad",
    EventKind.FAULT_APPLIED: "warn",
    EventKind.FAULT_REVERTED: "ok",
    EventKind.FINDING: "bad-bold",
    EventKind.FINDING_CLEARED: "ok",
    EventKind.MANAGER_READ: "warn",
    EventKind.METRICS: "warn",
}


def event_line(event: Event, palette: Palette, with_node: bool = True) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(fmt.clock(event.t), palette.style("stale"))
    if with_node:
        text.append(f" {fmt.fit(event.node or 'cluster', 10)}")
    text.append(f" {event.kind:<15}", palette.style(KIND_STYLES[event.kind]))
    text.append(f" {event.detail}")
    return terminal(text)


def new_events(events: tuple[Event, ...], last_seen: Event | None) -> tuple[Event, ...]:
    """The events after `last_seen` (all of them if it has scrolled out of the window)."""
    if last_seen is None:
        return events
    for index in range(len(events) - 1, -1, -1):
        if events[index] == last_seen:
            return events[index + 1 :]
    return events
