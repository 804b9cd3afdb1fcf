"""A finished (or interrupted) recording: plain data the exporters turn into files.

Built once from the monitor at the end of a run, so the writers never touch live state and
can be tested on recordings made by hand.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from clustertui.engine.events import Event
from clustertui.engine.findings import FindingSpan
from clustertui.engine.history import Point
from clustertui.engine.monitor import ClusterMonitor
from clustertui.managers.views import ManagerView


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    state: str  # up | down | unknown (at the end of the recording)
    up_ratio: float  # share of the node's samples in which the service was up


@dataclass(frozen=True, slots=True)
class NodeRecord:
    name: str
    host: str
    roles: tuple[str, ...]
    state: str
    detail: str
    points: tuple[Point, ...]
    services: dict[str, ServiceRecord]


@dataclass(frozen=True, slots=True)
class Recording:
    cluster: str
    cluster_type: str
    started: float
    duration_s: float
    interval_s: float
    nodes: tuple[NodeRecord, ...]
    events: tuple[Event, ...]
    health: dict[str, Any]
    interrupted: bool = False
    notes: tuple[str, ...] = field(default=())
    managers: tuple[ManagerView, ...] = ()  # the managers' views at the end (`managers:` of the file)
    findings: tuple[FindingSpan, ...] = ()  # every finding that held during the recording, when it came and went

    @property
    def findings_at_end(self) -> tuple[FindingSpan, ...]:
        return tuple(span for span in self.findings if span.until is None)


def record(monitor: ClusterMonitor, interrupted: bool = False) -> Recording:
    ended = time.time()
    nodes = []
    for status in monitor.nodes.values():
        samples = max(status.samples, 1)
        services = {
            name: ServiceRecord(
                state="unknown" if service.up is None else ("up" if service.up else "down"),
                up_ratio=round(status.service_up_samples[name] / samples, 4) if status.samples else 0.0,
            )
            for name, service in status.services.items()
        }
        for service in monitor.cluster.services_on(status.node):
            services.setdefault(service.name, ServiceRecord("unknown", 0.0))
        points = tuple(p for p in status.history.points() if p.t >= monitor.started_at)
        nodes.append(
            NodeRecord(
                name=status.name,
                host=status.node.host,
                roles=tuple(status.node.roles),
                state=str(status.state),
                # An up node whose figures fell back from `source:` to the probe says why.
                detail=status.detail or (status.sample.metrics_note if status.sample else ""),
                points=points,
                services=services,
            )
        )
    return Recording(
        cluster=monitor.cluster.name,
        cluster_type=monitor.cluster.type,
        started=monitor.started_at,
        duration_s=round(ended - monitor.started_at, 3),
        interval_s=monitor.interval,
        nodes=tuple(nodes),
        events=tuple(e for e in monitor.events if e.t >= monitor.started_at),
        health=monitor.health().to_json(),
        interrupted=interrupted,
        managers=tuple(monitor.managers.views.values()),
        findings=tuple(s for s in monitor.managers.spans if s.until is None or s.until >= monitor.started_at),
    )


def findings_note(rec: Recording) -> str:
    """The line over a report's findings: how many, or why there are none."""
    if not rec.managers and not rec.findings:
        return "No managers in the cluster file (`managers:`, docs/managers.md): nothing to compare with."
    if not rec.findings:
        return "No findings: the managers agreed with our probe and with each other."
    held = len(rec.findings_at_end)
    return (f"{len(rec.findings)} finding{'s' if len(rec.findings) != 1 else ''} "
            f"(the managers disagreed with our probe or with each other); {held} still held at the end.")


def finite(value: float | None, digits: int = 2) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(value, digits)
