"""The overview: cluster header, one row per node, the filter line, the event log, the
active faults, a running drill and a running game day."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from clustertui.drills.session import DrillRun
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.gameday.session import ScenarioRun
from clustertui.tui import keys, messages
from clustertui.tui.filtering import parse_filter
from clustertui.tui.palette import Palette
from clustertui.tui.sorting import SORTS, next_mode
from clustertui.tui.widgets.drill_panel import DrillPanel
from clustertui.tui.widgets.event_log import EventLog
from clustertui.tui.widgets.faults_panel import FaultsPanel
from clustertui.tui.widgets.filter_bar import FilterBar
from clustertui.tui.widgets.header import ClusterHeader
from clustertui.tui.widgets.managers_panel import ManagersPanel
from clustertui.tui.widgets.node_table import NodeTable
from clustertui.tui.widgets.scenario_panel import ScenarioPanel

if TYPE_CHECKING:
    from clustertui.tui.app import ClusterApp


class OverviewScreen(Screen):
    BINDINGS = keys.bindings("overview")

    def __init__(self, palette: Palette, read_only: bool) -> None:
        super().__init__(id="overview")
        self.palette = palette
        self.read_only = read_only
        self.latest: ClusterSnapshot | None = None
        self.faults_wanted: bool | None = None  # the faults panel: f's choice, None = shown when faults exist
        self._fault_ids: set[str] = set()

    @property
    def app(self) -> ClusterApp:  # type: ignore[override]
        """The app, typed: screens read its state and post it messages (messages.py)."""
        return cast("ClusterApp", super().app)

    def compose(self) -> ComposeResult:
        yield ClusterHeader(self.palette, self.read_only)
        yield NodeTable(self.palette)
        yield FilterBar()
        yield EventLog(self.palette)
        yield FaultsPanel(self.palette)
        yield ScenarioPanel(self.palette)
        yield ManagersPanel(self.palette)
        yield DrillPanel(self.palette)
        yield Footer(compact=True)

    @property
    def table(self) -> NodeTable:
        return self.query_one(NodeTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def faults_panel(self) -> FaultsPanel:
        return self.query_one(FaultsPanel)

    # -- ticks and themes (called by the app) ------------------------------------------

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        self.latest = snapshot
        self.query_one(ClusterHeader).show(snapshot)
        self.table.show(snapshot.nodes, snapshot.thresholds, snapshot.interval,
                        {part.name: part.thresholds for part in snapshot.parts})
        self._filter_events()
        self.query_one(EventLog).show_events(snapshot.events)
        self.show_faults()
        self.query_one(ManagersPanel).show(snapshot.managers, snapshot.findings)
        self._count()

    def show_faults(self) -> None:
        """The faults panel, from the app's merged view of snapshot and status.  A fault
        that was not there before brings the panel up, even if `f` had hidden it."""
        rows = self.app.fault_rows()
        self.query_one(ClusterHeader).show_frozen(self.app.faults.frozen)
        ids = {row.id for row in rows}
        if ids - self._fault_ids:
            self.faults_wanted = None
        self._fault_ids = ids
        panel = self.faults_panel
        panel.show(rows, self.app.faults_note, actions=not self.app.chaos_off)
        panel.set_class(self.faults_wanted if self.faults_wanted is not None else bool(rows), "-shown")

    def show_drill(self, run: DrillRun | None) -> None:
        self.query_one(DrillPanel).follow(run)

    def show_scenario(self, run: ScenarioRun | None) -> None:
        self.query_one(ScenarioPanel).follow(run)

    def on_screen_resume(self) -> None:
        """Back on top (or just opened): show the latest state now, not at the next tick."""
        if self.app.latest is not None:
            self.show_snapshot(self.app.latest)
        self.show_drill(self.app.drill_run)
        self.show_scenario(self.app.scenario_run)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.check_action(action, parameters)

    # -- opening a node ----------------------------------------------------------------

    @on(NodeTable.NodeSelected)
    def _node_selected(self, event: NodeTable.NodeSelected) -> None:
        self.post_message(messages.OpenNode(event.node))

    def action_open_node(self) -> None:
        node = self.table.cursor_node
        if node is not None:
            self.post_message(messages.OpenNode(node))

    # -- filter ------------------------------------------------------------------------

    def action_filter(self) -> None:
        """`/` is a priority key (keys.py): the app runs this before it hands on the keys
        queued after it (a paste, tmux send-keys, a fast typist), so the focus must move now,
        not at the next idle as `Widget.focus` does.  Typed in the filter, `/` is text."""
        field = self.filter_bar.input
        if field.has_focus:
            field.insert_text_at_cursor("/")
            return
        self.filter_bar.add_class("-shown")
        self.set_focus(field)

    def action_escape(self) -> None:
        """Esc backs out one step: from the faults panel to the table; clears the filter;
        clears the marks; else stops a running drill, or closes a finished one."""
        if self.faults_panel.has_focus:
            self.table.focus()
        elif self.filter_bar.has_class("-shown") or self.table.node_filter.active:
            self.filter_bar.input.value = ""
            self._close_filter()
        elif self.table.clear_marks():
            self.notify("marks cleared", timeout=2)
        else:
            self.post_message(messages.DrillEscape())

    @on(Input.Changed, "#filter-input")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(parse_filter(event.value))
        self._filter_events()
        self._count()

    def _filter_events(self) -> None:
        active = self.table.node_filter.active
        self.query_one(EventLog).filter_to(frozenset(self.table.visible_names) if active else None)

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

    def action_toggle_columns(self) -> None:
        self.table.toggle_extra_columns()

    def action_toggle_events(self) -> None:
        self.query_one(EventLog).toggle_class("-shown")

    def action_toggle_managers(self) -> None:
        self.query_one(ManagersPanel).toggle()

    # -- chaos -------------------------------------------------------------------------

    def action_chaos_menu(self) -> None:
        """The chaos menu on the marked nodes (space), or else on the node under the cursor."""
        node = self.table.cursor_node
        self.post_message(messages.OpenChaosMenu(self.table.marked_nodes or ([node] if node else [])))

    def action_toggle_faults(self) -> None:
        """f: to the faults panel (showing it if hidden); from it, hide it."""
        panel = self.faults_panel
        leaving = panel.has_class("-shown") and panel.has_focus
        self.faults_wanted = not leaving
        panel.set_class(self.faults_wanted, "-shown")
        (self.table if leaving else panel).focus()

    def action_revert_fault(self) -> None:
        """x reverts the fault under the faults panel's cursor, once the panel has the focus:
        a fault is reverted because someone picked it, not because it was listed first."""
        panel = self.faults_panel
        if not panel.has_focus or panel.highlighted is None:
            self.faults_wanted = True
            panel.add_class("-shown")
            panel.focus()
            self.notify("pick the fault to revert (↑↓), then x", timeout=4)
            return
        self.post_message(messages.RevertFaults([panel.highlighted]))

    @on(DataTable.RowSelected, "#faults")
    def _fault_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a fault opens its node."""
        node = self.faults_panel.node_of(str(event.row_key.value))
        if node is not None:
            self.post_message(messages.OpenNode(node))
