"""The managers' part of `clustertui check`: read every manager once, beside the probe, and
judge where the views disagree.

`check` probes once, so it cannot know how long a service has been down. A load balancer
that routes to a service our probe sees down is confirmed the honest way: wait the
manager's grace (the balancer's fall time), read the balancer and probe that node again,
and report it only if both still say so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from clustertui.config import Cluster, Node
from clustertui.engine.findings import DownFor, Finding, FindingKind, find
from clustertui.managers.read import read_manager
from clustertui.managers.views import ManagerView
from clustertui.transport.pool import ConnectionPool


@dataclass(frozen=True, slots=True)
class ManagersCheck:
    views: tuple[ManagerView, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return all(r.ok for view in self.views for r in view.reads) and not self.findings


#: node name -> names of its services our probe judged down.
DownServices = Mapping[str, frozenset[str]]
Recheck = Callable[[Node], Awaitable[frozenset[str]]]


async def read_managers(cluster: Cluster, pool: ConnectionPool) -> dict[str, ManagerView]:
    names = list(cluster.managers)
    views = await asyncio.gather(*(read_manager(cluster.managers[n], cluster, pool, cluster.interval) for n in names))
    return dict(zip(names, views, strict=True))


def down_for(cluster: Cluster, down: DownServices, seconds: float) -> DownFor:
    """A DownFor over one probe: a service down now counts as down for `seconds`."""

    def lookup(node: str, port: int | None) -> tuple[str, float] | None:
        names = down.get(node, frozenset())
        for service in cluster.services_on(cluster.node(node)):
            if service.name in names and (port is None or service.port == port):
                return service.name, seconds
        return None

    return lookup


async def check_managers(
    cluster: Cluster, pool: ConnectionPool, views: dict[str, ManagerView], down: DownServices, recheck: Recheck
) -> ManagersCheck:
    """Findings in `views`; a routes-to-down candidate is confirmed after the grace."""
    candidates = find(cluster, views, down_for(cluster, down, float("inf")))
    routed = [f for f in candidates if f.kind is FindingKind.ROUTES_TO_DOWN]
    if not routed:
        return ManagersCheck(tuple(views.values()), candidates)
    wait = max(cluster.managers[f.manager].grace_s for f in routed)
    started = time.monotonic()
    await asyncio.sleep(wait)
    again = list(dict.fromkeys(f.manager for f in routed))
    nodes = list(dict.fromkeys(f.nodes[1] for f in routed))
    reread, rechecked = await asyncio.gather(
        asyncio.gather(*(read_manager(cluster.managers[m], cluster, pool, cluster.interval) for m in again)),
        asyncio.gather(*(recheck(cluster.node(n)) for n in nodes)),
    )
    views = {**views, **dict(zip(again, reread, strict=True))}
    still = {**down, **dict(zip(nodes, rechecked, strict=True))}
    confirmed = find(cluster, views, down_for(cluster, still, time.monotonic() - started))
    return ManagersCheck(tuple(views.values()), confirmed)
