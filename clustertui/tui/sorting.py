"""Row orders.  The default, health, puts the worst node first.

Health ranks by how bad a node's state is (a host-key alert above an unreachable node above
a stale one), then by services down, active faults and resource pressure, then by name.
Pressure is bucketed (normal, hot, critical) rather than raw CPU %, so that healthy rows do
not swap places every second as their load jitters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from clustertui.config.thresholds import Level, Thresholds
from clustertui.engine.snapshot import NodeView
from clustertui.probe.sample import NodeSample
from clustertui.transport.states import NodeState

DEFAULT_THRESHOLDS = Thresholds()

STATE_RANK: dict[NodeState, int] = {
    NodeState.HOST_KEY_MISMATCH: 0,
    NodeState.AUTH_FAILED: 1,
    NodeState.HOST_KEY_UNKNOWN: 2,
    NodeState.UNREACHABLE: 3,
    NodeState.PROBE_ERROR: 4,
    NodeState.STALE: 5,
    NodeState.CONNECTING: 6,
    NodeState.UP: 7,
}


def pressure(view: NodeView, thresholds: Thresholds) -> int:
    """0 normal, 1 hot (CPU or memory at the file's warn level), 2 critical (at bad)."""
    sample = view.sample
    if sample is None:
        return 0
    levels = (thresholds.cpu.level(sample.cpu_percent), thresholds.memory.level(sample.mem_percent))
    return 2 if Level.BAD in levels else 1 if Level.WARN in levels else 0


SortKey = Callable[[NodeView, Thresholds], tuple[object, ...]]


def _health(view: NodeView, thresholds: Thresholds) -> tuple[object, ...]:
    return (STATE_RANK[view.state], -view.services_down, -len(view.faults), -pressure(view, thresholds), view.name)


def _metric(get: Callable[[NodeView, NodeSample], float | None]) -> SortKey:
    """Biggest first; nodes without a sample last."""

    def key(view: NodeView, thresholds: Thresholds) -> tuple[object, ...]:
        value = get(view, view.sample) if view.sample is not None else None
        return (value is None, -(value or 0.0), view.name)

    return key


#: Sort modes in the order `s` cycles through them, each with its key and header column.
SORTS: dict[str, tuple[SortKey, str]] = {
    "health": (_health, "state"),
    "name": (lambda v, t: (v.name,), "node"),
    "cpu": (_metric(lambda v, s: s.cpu_percent), "cpu"),
    "mem": (_metric(lambda v, s: s.mem_percent), "mem"),
    "load": (_metric(lambda v, s: s.load1), "load"),
    "net": (_metric(lambda v, s: s.rx_bps + s.tx_bps), "net"),
    "age": (_metric(lambda v, s: v.sample_age), "age"),
}


#: The columns whose header can carry the sort arrow (net's goes on RX when RX and TX are apart).
ARROW_COLUMNS = frozenset(column for _, column in SORTS.values()) | {"rx"}


def own_thresholds(view: NodeView, thresholds: Thresholds, by_cluster: Mapping[str, Thresholds]) -> Thresholds:
    """The thresholds a node is judged by: its own cluster file's when several are shown
    (`by_cluster`), else `thresholds`; the table's gauges and its health order agree."""
    return by_cluster.get(view.cluster, thresholds)


def ordered(views: list[NodeView], mode: str, reverse: bool = False,
            thresholds: Thresholds = DEFAULT_THRESHOLDS,
            by_cluster: Mapping[str, Thresholds] | None = None) -> list[NodeView]:
    """The views in `mode`'s order; health judges CPU and memory by the file's thresholds
    (each node by its own cluster's, `by_cluster`, with several shown)."""
    key = SORTS[mode][0]
    limits = by_cluster or {}
    return sorted(views, key=lambda view: key(view, own_thresholds(view, thresholds, limits)), reverse=reverse)


def arrow_column(mode: str, split_net: bool) -> str:
    """The column whose header carries the sort arrow."""
    column = SORTS[mode][1]
    return "rx" if column == "net" and split_net else column


def next_mode(mode: str) -> str:
    modes = list(SORTS)
    return modes[(modes.index(mode) + 1) % len(modes)]
