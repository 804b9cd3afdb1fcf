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
