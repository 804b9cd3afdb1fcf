"""Drill coverage (`v`): the grid of services x fault kinds, each cell the last verdict and
its age, blank where never drilled, and the resilience score (docs/coverage.md).

Read in a worker thread (SQLite may wait for a writer's lock) through the same `coverage()`
and `cell_text()` as `clustertui coverage`, so that the screen and the command agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from clustertui.config import Cluster
from clustertui.coverage import Coverage, cell_text, coverage, summary_line
from clustertui.history import HistoryError, HistoryStore, RunSummary
from clustertui.report.escape import terminal
from clustertui.tui.palette import Palette

STYLES = {"passed": "ok", "failed": "bad", "aborted": "warn"}


def load(path: Path | None, cluster: str) -> list[RunSummary]:
    """Every run of `cluster` in the database at `path` (none there yet: no runs)."""
    if path is None or not path.exists():
        return []
    with HistoryStore(path) as store:
        return store.runs(cluster, kind=None)


class CoverageScreen(Screen[None]):
    DEFAULT_CSS = """
    CoverageScreen #coverage-head {
        height: auto;
        padding: 0 1;
        background: $panel;
    }
    CoverageScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,backspace,v", "back", "Back")]

    def __init__(self, path: Path | None, cluster: Cluster, palette: Palette,
                 clock: Callable[[], float] = time.time) -> None:
        """`path`: the history database; `clock`: now, for the ages (tests fix it)."""
        super().__init__(id="coverage")
        self.path = path
        self.cluster = cluster
        self.palette = palette
        self.clock = clock
        self.grid: Coverage | None = None

    def compose(self) -> ComposeResult:
        yield Static(terminal(f"{self.cluster.name}: reading the history…"), id="coverage-head")
        yield DataTable(cursor_type="cell", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    @work(exclusive=True, group="coverage", thread=True)
    def reload(self) -> None:
        try:
            runs, error = load(self.path, self.cluster.name), ""
        except HistoryError as exc:
            runs, error = [], str(exc)
        self.app.call_from_thread(self.show, runs, error)

    def show(self, runs: list[RunSummary], error: str = "") -> None:
        grid = self.grid = coverage(self.cluster, runs, self.clock())
        head = Text.assemble((f"{self.cluster.name} coverage", "bold"), "  ")
        if error:
            head.append(error, self.palette.style("bad"))
        else:
            head.append(summary_line(grid))
        head.append("\nblank: never drilled · stale: older than the stale age · esc back", self.palette.style("stale"))
        self.query_one("#coverage-head", Static).update(terminal(head))
        table: DataTable[Text | str] = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("service", key="service")
        for kind in grid.kinds:
            table.add_column(kind, key=kind)
        for service in grid.services:
            cells: list[Text | str] = [terminal(service)]
            for kind in grid.kinds:
                cell = grid.cell(service, kind)
                style = "stale" if cell.stale or not cell.applicable else STYLES.get(cell.verdict or "", "plain")
                cells.append(terminal(cell_text(cell), self.palette.style(style)))
            table.add_row(*cells, key=service)

    def action_back(self) -> None:
        self.dismiss()
