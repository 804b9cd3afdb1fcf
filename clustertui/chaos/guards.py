"""Guards: whether a fault may be applied at all.  Each returns a reason, or None.

They count what the nodes say, not what this process remembers: faulted nodes come from the
ledgers the survey read on every node (plus local records of faults on nodes that could not
be reached), so that faults applied by another operator or by a crashed run count too.
"""

from __future__ import annotations

from collections.abc import Iterable

from clustertui.chaos.freeze import FreezeMark
from clustertui.config import Cluster, Node
from clustertui.engine.health import quorum_for


def chaos_enabled(cluster: Cluster) -> str | None:
    if not cluster.chaos.enabled:
        return f"chaos is disabled in {cluster.source.name} (set chaos.enabled: true)"
    return None


def target_allowed(cluster: Cluster, node: Node) -> str | None:
    policy = cluster.chaos
    if node.name in policy.allow_nodes or set(node.roles) & set(policy.allow_roles):
        return None
    roles = ", ".join(node.roles) or "none"
    return (
        f"{node.name} (roles: {roles}) may not be faulted: it is not in chaos.allow_nodes "
        "and none of its roles is in chaos.allow_roles"
    )


def policy_refusal(cluster: Cluster, node: Node) -> str | None:
    """The guards that need no network: chaos enabled, node allowed."""
    return chaos_enabled(cluster) or target_allowed(cluster, node)


def frozen(mark: FreezeMark | None) -> str | None:
    """Refuse a fault on a frozen node (its survey's active freeze mark); the node's apply
    script refuses it again, whoever applies it: this only says so before any plan."""
    return mark.refusal() if mark is not None else None


def blast_radius(cluster: Cluster, node: str, faulted: Iterable[str]) -> str | None:
    """Refuse a fault that would put more nodes under faults than max_faulted_nodes."""
    already = sorted(set(faulted))
    limit = cluster.chaos.max_faulted_nodes
    if len(set(already) | {node}) <= limit:
        return None
    return (
        f"blast radius: {len(already)} node(s) already faulted ({', '.join(already)}) and "
        f"chaos.max_faulted_nodes is {limit}; revert a fault first"
    )


def quorum(cluster: Cluster, node: str, reachable: Iterable[str], faulted: Iterable[str]) -> str | None:
    """Refuse a fault that would leave a majority cluster without quorum.

    Healthy after the fault: nodes that answered the survey and carry no fault, minus the
    target.  Every fault counts as taking its node out, since a partition, a killed
    service or a saturated CPU can each make a member drop out.
    """
    if cluster.type != "majority" or not cluster.chaos.quorum_guard:
        return None
    healthy = set(reachable) - set(faulted) - {node}
    verdict = quorum_for(cluster.type, len(healthy), len(cluster.nodes))
    if verdict.holds:
        return None
    return (
        f"quorum guard: with {node} faulted, {verdict.up} of {verdict.total} nodes would be healthy "
        f"(reachable and unfaulted) and a majority needs {verdict.needed} (--force overrides)"
    )


def network_refusal(
    cluster: Cluster, node: str, reachable: Iterable[str], faulted: Iterable[str], *, force: bool = False
) -> str | None:
    """The guards that count the cluster: the blast radius, then (unless `force`) quorum.

    `faulted` holds every node under a fault, including nodes that the same action faults
    too, so that one fault on several nodes is guarded as a whole.
    """
    counted = set(faulted)
    refusal = blast_radius(cluster, node, counted)
    if refusal is None and not force:
        refusal = quorum(cluster, node, reachable, counted)
    return refusal
