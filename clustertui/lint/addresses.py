"""Which host and port a URL or a `host:port` of the cluster file talks to, and whose it is.

The lint compares addresses as written (no DNS lookups: `--offline` must need no network, and
a lookup from the controller may not be what the clients see). A node is known by its host and
by its name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from clustertui.config import Cluster, Node

_DEFAULT_PORTS = {"http": 80, "https": 443}


def address(http: str | None, tcp: str | None) -> tuple[str, int] | None:
    """(host, port) of an `http:` URL or a `tcp:` address; None for neither (a command)."""
    if http is not None:
        parts = urlsplit(http)
        if parts.hostname is None:
            return None
        return parts.hostname.lower(), parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)
    if tcp is not None:
        host, _, port = tcp.rpartition(":")
        return host.strip("[]").lower(), int(port)
    return None


def node_at(cluster: Cluster, host: str) -> Node | None:
    """The node whose host (or name) `host` is, if any."""
    for node in cluster.nodes:
        if host in (node.host.lower(), node.name.lower()):
            return node
    return None


def nodes_running(cluster: Cluster, service: str) -> list[Node]:
    """The nodes the service is configured on (their roles intersect its roles)."""
    roles = set(cluster.services[service].roles)
    return [node for node in cluster.nodes if roles.intersection(node.roles)]
