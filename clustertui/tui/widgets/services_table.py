"""The services of one node: state, process count, port, HTTP latency and why it is down."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from clustertui.engine.snapshot import ServiceView
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.rows import service_glyph
from clustertui.tui.widgets.paletted import follow_palette

COLUMNS = (("service", "SERVICE"), ("state", "STATE"), ("pids", "PIDS"), ("port", "PORT"), ("http", "HTTP"),
           ("detail", "DETAIL"))


def _cells(service: ServiceView) -> tuple[tuple[str, str], ...]:
    """(text, style) per column: plain values, compared before any cell is touched."""
    glyph, style = service_glyph(service)
    state = {True: "up", False: "DOWN", None: "unknown"}[service.up]
    port = fmt.NOTHING if service.port is None else str(service.port)
    if service.port is not None and service.listening is not None:
        port += "" if service.listening else " closed"
    return (
        (service.name, "plain"),
        (f"{glyph} {state}", style),
        (fmt.NOTHING if service.process_count is None else str(service.process_count), "plain"),
        (port, "plain" if service.listening is not False else "bad"),
        (fmt.NOTHING if service.http_ms is None else f"{service.http_ms:.0f} ms", "plain"),
        (service.detail or (service.systemd or ""), "stale" if service.up is not False else "bad"),
    )


class ServicesTable(DataTable):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="services", cursor_type="none", zebra_stripes=False)
        self.palette = palette
        self.border_title = "services"
        self._shown: dict[str, tuple[tuple[str, str], ...]] = {}

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, services: tuple[ServiceView, ...]) -> None:
        for service in services:
            cells = _cells(service)
            shown = self._shown.get(service.name)
            if shown is None:
                self.add_row(*(self._text(cell) for cell in cells), key=service.name)
            elif shown != cells:
                for (key, _), cell, old in zip(COLUMNS, cells, shown, strict=True):
                    if cell != old:
                        self.update_cell(service.name, key, self._text(cell), update_width=True)
            self._shown[service.name] = cells

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        for name, cells in self._shown.items():
            for (key, _), cell in zip(COLUMNS, cells, strict=True):
                self.update_cell(name, key, self._text(cell))

    def _text(self, cell: tuple[str, str]) -> Text:
        return terminal(cell[0], self.palette.style(cell[1]), no_wrap=True, overflow="ellipsis", end="")
