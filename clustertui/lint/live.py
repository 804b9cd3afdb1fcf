"""The rule that needs the nodes: redundancy the file promises but the cluster lacks right now.

A service configured on three nodes but running on one has no redundancy today, whatever the
file says; when a load-balanced endpoint sits on the service's port, its backends are down to
that one node. Read from one `check` probe (the same connections and judgement as `check`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from clustertui.config import Cluster
from clustertui.config.lint_policy import LintRule

from .addresses import address, node_at, nodes_running
from .findings import Finding
from .locate import Locator

if TYPE_CHECKING:  # the engine (asyncssh) is imported only when the live rule runs
    from clustertui.engine.check import CheckReport


def up_on_one_node(cluster: Cluster, report: CheckReport, where: Locator) -> Iterator[Finding]:
    """Services configured on two or more nodes that are up on at most one of them."""
    checks = {node.name: node for node in report.nodes}
    for name, service in cluster.services.items():
        configured = [node.name for node in nodes_running(cluster, name)]
        if len(configured) < 2:
            continue  # one node by design: single-node-role says so
        up = [n for n in configured if any(s.name == name and s.up for s in checks[n].services)]
        if len(up) > 1:
            continue
        down = "; ".join(f"{n}: {_why_down(report, n, name)}" for n in configured if n not in up)
        fronting = [
            e for e, endpoint in cluster.endpoints.items()
            if (target := address(endpoint.http, endpoint.tcp)) is not None
            and target[1] == service.port and node_at(cluster, target[0]) is None
        ]
        behind = f"; endpoint {', '.join(fronting)} is down to {len(up)} backend(s)" if fronting else ""
        yield Finding(
            LintRule.UP_ON_ONE_NODE, where.at("services", name), name,
            f"service {name} is up on {up[0] if up else 'no node'} only, of {len(configured)} ({down}){behind}",
            "its redundancy is gone right now: the next failure is an outage, and a drill on it would "
            "measure that outage rather than a failover",
        )


def _why_down(report: CheckReport, node: str, service: str) -> str:
    check = next(n for n in report.nodes if n.name == node)
    if check.state != "up":
        return f"{check.state}{' (' + check.detail + ')' if check.detail else ''}"
    for result in check.services:
        if result.name == service:
            return result.detail or "down"
    return "not probed"
