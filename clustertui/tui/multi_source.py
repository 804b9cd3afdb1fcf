"""Several clusters in one view (`clustertui monitor a.yaml b.yaml ...`).

Each cluster file keeps its own source (its own `ClusterMonitor`: SSH settings, interval,
chaos policy); `MultiSource` starts and stops them together and merges their immutable
snapshots into the one the app shows.  Node names may repeat across clusters, so in the
merge every node, event, finding and manager is named `cluster/name` (and a node carries
its cluster), which keeps every row, selection and lookup of the app keyed by one string
that is unique across clusters.  Each cluster's own snapshot stays in `parts`, for the
header's health per cluster and the screens that show one cluster (managers, detail).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from clustertui.engine.events import Event
from clustertui.engine.findings import Finding
from clustertui.engine.health import ClusterHealth, Quorum
from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries
from clustertui.managers.views import ManagerView
from clustertui.tui.source import SnapshotSource

SEP = "/"
SEVERAL = "several"  # the merged snapshot's cluster type


def qualified(cluster: str, name: str) -> str:
    """`cluster/name`: a node (or manager, endpoint, service) unique across clusters."""
    return f"{cluster}{SEP}{name}"


def split(name: str) -> tuple[str | None, str]:
    """(cluster, node) of a qualified name; (None, name) of a plain one (one cluster shown).
    Cluster and node names never hold a `/` (the cluster file's names are checked)."""
    cluster, sep, node = name.partition(SEP)
    return (cluster, node) if sep else (None, name)


class MultiSource:
    """Several sources, one per cluster, in command-line order, keyed by cluster name."""

    def __init__(self, sources: Mapping[str, SnapshotSource]) -> None:
        if len(sources) < 2:
            raise ValueError("several clusters need at least two sources")
        self.sources = dict(sources)
        self.interval = min(source.interval for source in self.sources.values())

    async def start(self) -> None:
        for source in self.sources.values():
            await source.start()

    async def stop(self) -> None:
        """Every source is stopped, even when one fails to (the first error is raised)."""
        errors: list[BaseException] = []
        for source in self.sources.values():
            try:
                await source.stop()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def snapshot(self) -> ClusterSnapshot:
        return merge([source.snapshot() for source in self.sources.values()])

    def series(self, node: str, seconds: float) -> NodeSeries:
        cluster, name = split(node)
        return self.sources[cluster or ""].series(name, seconds)

    def retry(self, node: str) -> None:
        cluster, name = split(node)
        self.sources[cluster or ""].retry(name)

    def set_interval(self, seconds: float) -> float:
        """Every cluster samples at the new interval (each bounded by its own engine)."""
        self.interval = min(source.set_interval(seconds) for source in self.sources.values())
        return self.interval


def merge(parts: list[ClusterSnapshot]) -> ClusterSnapshot:
    """One snapshot of several clusters: nodes and events under qualified names, in
    command-line order (events by time); the health is the sum, and holds only where every
    cluster's does; thresholds and interval are the first cluster's (each node's own are
    in its part)."""
    first = parts[0]
    nodes = tuple(dataclasses.replace(view, name=qualified(part.name, view.name), cluster=part.name)
                  for part in parts for view in part.nodes)
    events = sorted((_event(part.name, event) for part in parts for event in part.events), key=lambda e: e.t)
    return ClusterSnapshot(
        t=max(part.t for part in parts),
        name=" · ".join(part.name for part in parts),
        cluster_type=SEVERAL,
        health=_health(parts),
        nodes=nodes,
        events=tuple(events),
        active_faults=sum(part.active_faults for part in parts),
        endpoint_targets={qualified(p.name, k): v for p in parts for k, v in p.endpoint_targets.items()},
        thresholds=first.thresholds,
        interval=min(part.interval for part in parts),
        managers=tuple(_manager(part.name, view) for part in parts for view in part.managers),
        findings=tuple(_finding(part.name, finding) for part in parts for finding in part.findings),
        parts=tuple(parts),
    )


def _health(parts: list[ClusterSnapshot]) -> ClusterHealth:
    up = sum(part.health.quorum.up for part in parts)
    total = sum(part.health.quorum.total for part in parts)
    lost = any(not part.health.quorum.holds for part in parts)
    # Holds exactly when every cluster's quorum holds: a lost one makes the sum fall short.
    needed = up + 1 if lost else sum(part.health.quorum.needed for part in parts)
    return ClusterHealth(
        Quorum(up, total, needed, SEVERAL),
        {qualified(p.name, k): v for p in parts for k, v in p.health.services.items()},
        {qualified(p.name, k): v for p in parts for k, v in p.health.endpoints.items()},
    )


def _event(cluster: str, event: Event) -> Event:
    return event if event.node is None else dataclasses.replace(event, node=qualified(cluster, event.node))


def _finding(cluster: str, finding: Finding) -> Finding:
    return dataclasses.replace(finding, manager=qualified(cluster, finding.manager),
                               nodes=tuple(qualified(cluster, node) for node in finding.nodes))


def _manager(cluster: str, view: ManagerView) -> ManagerView:
    return dataclasses.replace(view, manager=qualified(cluster, view.manager))
