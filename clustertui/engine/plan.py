"""From the cluster file to what each node's probe must look at."""

from __future__ import annotations

from clustertui.config import Cluster, Node
from clustertui.probe.plan import ProbePlan, ServiceCheck


def probe_plan(cluster: Cluster, node: Node) -> ProbePlan:
    return ProbePlan(
        services=tuple(
            ServiceCheck(
                name=service.name, process=service.process, owner=service.owner, port=service.port,
                systemd=service.systemd,
            )
            for service in cluster.services_on(node)
        )
    )
