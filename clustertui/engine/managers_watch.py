"""The monitor's managers: each read in a task of its own at its interval, the latest views
kept, findings judged against our probe after every read, and events for what changed.

Node collection never waits for a manager: the probe streams run in their own tasks, every
read is bounded by its deadline, and a node the monitor sees down is not tried (its reads
say why). A read that raised anyway (a bug) is logged as an event and the loop goes on.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from clustertui.config import Manager
from clustertui.engine.events import Event, EventKind
from clustertui.engine.findings import Finding, FindingSpan, find
from clustertui.managers.read import read_manager
from clustertui.managers.state import ReadState
from clustertui.managers.views import ManagerView
from clustertui.transport.states import NodeState

if TYPE_CHECKING:
    from clustertui.engine.monitor import ClusterMonitor


def unavailable(monitor: ClusterMonitor) -> dict[str, str]:
    """The nodes a manager read should not try now (node -> why): those the monitor does
    not see up, whose handshake per read would cost more than it tells."""
    return {name: f"node is {status.state}" for name, status in monitor.nodes.items()
            if status.state is not NodeState.UP}


class ManagersWatch:
    def __init__(self, monitor: ClusterMonitor) -> None:
        self.monitor = monitor
        self.views: dict[str, ManagerView] = {}
        self.findings: tuple[Finding, ...] = ()
        self.spans: list[FindingSpan] = []  # every finding since the start, with when it came and went
        self._open: dict[tuple[str, str, str], int] = {}  # a finding that holds -> its span's index
        self._down_since: dict[tuple[str, str], float] = {}
        self._states: dict[tuple[str, str, str], ReadState] = {}  # (manager, node, source) -> last read state
        monitor.on_event(self._on_event)

    def tasks(self) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self._loop(m), name=f"manager {m.name}")
                for m in self.monitor.cluster.managers.values()]

    async def _loop(self, manager: Manager) -> None:
        while True:
            started = time.monotonic()
            interval = self.monitor.interval
            try:
                view = await read_manager(manager, self.monitor.cluster, self.monitor.pool, interval,
                                          unavailable(self.monitor))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an adapter bug must not end the watch
                self.monitor.emit(EventKind.MANAGER_READ, None, f"{manager.name}: read failed: {type(exc).__name__}: {exc}")
            else:
                self.store(manager.name, view)
            await asyncio.sleep(max(0.0, manager.every(interval) - (time.monotonic() - started)))

    def store(self, name: str, view: ManagerView) -> None:
        """Keep `view` as the latest of manager `name`, emit what changed, judge again."""
        self.views[name] = view
        for read in view.reads:
            key = (name, read.node, read.source)  # redis-sentinel reads a node's sentinel and its redis
            before = self._states.get(key)
            self._states[key] = read.state
            if before is not None and before is not read.state:
                source = f" {read.source}" if read.source else ""
                self.monitor.emit(EventKind.MANAGER_READ, read.node, f"{name}{source}: {read.describe()}")
        self.judge()

    def roles(self) -> dict[str, tuple[str, ...]]:
        """Every manager's roles for each node, merged (manager order)."""
        merged: dict[str, list[str]] = {}
        for view in self.views.values():
            for node, roles in view.roles().items():
                merged.setdefault(node, []).extend(roles)
        return {node: tuple(dict.fromkeys(roles)) for node, roles in merged.items()}

    def judge(self) -> None:
        now = time.time()
        findings = find(self.monitor.cluster, self.views, lambda node, port: self._down_for(node, port, now))
        old = {f.key for f in self.findings}
        new = {f.key for f in findings}
        for finding in findings:
            if finding.key not in old:
                self.monitor.emit(EventKind.FINDING, None, finding.describe())
                self._open[finding.key] = len(self.spans)
                self.spans.append(FindingSpan(finding, now))
        for finding in self.findings:
            if finding.key not in new:
                self.monitor.emit(EventKind.FINDING_CLEARED, None, finding.describe())
                at = self._open.pop(finding.key)
                self.spans[at] = FindingSpan(self.spans[at].finding, self.spans[at].since, now)
        self.findings = findings

    def _down_for(self, node: str, port: int | None, now: float) -> tuple[str, float] | None:
        status = self.monitor.nodes.get(node)
        if status is None:
            return None
        for service in self.monitor.cluster.services_on(status.node):
            judged = status.services.get(service.name)
            key = (node, service.name)
            if judged is None or judged.up is not False:
                self._down_since.pop(key, None)
                continue
            if port is None or service.port == port:
                return service.name, now - self._down_since.setdefault(key, now)
        return None

    def _on_event(self, event: Event) -> None:
        """The moment a service went down, from the monitor's own event (exact, where the
        next judgement would only see it one read later)."""
        if event.kind is EventKind.SERVICE_DOWN and event.node is not None:
            self._down_since[(event.node, event.detail.split(":", 1)[0])] = event.t
