"""Which faults each node can take, and why not: what `chaos list` and the TUI menu show.

Pure: it reads the cluster's policy, the node's services and its survey.  Service faults
are judged per service; a kind is available on a node when at least one service qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clustertui.chaos import faults, guards
from clustertui.chaos.catalog import CATALOG
from clustertui.chaos.facts import NodeSurvey
from clustertui.chaos.faults import process
from clustertui.config import Cluster, Node


@dataclass(frozen=True, slots=True)
class KindAvailability:
    kind: str
    reason: str | None  # None: available
    services: dict[str, str | None] = field(default_factory=dict)  # service faults: per service

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class NodeAvailability:
    node: str
    roles: tuple[str, ...]
    reachable: bool
    detail: str  # why not reachable
    faults: dict[str, KindAvailability]
    active: tuple[str, ...] = ()  # fault ids in the node's ledger


def node_availability(cluster: Cluster, node: Node, survey: NodeSurvey | None, detail: str = "") -> NodeAvailability:
    """Availability of every catalog kind on `node`; `survey` None means unreachable."""
    blocked = guards.policy_refusal(cluster, node)
    if blocked is None and survey is None:
        blocked = f"unreachable: {detail}"
    if blocked is None and survey is not None:
        blocked = guards.frozen(survey.facts.frozen)
    result: dict[str, KindAvailability] = {}
    for kind, spec in CATALOG.items():
        if blocked is not None:
            result[kind] = KindAvailability(kind, blocked)
            continue
        assert survey is not None
        facts = survey.facts
        reason = faults.node_problem(kind, facts)
        per_service: dict[str, str | None] = {}
        if reason is None and spec.family == "process":
            ssh_port = facts.ssh_port or node.port
            per_service = {s.name: process.unavailable(kind, s, facts, ssh_port) for s in cluster.services_on(node)}
            if not per_service:
                reason = "no service runs on this node"
            elif all(why is not None for why in per_service.values()):
                reason = "; ".join(why for why in per_service.values() if why)
        result[kind] = KindAvailability(kind, reason, per_service)
    return NodeAvailability(
        node=node.name,
        roles=tuple(node.roles),
        reachable=survey is not None,
        detail=detail,
        faults=result,
        active=tuple(entry.id for entry in survey.ledger) if survey else (),
    )
