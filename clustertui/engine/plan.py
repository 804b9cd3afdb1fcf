"""From the cluster file to what each node's probe must look at."""

from __future__ import annotations

from clustertui.config import Cluster, Node
from clustertui.probe.plan import ProbePlan, ServiceCheck


def probe_plan(cluster: Cluster, node: Node, watch: bool = True) -> ProbePlan:
    """`watch`: the node's service watch (probe/watch.py); off, services are seen per frame."""
    return ProbePlan(
        watch=watch,
        services=tuple(
            ServiceCheck(
                name=service.name, process=service.process, owner=service.owner, port=service.port,
                systemd=service.systemd,
            )
            for service in cluster.services_on(node)
        )
    )
