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
from clustertui.engine.history import Point
from clustertui.engine.monitor import ClusterMonitor


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
                detail=status.detail,
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
    )


def finite(value: float | None, digits: int = 2) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(value, digits)
