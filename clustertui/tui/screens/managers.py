"""The managers screen (`M`, or "Managers" in the palette): every manager's detail in one
table -- each balancer's servers with their check, its duration, the time since the status
changed and the sessions; each virtual address and its holder; each Sentinel master with
the sentinels' agreement and quorum, its replicas with link and lag, each redis's ROLE; a
role command's answer per node -- with the findings first, and a failed read as a row
that says why.

The rows come from `managers.rows.detail_rows`, which covers every kind (one without rows
of its own shows its summary), so a new adapter shows here without code. Each tick updates
the table by row key inside one batch_update: a row that stays keeps its place and the
cursor, a row that went is removed. Manager text is node text: every cell is `terminal`
text (never markup, control characters replaced).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from clustertui.engine.findings import Finding
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.managers.rows import DetailRow, Level, detail_rows
from clustertui.managers.view import all_ok
from clustertui.managers.views import ManagerView
from clustertui.report.escape import terminal
from clustertui.tui import keys, messages
from clustertui.tui.multi_source import qualified
from clustertui.tui.palette import Palette

if TYPE_CHECKING:
    from clustertui.tui.app import ClusterApp

COLUMNS = (("manager", "MANAGER"), ("on", "ON"), ("subject", "WHAT"), ("state", "STATE"), ("detail", "DETAIL"))
#: Cut to this many characters (a manager's text is bounded, not short).
_WIDTHS = {"manager": 12, "on": 10, "subject": 32, "state": 24, "detail": 120}

Cells = tuple[tuple[str, Level], ...]


def table_rows(views: tuple[ManagerView, ...], findings: tuple[Finding, ...]) -> Iterator[tuple[str, Cells, str]]:
    """(row key, cells, node) of every finding, then every manager's detail rows, in manager order."""
    for f in findings:
        yield (f"finding/{f.kind}/{f.manager}/{f.subject}",
               ((f.manager, Level.BAD), (", ".join(f.nodes), Level.BAD), (f.subject, Level.BAD),
                (f"⚠ {f.kind}", Level.BAD), (f.detail, Level.BAD)), f.nodes[0] if f.nodes else "")
    for view in views:
        name_level = Level.OK if all_ok(view.reads) else Level.WARN
        for row in detail_rows(view):
            yield f"{view.manager}/{row.key}", _cells(view.manager, name_level, row), row.node


def _cells(manager: str, name_level: Level, row: DetailRow) -> Cells:
    return ((manager, name_level), (row.on, Level.PLAIN), (row.subject, Level.PLAIN), (row.state, row.level),
            (row.detail, Level.PLAIN))


class ManagersScreen(Screen[None]):
    DEFAULT_CSS = """
    ManagersScreen #managers-head {
        height: auto;
        padding: 0 1;
        background: $panel;
    }
    ManagersScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("managers")

    def __init__(self, palette: Palette, cluster: str | None = None) -> None:
        """`cluster`: with several clusters shown, the one whose managers this shows."""
        super().__init__(id="managers-screen")
        self.palette = palette
        self.cluster = cluster
        self._shown: dict[str, Cells] = {}
        self._row_nodes: dict[str, str] = {}  # row key -> the node Enter opens

    @property
    def app(self) -> ClusterApp:  # type: ignore[override]
        return cast("ClusterApp", super().app)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#managers-table", DataTable)

    def compose(self) -> ComposeResult:
        yield Static(id="managers-head")
        table: DataTable[Text] = DataTable(id="managers-table", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        if self.app.latest is not None:
            self.show_snapshot(self.app.latest)

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        """The snapshot's managers and findings. The same rows as before: each cell that
        changed is updated in place, by row and column key. Rows that came or went: the table
        is rebuilt in order (findings first, then manager order), the cursor kept on its row."""
        if self.cluster is not None:  # its own cluster's managers, its nodes as the app names them
            snapshot = snapshot.part(self.cluster)
        listed = list(table_rows(snapshot.managers, snapshot.findings))
        rows = {key: cells for key, cells, _ in listed}
        self._row_nodes = {key: node if self.cluster is None else qualified(self.cluster, node)
                           for key, _, node in listed if node}
        self._head(snapshot)
        if rows == self._shown:
            return
        table = self.table
        with self.app.batch_update():
            if list(rows) == list(self._shown):
                for key, cells in rows.items():
                    for (column, _), cell, old in zip(COLUMNS, cells, self._shown[key], strict=True):
                        if cell != old:
                            table.update_cell(key, column, self._text(column, cell))
            else:
                self._rebuild(table, rows)
        self._shown = rows

    def _rebuild(self, table: DataTable[Text], rows: dict[str, Cells]) -> None:
        at = None
        if table.row_count:
            at = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        for key, cells in rows.items():
            table.add_row(*(self._text(column, cell) for (column, _), cell in zip(COLUMNS, cells, strict=True)),
                          key=key)
        if at in rows:
            table.move_cursor(row=table.get_row_index(at), animate=False)

    def _text(self, column: str, cell: tuple[str, Level]) -> Text:
        text, level = cell
        limit = _WIDTHS[column]
        return terminal(text if len(text) <= limit else text[: limit - 1] + "…", self.palette.style(str(level)))

    def _head(self, snapshot: ClusterSnapshot) -> None:
        reads = [r for view in snapshot.managers for r in view.reads]
        failed = sum(1 for r in reads if not r.ok)
        head = Text.assemble((f"{snapshot.name} managers", "bold"), "  ")
        if not snapshot.managers:
            head.append("no manager read yet (managers: in the cluster file, docs/managers.md)",
                        self.palette.style("stale"))
        else:
            head.append(f"{len(snapshot.managers)} managers · {len(reads) - failed}/{len(reads)} reads ok",
                        self.palette.style("warn" if failed else "ok"))
            count = len(snapshot.findings)
            head.append(f" · {count} finding{'s' if count != 1 else ''}", self.palette.style("bad" if count else "ok"))
        head.append("\nenter: open the node · esc back", self.palette.style("stale"))
        self.query_one("#managers-head", Static).update(terminal(head))

    def show_faults(self) -> None:
        """The app calls this on the screen that shows snapshots when faults change: none here."""

    @on(DataTable.RowSelected, "#managers-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the node it is about."""
        node = self._row_nodes.get(str(event.row_key.value))
        if node is not None:
            self.post_message(messages.OpenNode(node))

    def action_open_row(self) -> None:
        self.table.action_select_cursor()

    def action_back(self) -> None:
        self.dismiss()
