"""Which of the cluster's nodes a manager's answer means: managers name servers by their
own names and by addresses, the monitor by node names."""

from __future__ import annotations

from clustertui.config import Cluster


class NodeIndex:
    """Node names by name and by host, built once per cluster."""

    def __init__(self, cluster: Cluster) -> None:
        self._names = {node.name for node in cluster.nodes}
        self._hosts: dict[str, str] = {}
        for node in cluster.nodes:
            self._hosts.setdefault(node.host, node.name)

    def by_host(self, host: str) -> str | None:
        return self._hosts.get(host)

    def find(self, name: str, address: str) -> str | None:
        """The node a server called `name` at `address` (host, or host:port) is, if any."""
        if name in self._names:
            return name
        return self.by_host(split_address(address)[0])


def split_address(address: str) -> tuple[str, int | None]:
    """`198.18.0.11:80` -> ("198.18.0.11", 80); `[::1]:80` -> ("::1", 80); no port -> None."""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif address.count(":") == 1:
        host, _, port = address.partition(":")
    else:
        host, port = address, ""
    return host, int(port) if port.isdigit() and len(port) <= 5 else None
