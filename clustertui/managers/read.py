"""One entry point for every kind: `read_manager` picks the adapter and never raises.

An adapter is an async function (manager, cluster, reach) -> its view; a kind
added later (pacemaker) registers one here. Each adapter reads its members in
parallel, each member under the deadline, so the whole read takes at most about the
deadline, whatever the nodes do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.command import read_command
from clustertui.managers.etcd import read_etcd
from clustertui.managers.haproxy import read_haproxy
from clustertui.managers.keepalived import read_keepalived
from clustertui.managers.pacemaker import read_pacemaker
from clustertui.managers.remote import Reach
from clustertui.managers.sentinel import read_sentinel
from clustertui.managers.views import ManagerView
from clustertui.transport.pool import ConnectionPool

Adapter = Callable[[Manager, Cluster, Reach], Awaitable[ManagerView]]

ADAPTERS: dict[ManagerKind, Adapter] = {
    ManagerKind.HAPROXY: read_haproxy,
    ManagerKind.KEEPALIVED: read_keepalived,
    ManagerKind.REDIS_SENTINEL: read_sentinel,
    ManagerKind.COMMAND: read_command,
    ManagerKind.ETCD: read_etcd,
    ManagerKind.PACEMAKER: read_pacemaker,
}

if set(ADAPTERS) != set(ManagerKind):  # every kind the cluster file accepts has an adapter
    raise RuntimeError(f"managers without an adapter: {sorted(set(ManagerKind) - set(ADAPTERS))}")


async def read_manager(
    manager: Manager, cluster: Cluster, pool: ConnectionPool, interval: float, unavailable: Mapping[str, str] | None = None
) -> ManagerView:
    """Read `manager` once on all its nodes (each within its deadline); nodes named in
    `unavailable` (node -> why) are not tried."""
    reach = Reach(pool, manager.deadline(interval), unavailable or {})
    return await ADAPTERS[manager.kind](manager, cluster, reach)
