"""Immutable views of the cluster that readers (TUI, drills) take once per tick.

The monitor mutates its own state as frames arrive; a reader that held references to it
would see a node half-updated.  A snapshot is built in one pass, never changes, and is what
the UI applies (memray's TUI works the same way), so the UI can also be driven, in tests, by
snapshots built by hand or loaded from a recording.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from clustertui.config.thresholds import Thresholds
from clustertui.engine.events import Event
from clustertui.engine.findings import Finding
from clustertui.engine.health import ClusterHealth
from clustertui.managers.views import ManagerView
from clustertui.probe.sample import HostInfo, NodeSample
from clustertui.transport.states import NodeState

SPARK_POINTS = 60


@dataclass(frozen=True, slots=True)
class ServiceView:
    name: str
    up: bool | None  # None: unknown (node unreachable, or no sample yet)
    detail: str = ""
    process_count: int | None = None
    port: int | None = None
    listening: bool | None = None
    systemd: str | None = None
    http_ms: float | None = None


@dataclass(frozen=True, slots=True)
class NodeView:
    name: str
    host: str
    roles: tuple[str, ...]
    labels: dict[str, str]
    state: NodeState
    detail: str
    info: HostInfo | None
    sample: NodeSample | None
    sample_age: float | None  # seconds since the last sample, None before the first
    services: tuple[ServiceView, ...]
    cpu_spark: tuple[float, ...]  # last minute of CPU %, oldest first, NaN where unknown
    faults: tuple[str, ...] = ()
    manager_roles: tuple[str, ...] = ()  # what the cluster's managers make of it: VIP holder, primary, ...
    cluster: str = ""  # its cluster's name when several are shown at once (name is then "cluster/node")

    @property
    def services_down(self) -> int:
        return sum(1 for s in self.services if s.up is False)

    @property
    def services_judged(self) -> bool:
        """Every service on it has a verdict (none is still waiting for a first sample)."""
        return all(s.up is not None for s in self.services)

    @property
    def healthy(self) -> bool:
        """Up, and every service on it is up: the node does its job."""
        return self.state is NodeState.UP and all(s.up for s in self.services)

    @property
    def degraded(self) -> bool:
        """Not up, or a service on it is down (a service not yet judged is not down)."""
        return self.state is not NodeState.UP or self.services_down > 0


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    t: float
    name: str
    cluster_type: str
    health: ClusterHealth
    nodes: tuple[NodeView, ...]
    events: tuple[Event, ...]
    active_faults: int = 0
    endpoint_targets: dict[str, str] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)  # the file's, to judge gauges by
    interval: float = 1.0  # seconds between samples when the snapshot was taken
    managers: tuple[ManagerView, ...] = ()  # the managers' latest views (`managers:` of the file)
    findings: tuple[Finding, ...] = ()  # where they and our probe disagree, now
    #: Several clusters in one view (`monitor a.yaml b.yaml`): each cluster's own snapshot, in
    #: command-line order; this one is then their merge (tui/multi_source.py). Empty: one cluster.
    parts: tuple[ClusterSnapshot, ...] = ()

    def part(self, cluster: str) -> ClusterSnapshot:
        """One cluster's own snapshot; the snapshot itself when it shows one cluster."""
        return next((part for part in self.parts if part.name == cluster), self)

    def node(self, name: str) -> NodeView:
        for view in self.nodes:
            if view.name == name:
                return view
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class NodeSeries:
    """A node's longer history for the detail screen: oldest first."""

    times: tuple[float, ...]
    cpu: tuple[float, ...]
    mem: tuple[float, ...]
    rx: tuple[float, ...]
    tx: tuple[float, ...]


def sample_age(sample: NodeSample | None, now: float | None = None) -> float | None:
    if sample is None:
        return None
    return max(0.0, (now or time.time()) - sample.t)
