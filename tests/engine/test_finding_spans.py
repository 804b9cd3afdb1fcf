"""The monitor keeps every finding with when it came and when it went (for the reports):
a finding that holds on the next read is the same span; one that clears closes it."""

from __future__ import annotations

from clustertui.config import load_cluster
from clustertui.engine.events import EventKind
from clustertui.engine.managers_watch import ManagersWatch
from clustertui.managers.keepalived import Holding, KeepalivedView
from clustertui.managers.state import ReadState, SourceRead
from tests.tui.conftest import LAB_FILE


class Monitor:
    """What ManagersWatch reads of the monitor: the cluster, its nodes, its events."""

    def __init__(self) -> None:
        self.cluster = load_cluster(LAB_FILE, check_files=False)
        self.nodes: dict = {}
        self.events: list[tuple[EventKind, str]] = []

    def on_event(self, _listener) -> None:
        pass

    def emit(self, kind: EventKind, _node: str | None, detail: str) -> None:
        self.events.append((kind, detail))


def vip(*holders: str) -> KeepalivedView:
    reads = tuple(SourceRead(n, ReadState.OK) for n in ("lb1", "lb2"))
    return KeepalivedView("vip", reads, (Holding("198.18.0.100", holders),))


def test_a_finding_is_one_span_from_when_it_came_to_when_it_went() -> None:
    monitor = Monitor()
    watch = ManagersWatch(monitor)  # type: ignore[arg-type]
    watch.store("vip", vip("lb1"))
    assert watch.spans == []
    watch.store("vip", vip("lb1", "lb2"))
    watch.store("vip", vip("lb1", "lb2"))  # still split: the same span, no second event
    (span,) = watch.spans
    assert span.finding.kind == "vip-two-holders" and span.until is None
    watch.store("vip", vip("lb2"))
    (span,) = watch.spans
    assert span.until is not None and span.until >= span.since
    watch.store("vip", vip("lb1", "lb2"))  # split again: a new span
    assert [s.until is None for s in watch.spans] == [False, True]
    assert [kind for kind, _ in monitor.events] == [EventKind.FINDING, EventKind.FINDING_CLEARED, EventKind.FINDING]


def test_a_node_read_twice_by_one_manager_changes_state_only_when_one_read_does() -> None:
    """redis-sentinel reads each db node's sentinel and its redis: redis down beside a sentinel
    that answers is one state change, not one per read (the key names what was read)."""
    from clustertui.managers.sentinel import RedisRole, SentinelSeen, SentinelView

    def view(redis_state: ReadState) -> SentinelView:
        sentinel = SentinelSeen(SourceRead("db1", ReadState.OK, source="sentinel :26379"))
        redis = RedisRole("db1", 6379, SourceRead("db1", redis_state, "" if redis_state is ReadState.OK
                                                  else "connection refused", source="redis :6379"))
        return SentinelView("redis", ("mymaster",), (sentinel,), (redis,))

    monitor = Monitor()
    watch = ManagersWatch(monitor)  # type: ignore[arg-type]
    for state in (ReadState.OK, ReadState.DOWN, ReadState.DOWN, ReadState.DOWN, ReadState.OK):
        watch.store("redis", view(state))
    reads = [detail for kind, detail in monitor.events if kind is EventKind.MANAGER_READ]
    assert reads == ["redis redis :6379: down (connection refused)", "redis redis :6379: ok"]
