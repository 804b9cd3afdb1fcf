"""The rules that need no network: each reads the cluster file and yields its findings.

Every rule answers one question an SRE asks of a failover design ("what dies with this one
node?") and says in `why` what the finding costs on the day it matters. docs/lint.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from clustertui.config import Cluster, Drill, Service
from clustertui.config.lint_policy import LintRule

from .addresses import address, node_at, nodes_running
from .findings import Finding
from .locate import Locator

Rule = Callable[[Cluster, Locator], Iterator[Finding]]


def single_node_role(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """A role only one node has: whatever the role does stops when that node does."""
    holders: dict[str, list[str]] = {}
    for node in cluster.nodes:
        for role in node.roles:
            holders.setdefault(role, []).append(node.name)
    for role, names in holders.items():
        if len(names) != 1:
            continue
        services = [s.name for s in cluster.services.values() if role in s.roles]
        lost = f"services {', '.join(services)} stop" if services else "nothing else can take over"
        yield Finding(
            LintRule.SINGLE_NODE_ROLE, where.node(names[0], "roles"), role,
            f"role {role} is on one node only ({names[0]})",
            f"when {names[0]} fails, what {role} does stops with it: {lost}",
        )


def even_voters(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """A majority cluster with an even number of voters pays for a node that adds no tolerance."""
    count = len(cluster.nodes)
    if cluster.type != "majority" or count % 2:
        return
    needed, survives = count // 2 + 1, count // 2 - 1
    yield Finding(
        LintRule.EVEN_VOTERS, where.at("type"), None,
        f"majority cluster with an even number of voters ({count})",
        f"a majority of {count} is {needed}, so {count} nodes survive {survives} failure(s), no more than "
        f"{count - 1} would; and a partition that splits them {count // 2}/{count // 2} leaves no side with quorum",
    )


def endpoint_no_redundancy(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """An endpoint that is one node's own address: nothing moves it when that node fails."""
    for name, endpoint in cluster.endpoints.items():
        target = address(endpoint.http, endpoint.tcp)
        node = node_at(cluster, target[0]) if target else None
        if node is None:
            continue
        yield Finding(
            LintRule.ENDPOINT_NO_REDUNDANCY, where.at("endpoints", name, "http" if endpoint.http else "tcp"), name,
            f"endpoint {name} is node {node.name}'s own address ({node.host})",
            f"its users lose it whenever {node.name} fails: no load balancer or shared address "
            "moves it to another node",
        )


def port_without_health_check(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """A service that listens on a port but has no `http:` health check."""
    for name, service in cluster.services.items():
        if service.port is None or service.http is not None:
            continue
        yield Finding(
            LintRule.PORT_WITHOUT_HEALTH_CHECK, where.at("services", name, "port"), name,
            f"service {name} has port {service.port} but no health check (http:)",
            "a listening port proves the socket, not the service: a hung or wedged process keeps "
            "its port open and still counts as up, here and to a load balancer that checks the same",
        )


def service_without_drill(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """A service with a port that no drill sends traffic to: its failover is unproven."""
    for name, service in cluster.services.items():
        if service.port is None or any(_drill_reaches(cluster, drill, service) for drill in cluster.drills.values()):
            continue
        yield Finding(
            LintRule.SERVICE_WITHOUT_DRILL, where.at("services", name), name,
            f"service {name} (port {service.port}) has no drill that sends traffic to it",
            "nobody has measured what its clients see when it fails: its failover is a belief, not a fact",
        )


def _drill_reaches(cluster: Cluster, drill: Drill, service: Service) -> bool:
    """Whether the drill's traffic exercises the service: the drill faults it, or its traffic goes
    to the service's port on one of its nodes or on a shared address (not a node's own)."""
    if not drill.traffic:
        return False
    if drill.fault.service == service.name:
        return True
    running = {node.name for node in nodes_running(cluster, service.name)}
    for traffic in drill.traffic:
        target = address(traffic.http, traffic.tcp)
        if target is None or target[1] != service.port:
            continue
        node = node_at(cluster, target[0])
        if node is None or node.name in running:
            return True
    return False


def chaos_without_quorum_guard(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """Chaos on, quorum guard off: one fault on the wrong node ends the cluster's quorum."""
    if cluster.chaos.enabled and not cluster.chaos.quorum_guard:
        yield Finding(
            LintRule.CHAOS_WITHOUT_QUORUM_GUARD, where.at("chaos", "quorum_guard"), None,
            "chaos is enabled with quorum_guard: false",
            "nothing refuses a fault that takes the cluster below quorum: a drill on the wrong node "
            "becomes the outage it was meant to prevent",
        )


def drill_bypasses_lb(cluster: Cluster, where: Locator) -> Iterator[Finding]:
    """A drill whose traffic goes straight to one node instead of the shared address."""
    for name, drill in cluster.drills.items():
        for index, traffic in enumerate(drill.traffic):
            target = address(traffic.http, traffic.tcp)
            node = node_at(cluster, target[0]) if target else None
            if node is None:
                continue
            yield Finding(
                LintRule.DRILL_BYPASSES_LB,
                where.at("drills", name, "traffic", index, "http" if traffic.http else "tcp"), name,
                f"drill {name} sends traffic straight to node {node.name} ({node.host}), bypassing the load balancer",
                "it measures one node, not what users reach: the failover it should prove cannot show in its numbers",
            )


OFFLINE_RULES: dict[LintRule, Rule] = {
    LintRule.SINGLE_NODE_ROLE: single_node_role,
    LintRule.EVEN_VOTERS: even_voters,
    LintRule.ENDPOINT_NO_REDUNDANCY: endpoint_no_redundancy,
    LintRule.PORT_WITHOUT_HEALTH_CHECK: port_without_health_check,
    LintRule.SERVICE_WITHOUT_DRILL: service_without_drill,
    LintRule.CHAOS_WITHOUT_QUORUM_GUARD: chaos_without_quorum_guard,
    LintRule.DRILL_BYPASSES_LB: drill_bypasses_lb,
}
