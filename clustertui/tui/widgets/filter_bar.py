"""The filter line under the node table: opened with `/`, filters as you type.

Enter keeps the filter and returns to the table; Esc clears it.  While a filter is active
the line stays visible with the number of rows it keeps, so a narrowed table is never
mistaken for the whole cluster.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label

from clustertui.report.escape import terminal
from clustertui.tui import format as fmt

PLACEHOLDER = "name, role:web, state:up, zone=a …  (Enter keeps, Esc clears)"


class FilterBar(Horizontal):

    def compose(self) -> ComposeResult:
        yield Label("filter /")
        yield Input(placeholder=PLACEHOLDER, id="filter-input")
        yield Label("", id="filter-count")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def set_count(self, shown: int, total: int) -> None:
        self.query_one("#filter-count", Label).update(terminal(f"{shown} of {fmt.plural(total, 'node')}"))
