"""The overview: cluster header, one row per node, the filter line and the event log."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input

from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.tui import keys
from clustertui.tui.filtering import parse_filter
from clustertui.tui.palette import Palette
from clustertui.tui.sorting import SORTS, next_mode
from clustertui.tui.widgets.event_log import EventLog
from clustertui.tui.widgets.filter_bar import FilterBar
from clustertui.tui.widgets.header import ClusterHeader
from clustertui.tui.widgets.node_table import NodeTable


class OverviewScreen(Screen):
    BINDINGS = keys.bindings("overview")

    def __init__(self, palette: Palette, read_only: bool) -> None:
        super().__init__(id="overview")
        self.palette = palette
        self.read_only = read_only
        self.latest: ClusterSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield ClusterHeader(self.palette, self.read_only)
        yield NodeTable(self.palette)
        yield FilterBar()
        yield EventLog(self.palette)
        yield Footer()

    @property
    def table(self) -> NodeTable:
        return self.query_one(NodeTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    # -- ticks and themes (called by the app) ------------------------------------------

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        self.latest = snapshot
        self.query_one(ClusterHeader).show(snapshot)
        self.table.show(snapshot.nodes)
        self.query_one(EventLog).show_events(snapshot.events)
        self._count()

    def on_screen_resume(self) -> None:
        """Back on top (or just opened): show the latest state now, not at the next tick."""
        if self.app.latest is not None:
            self.show_snapshot(self.app.latest)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.check_action(action, parameters)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.query_one(ClusterHeader).set_palette(palette)
        self.table.set_palette(palette)
        self.query_one(EventLog).set_palette(palette)

    # -- opening a node ----------------------------------------------------------------

    @on(NodeTable.NodeSelected)
    def _node_selected(self, event: NodeTable.NodeSelected) -> None:
        self.app.open_node(event.node)

    def action_open_node(self) -> None:
        node = self.table.cursor_node
        if node is not None:
            self.app.open_node(node)

    # -- filter ------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.filter_bar.add_class("-shown")
        self.filter_bar.input.focus()

    def action_clear_filter(self) -> None:
        self.filter_bar.input.value = ""
        self._close_filter()

    @on(Input.Changed, "#filter-input")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(parse_filter(event.value))
        self._count()

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self) -> None:
        self._close_filter()

    def _close_filter(self) -> None:
        self.filter_bar.set_class(self.table.node_filter.active, "-shown")
        self.table.focus()

    def _count(self) -> None:
        if self.latest is not None:
            self.filter_bar.set_count(len(self.table.visible_names), len(self.latest.nodes))

    # -- sort --------------------------------------------------------------------------

    def action_next_sort(self) -> None:
        self.table.set_sort(next_mode(self.table.sort_mode), False)

    def action_reverse_sort(self) -> None:
        self.table.set_sort(self.table.sort_mode, not self.table.sort_reverse)

    def action_sort(self, mode: str) -> None:
        if mode in SORTS:
            self.table.set_sort(mode, False)

    @on(NodeTable.SortRequested)
    def _header_clicked(self, event: NodeTable.SortRequested) -> None:
        """A header click sorts by that column; a second click reverses."""
        same = event.mode == self.table.sort_mode
        self.table.set_sort(event.mode, not self.table.sort_reverse if same else False)

    # -- event log ---------------------------------------------------------------------

    def action_toggle_events(self) -> None:
        self.query_one(EventLog).toggle_class("-shown")
