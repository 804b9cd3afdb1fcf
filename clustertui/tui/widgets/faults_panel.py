"""The active faults under the node table: what, where, who, and the countdown to revert.

One row per fault, whoever applied it: the node ledgers are read by the probe every
interval, so a fault from another operator's terminal or from a crashed run shows up here
as well.  The countdown is the node's own dead-man timer, redrawn every second; `x`
reverts the highlighted fault, Enter opens its node.  Toggled with `f`, and shown by itself
when a fault appears.  Cells are updated in place, so the cursor stays on its fault.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from clustertui.report.escape import terminal
from clustertui.tui.faults import FaultRow
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import follow_palette

COLUMNS = (("id", "ID"), ("node", "NODE"), ("kind", "KIND"), ("left", "LEFT"), ("by", "BY"), ("what", "WHAT"))
COUNTDOWN_EVERY = 1.0  # seconds: the LEFT column between ticks (an interval may be longer)
STATE_STYLES = {"active": "warn", "new": "stale", "unconfirmed": "stale"}  # anything else is trouble: bad


def _cells(row: FaultRow, now: float) -> tuple[tuple[str, str], ...]:
    """(text, style name) per column: plain values, compared before any cell is touched."""
    state_style = STATE_STYLES.get(row.state, "bad")
    what = row.summary or ("details pending…" if row.state == "new" else "")
    if row.state not in ("active", "new"):
        what = f"[{row.state}] {what}"
    return (
        (row.id, state_style),
        (row.node, "plain"),
        (row.kind or "…", "plain"),
        (row.left(now), "warn" if row.ends_at is not None else "stale"),
        ("you" if row.mine else row.by or "…", "ok" if row.mine else "plain"),
        (what, "plain" if state_style != "bad" else "bad"),
    )


class FaultsPanel(DataTable):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="faults", cursor_type="row", zebra_stripes=False)
        self.palette = palette
        self.border_title = "active faults"
        self._shown: dict[str, tuple[tuple[str, str], ...]] = {}
        self._rows: list[FaultRow] = []
        self._note = ""
        self._actions = True

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.set_interval(COUNTDOWN_EVERY, self._count_down)

    def _count_down(self) -> None:
        if self._rows:
            self.show(self._rows, self._note, self._actions)

    def node_of(self, fault_id: str) -> str | None:
        return next((row.node for row in self._rows if row.id == fault_id), None)

    def show(self, rows: list[FaultRow], note: str = "", actions: bool = True) -> None:
        """Apply the faults now believed active; `note` (a failed status) goes in the title,
        else, with `actions` (not read-only), how to revert."""
        self._rows, self._note, self._actions = rows, note, actions
        now = time.time()
        wanted = {row.id: _cells(row, now) for row in rows}
        for gone in [fault_id for fault_id in self._shown if fault_id not in wanted]:
            self.remove_row(gone)
            del self._shown[gone]
        for fault_id, cells in wanted.items():
            shown = self._shown.get(fault_id)
            if shown is None:
                self.add_row(*(self._text(cell) for cell in cells), key=fault_id)
            elif shown != cells:
                for (key, _), cell, old in zip(COLUMNS, cells, shown, strict=True):
                    if cell != old:
                        self.update_cell(fault_id, key, self._text(cell), update_width=True)
            self._shown[fault_id] = cells
        count = len(wanted)
        title = f"active faults ({count})" if count else "active faults: none"
        hint = "x reverts the one under the cursor · H halts all" if count and actions else ""
        self.border_title = " · ".join(part for part in (title, note or hint) if part)

    @property
    def highlighted(self) -> str | None:
        """The fault id under the cursor."""
        if not self._shown or not 0 <= self.cursor_row < self.row_count:
            return None
        return str(self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        for fault_id, cells in self._shown.items():
            for (key, _), cell in zip(COLUMNS, cells, strict=True):
                self.update_cell(fault_id, key, self._text(cell))

    def _text(self, cell: tuple[str, str]) -> Text:
        return terminal(cell[0], self.palette.style(cell[1]), no_wrap=True, overflow="ellipsis", end="")
