"""The node table: one line per node, drawn with Textual's Line API.

A tick only stores the new node views, re-filters and re-sorts them, and refreshes: lines
are drawn when the compositor asks for them, so only the rows on screen cost anything, and
each row is one strip of segments built straight from its cells' parts (no per-cell
widgets, no Rich layout).  With 200 nodes at 200x60 that is ~57 rows a tick instead of
2400 cells.  Column widths are fixed by the layout, so a row can never wrap.

Keys (keys.py, scope "table"): up/down/j/k, pgup/pgdn, home/end/g/G move the cursor, space
marks a node (the chaos menu acts on the marked nodes); Enter is the overview's.  Mouse: a
click selects a row, a click on the selected row (or a double click) opens it, a click on
a column header sorts by that column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from clustertui.config.thresholds import Thresholds
from clustertui.engine.snapshot import NodeView
from clustertui.tui import keys
from clustertui.tui.columns import GAP, Layout, layout_for
from clustertui.tui.filtering import NO_FILTER, NodeFilter
from clustertui.tui.palette import Palette
from clustertui.tui.rows import Parts, RowBuilder, header
from clustertui.tui.sorting import arrow_column, ordered
from clustertui.tui.widgets.paletted import follow_palette

HEADER_LINES = 1
MARK = "▌"  # drawn in a marked row's first cell (the column gap before the name)


class NodeTable(ScrollView, can_focus=True):
    BINDINGS = keys.bindings("table")
    COMPONENT_CLASSES: ClassVar[set[str]] = {"node-table--header", "node-table--cursor", "node-table--marked"}

    class NodeSelected(Message):
        """Enter, or a click on the selected row: open this node."""

        def __init__(self, node: str) -> None:
            super().__init__()
            self.node = node

    class SortRequested(Message):
        """A click on a column header."""

        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="nodes")
        self.palette = palette
        self.columns_layout: Layout | None = None
        self.builder: RowBuilder | None = None
        self.views: tuple[NodeView, ...] = ()
        self.node_filter: NodeFilter = NO_FILTER
        self.extra_columns = False  # disk, swap and PSI (`d`)
        self.thresholds = Thresholds()
        self.by_cluster: dict[str, Thresholds] = {}
        self.interval = 1.0
        self.sort_mode = "health"
        self.sort_reverse = False
        self.cursor_row = 0
        self.marked: set[str] = set()
        self._by_name: dict[str, NodeView] = {}
        self._order: list[str] = []
        self._strips: dict[str, Strip] = {}  # row strips of this tick, built when drawn

    # -- what the screen calls ---------------------------------------------------------

    def show(self, views: tuple[NodeView, ...], thresholds: Thresholds | None = None,
             interval: float | None = None, by_cluster: Mapping[str, Thresholds] | None = None) -> None:
        """Apply one tick's node views, judged by the cluster file's thresholds (each node
        by its own cluster's, `by_cluster`, with several shown), sampled every `interval`
        (the sparkline's label says how long it spans)."""
        self.views = views
        thresholds = thresholds or self.thresholds
        by_cluster = self.by_cluster if by_cluster is None else dict(by_cluster)
        self.interval = interval or self.interval
        layout = layout_for(self._width(), views, self.extra_columns, self.interval)
        if layout != self.columns_layout or thresholds != self.thresholds or by_cluster != self.by_cluster:
            self.columns_layout, self.thresholds, self.by_cluster = layout, thresholds, by_cluster
            self.builder = RowBuilder(layout, self.palette, thresholds, by_cluster)
        self._apply()

    def toggle_extra_columns(self) -> None:
        self.extra_columns = not self.extra_columns
        self.show(self.views)

    def set_filter(self, node_filter: NodeFilter) -> None:
        self.node_filter = node_filter
        self._apply()

    def set_sort(self, mode: str, reverse: bool) -> None:
        self.sort_mode, self.sort_reverse = mode, reverse
        self._apply()

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        if self.columns_layout is not None:
            self.builder = RowBuilder(self.columns_layout, palette, self.thresholds, self.by_cluster)
        self._strips.clear()
        self.refresh()

    @property
    def visible_names(self) -> list[str]:
        """Node names in display order (after the filter)."""
        return list(self._order)

    @property
    def cursor_node(self) -> str | None:
        return self._order[self.cursor_row] if 0 <= self.cursor_row < len(self._order) else None

    def select_node(self, name: str) -> bool:
        """Put the cursor on a node; False if it is filtered out."""
        if name not in self._by_name:
            return False
        self._move_cursor(self._order.index(name))
        return True

    @property
    def marked_nodes(self) -> list[str]:
        """The marked nodes still in the cluster, in file order (a filter does not unmark)."""
        return [view.name for view in self.views if view.name in self.marked]

    def clear_marks(self) -> bool:
        """Unmark every node; False if none was marked."""
        if not self.marked:
            return False
        self.marked.clear()
        self._strips.clear()
        self.refresh()
        return True

    def cell(self, node: str, column: str) -> Parts:
        """What a cell shows now, as (text, style name) parts."""
        assert self.builder is not None
        return self.builder.parts(column, self._by_name[node])

    # -- keys and mouse ----------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self._move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move_cursor(self.cursor_row + direction * max(1, self._rows_on_screen() - 1))

    def action_cursor_to(self, row: int) -> None:
        self._move_cursor(row if row >= 0 else len(self._order) - 1)

    def action_toggle_mark(self) -> None:
        """Space: mark or unmark the node under the cursor, then move down (as htop does)."""
        node = self.cursor_node
        if node is None:
            return
        self.marked.symmetric_difference_update({node})
        self._strips.pop(node, None)
        self.refresh()
        self.action_cursor(1)

    def action_select(self) -> None:
        if self.cursor_node is not None:
            self.post_message(self.NodeSelected(self.cursor_node))

    def on_click(self, event: events.Click) -> None:
        if event.y < HEADER_LINES:
            self._header_clicked(event.x)
            return
        row = int(self.scroll_y) + event.y - HEADER_LINES
        if not 0 <= row < len(self._order):
            return
        if row == self.cursor_row or event.chain > 1:
            self._move_cursor(row)
            self.action_select()
        else:
            self._move_cursor(row)

    def _header_clicked(self, x: int) -> None:
        if self.columns_layout is None:
            return
        left = 0
        for column in self.columns_layout.columns:
            left += column.width + GAP
            if x < left:
                if column.sort is not None:
                    self.post_message(self.SortRequested(column.sort))
                return

    # -- internals ---------------------------------------------------------------------

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def _rows_on_screen(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_LINES)

    def on_resize(self, event: events.Resize) -> None:
        if self.views:
            self.show(self.views)

    def _apply(self) -> None:
        cursor = self.cursor_node  # the node the user is on stays under the cursor
        visible = [view for view in self.views if self.node_filter.matches(view)]
        self._by_name = {view.name: view for view in visible}
        self._order = [view.name for view in ordered(visible, self.sort_mode, self.sort_reverse, self.thresholds,
                                                         self.by_cluster)]
        self._strips.clear()
        width = self.columns_layout.width if self.columns_layout else 0
        self.virtual_size = Size(width, len(self._order) + HEADER_LINES)
        if cursor in self._by_name:
            self._move_cursor(self._order.index(cursor), scroll=False)
        else:
            self._move_cursor(min(self.cursor_row, len(self._order) - 1), scroll=False)
        self.refresh()

    def _move_cursor(self, row: int, scroll: bool = True) -> None:
        row = max(0, min(row, len(self._order) - 1))
        if row != self.cursor_row:
            self.cursor_row = row
            self.refresh()
        if scroll:
            top, shown = int(self.scroll_y), self._rows_on_screen()
            if row < top:
                self.scroll_to(y=row, animate=False)
            elif row >= top + shown:
                self.scroll_to(y=row - shown + 1, animate=False)

    # -- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < HEADER_LINES:
            return self._header_strip(width)
        row = int(self.scroll_y) + y - HEADER_LINES
        if row >= len(self._order):
            return Strip.blank(width, base)
        name = self._order[row]
        strip = self._strips.get(name)
        if strip is None:
            strip = self._strips[name] = self._row_strip(self._by_name[name])
        style = self.get_component_rich_style("node-table--cursor") if row == self.cursor_row else Style.null()
        return strip.apply_style(base + style).crop_extend(0, width, base)

    def _row_strip(self, view: NodeView) -> Strip:
        assert self.columns_layout is not None and self.builder is not None
        segments = self.builder.row(view)
        if view.name in self.marked:  # the first cell is the gap before the name
            segments[0] = Segment(MARK, self.get_component_rich_style("node-table--marked"))
        return Strip(segments, self.columns_layout.width)

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("node-table--header")
        if self.columns_layout is None:
            return Strip.blank(width, style)
        arrow = arrow_column(self.sort_mode, self.columns_layout.split_net)
        segments = [
            Segment(header(column, column.key == arrow, self.sort_reverse), style)
            for column in self.columns_layout.columns
        ]
        return Strip(segments, self.columns_layout.width).crop_extend(0, width, style)
