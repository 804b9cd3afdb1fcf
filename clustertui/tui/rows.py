"""One node row, cell by cell: what each cell says and in which status colour.

A cell is first described as `Parts`, a tuple of (text, style name) pairs: plain data that
tests can assert on and that does not depend on the theme.  `segments` then lays the parts
out at the column's exact width in the palette's styles, for the node table's Line API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.segment import Segment

from clustertui.config.thresholds import Limits, Thresholds
from clustertui.engine.snapshot import NodeView, ServiceView
from clustertui.report.escape import printable
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui.columns import GAP, Column, Layout
from clustertui.tui.palette import Palette
from clustertui.tui.sorting import own_thresholds

Parts = tuple[tuple[str, str], ...]

#: glyph, short label, style name of each node state.
STATES: dict[NodeState, tuple[str, str, str]] = {
    NodeState.UP: ("●", "up", "ok"),
    NodeState.CONNECTING: ("○", "conn", "stale"),
    NodeState.STALE: ("◐", "stale", "warn"),
    NodeState.UNREACHABLE: ("✖", "unreach", "bad"),
    NodeState.AUTH_FAILED: ("✖", "auth", "bad"),
    NodeState.PROBE_ERROR: ("✖", "probe", "bad"),
    NodeState.HOST_KEY_MISMATCH: ("!", "HOSTKEY", "bad-bold"),
    NodeState.HOST_KEY_UNKNOWN: ("!", "newkey", "warn"),
}

#: glyph and style of a service that is up, down, or unknown.
SERVICE_GLYPHS: dict[bool | None, tuple[str, str]] = {True: ("●", "ok"), False: ("✖", "bad"), None: ("○", "stale")}


def greyed(view: NodeView) -> bool:
    """Rows of nodes that are not up show their last numbers greyed: they are not live."""
    return view.state is not NodeState.UP


def service_glyph(service: ServiceView) -> tuple[str, str]:
    return SERVICE_GLYPHS[service.up]


def level_style(limits: Limits, value: float | None, grey: bool = False) -> str:
    """The status style a gauge is drawn in: its level by the file's thresholds, or greyed
    (a node that is not up, or a value not known)."""
    level = None if grey else limits.level(value)
    return "stale" if level is None else str(level)


def _gauge(value: float | None, width: int, limits: Limits, grey: bool) -> Parts:
    """'42% ███▍····': the number first (it is what is read), then the bar on a dotted track."""
    level = level_style(limits, value, grey)
    if width:
        filled, empty = fmt.bar(value, width)
        return ((fmt.percent(value) + " ", level), (filled, level), ("·" * len(empty), "stale"))
    return ((fmt.percent(value), level),)


class RowBuilder:
    """Builds a row's cells for one layout and palette: their parts, then their segments."""

    def __init__(self, layout: Layout, palette: Palette, thresholds: Thresholds,
                 by_cluster: Mapping[str, Thresholds] | None = None) -> None:
        self.layout = layout
        self.palette = palette
        self.thresholds = thresholds
        self.by_cluster = dict(by_cluster or {})  # several clusters shown: each node by its own file's
        self._cells: dict[str, Callable[[NodeView, bool], Parts]] = {
            "node": lambda v, g: ((v.name, "stale" if g else "plain"),),
            "host": lambda v, g: ((v.host, "stale" if g else "plain"),),
            "state": self._state,
            "roles": self._roles,
            "cpu": self._cpu,
            "spark": self._spark,
            "mem": self._mem,
            "load": self._load,
            "net": self._net,
            "rx": lambda v, g: ((fmt.human(v.sample.rx_bps) if v.sample else fmt.NOTHING, "stale" if g else "plain"),),
            "tx": lambda v, g: ((fmt.human(v.sample.tx_bps) if v.sample else fmt.NOTHING, "stale" if g else "plain"),),
            "disk": self._disk,
            "swap": self._swap,
            "psi": self._psi,
            "services": self._services,
            "age": self._age,
        }

    def _roles(self, view: NodeView, grey: bool) -> Parts:
        """The file's roles, then what the managers make of the node (`▸VIP 198.18.0.100`,
        `▸primary`; `▸VIP,pri` where that does not fit): a load balancer's DOWN in the alarm colour."""
        own = (",".join(view.roles), "stale" if grey else "plain")
        if not view.manager_roles:
            return (own,)
        down = any("@" in role for role in view.manager_roles)  # DOWN@lb1: out of a balancer
        return (own, (fmt.manager_roles(view.manager_roles, self.layout.compact_roles), "bad" if down else "ok"))

    def limits(self, view: NodeView) -> Thresholds:
        return own_thresholds(view, self.thresholds, self.by_cluster)

    def parts(self, key: str, view: NodeView) -> Parts:
        return self._cells[key](view, greyed(view))

    def segments(self, column: Column, parts: Parts) -> list[Segment]:
        """The cell as segments of exactly the column's width plus the gap: it can never wrap."""
        styles = self.palette.styles
        parts = tuple((printable(part), style) for part, style in parts)  # node text: no control character
        content = "".join(part for part, _ in parts)
        pad = column.width - len(content)
        out = [Segment(" " * GAP)]
        if pad < 0:  # too long (a long name): cut with an ellipsis, in the first part's style
            out.append(Segment(fmt.fit(content, column.width), styles[parts[0][1]]))
            return out
        if column.align == "right" and pad:
            out.append(Segment(" " * pad))
        out += [Segment(part, styles[style]) for part, style in parts if part]
        if column.align == "left" and pad:
            out.append(Segment(" " * pad))
        return out

    def row(self, view: NodeView) -> list[Segment]:
        segments: list[Segment] = []
        for column in self.layout.columns:
            segments += self.segments(column, self.parts(column.key, view))
        return segments

    # -- the cells ---------------------------------------------------------------------

    def _state(self, view: NodeView, grey: bool) -> Parts:
        glyph, short, style = STATES[view.state]
        label = str(view.state) if self.layout.full_states else short
        return ((glyph, style), (" " + label, "stale" if view.state is NodeState.STALE else style))

    def _cpu(self, view: NodeView, grey: bool) -> Parts:
        cpu = view.sample.cpu_percent if view.sample else None
        return _gauge(cpu, self.layout.bar, self.limits(view).cpu, grey)

    def _spark(self, view: NodeView, grey: bool) -> Parts:
        return ((fmt.sparkline(view.cpu_spark, self.layout.spark), "stale" if grey else "spark"),)

    def _mem(self, view: NodeView, grey: bool) -> Parts:
        mem = view.sample.mem_percent if view.sample else None
        return _gauge(mem, self.layout.mem_bar, self.limits(view).memory, grey)

    def _load(self, view: NodeView, grey: bool) -> Parts:
        if view.sample is None:
            return ((fmt.NOTHING, "stale"),)
        per_core = view.sample.load1 / max(1, view.sample.cpu_count)
        return ((fmt.load(view.sample.load1), level_style(self.limits(view).load, per_core, grey)),)

    def _net(self, view: NodeView, grey: bool) -> Parts:
        if view.sample is None:
            return ((fmt.NOTHING, "stale"),)
        style = "stale" if grey else "plain"
        return ((fmt.human(view.sample.rx_bps), style), ("/", "stale"), (fmt.human(view.sample.tx_bps), style))

    def _disk(self, view: NodeView, grey: bool) -> Parts:
        disk = view.sample.disk_percent if view.sample else None
        return ((fmt.percent(disk), level_style(self.limits(view).disk, disk, grey)),)

    def _swap(self, view: NodeView, grey: bool) -> Parts:
        swap = view.sample.swap_percent if view.sample else None
        return ((fmt.percent(swap), level_style(self.limits(view).swap, swap, grey)),)

    def _psi(self, view: NodeView, grey: bool) -> Parts:
        """The most stalled resource's PSI: 'io  12%' (only the number in the narrow profile)."""
        worst = view.sample.psi_worst if view.sample else None
        name, value = worst if worst is not None else ("", None)
        style = level_style(self.limits(view).psi, value, grey)
        if self.layout.split_net:  # the wider profiles: the resource too
            return ((f"{name:<3}", "stale" if grey else "plain"), (fmt.percent(value), style))
        return ((fmt.percent(value), style),)

    def _services(self, view: NodeView, grey: bool) -> Parts:
        parts: list[tuple[str, str]] = []
        for i, service in enumerate(view.services):
            glyph, style = service_glyph(service)
            if self.layout.named_services:
                parts.append((("" if i == 0 else " ") + glyph, style))
                parts.append((service.name, "stale" if grey or service.up is None else "plain"))
            else:
                parts.append((glyph, style))
        return tuple(parts)

    def _age(self, view: NodeView, grey: bool) -> Parts:
        age = view.sample_age
        style = "stale" if age is None else "bad" if view.state is NodeState.STALE else "plain"
        return ((fmt.age(age), "stale" if grey and style == "plain" else style),)


def header(column: Column, sorted_here: bool, reverse: bool) -> str:
    """A column label, with an arrow on the column the rows are sorted by (columns are wide
    enough for both: `Column.min_width`)."""
    label = column.label + (("▲" if reverse else "▼") if sorted_here else "")
    label = fmt.fit(label, column.width) if column.align == "left" else label.rjust(column.width)
    return " " * GAP + label
