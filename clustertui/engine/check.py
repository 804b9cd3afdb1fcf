"""`clustertui check`: connect to every node once, probe once, judge services and endpoints.

Connections come from the pool (jump hosts, handshake limit, host keys); a node that fails
never delays the others, since each node is its own task with its own timeout.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace

from clustertui.config import Cluster, Endpoint, Node, Service
from clustertui.engine.judge import check_endpoint, check_service_url, service_problems, service_signs
from clustertui.engine.managers_check import ManagersCheck, check_managers, read_managers
from clustertui.engine.plan import probe_plan
from clustertui.engine.prometheus_feed import PrometheusFeed
from clustertui.probe.errors import ProbeError
from clustertui.probe.sample import HostInfo, NodeSample
from clustertui.transport.channel import probe_once
from clustertui.transport.netcheck import CheckOutcome
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import NodeState, classify

PROBE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class ServiceResult:
    name: str
    up: bool
    detail: str


@dataclass(frozen=True, slots=True)
class NodeCheck:
    name: str
    host: str
    state: NodeState
    detail: str = ""
    rtt_ms: float | None = None
    info: HostInfo | None = None
    sample: NodeSample | None = None
    services: tuple[ServiceResult, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state is NodeState.UP and all(service.up for service in self.services)


@dataclass(frozen=True, slots=True)
class EndpointResult:
    name: str
    target: str
    outcome: CheckOutcome


@dataclass(frozen=True, slots=True)
class MetricsCheck:
    """`source:` of the file, asked once: the nodes it has no figures for, with why."""

    source: str
    missing: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class CheckReport:
    cluster: str
    nodes: tuple[NodeCheck, ...]
    endpoints: tuple[EndpointResult, ...] = field(default=())
    managers: ManagersCheck = field(default_factory=ManagersCheck)
    metrics: MetricsCheck | None = None

    @property
    def ok(self) -> bool:
        return (all(node.ok for node in self.nodes) and all(e.outcome.ok for e in self.endpoints)
                and self.managers.ok and (self.metrics is None or self.metrics.ok))


async def check_cluster(cluster: Cluster, pool: ConnectionPool | None = None) -> CheckReport:
    own = pool or ConnectionPool()
    node_checks = asyncio.gather(*(check_node(cluster, node, own) for node in cluster.nodes))
    endpoint_checks = asyncio.gather(*(endpoint_result(name, e) for name, e in cluster.endpoints.items()))
    source = cluster.metrics_source
    feed = PrometheusFeed(cluster, source) if source is not None else None
    try:
        nodes, endpoints, views, _ = await asyncio.gather(
            node_checks, endpoint_checks, read_managers(cluster, own), feed.poll() if feed else asyncio.sleep(0))
        managers = await check_managers(cluster, own, views, _down(nodes), lambda node: _recheck(cluster, node, own))
    finally:
        if pool is None:
            own.close()
    metrics = None
    if feed is not None and source is not None:  # the figures shown are the source's, as in the monitor
        nodes = [replace(n, sample=feed.overlay(n.name, n.sample, cluster.interval)) if n.sample else n for n in nodes]
        metrics = MetricsCheck(source.prometheus, dict(feed.notes))
    return CheckReport(cluster=cluster.name, nodes=tuple(nodes), endpoints=tuple(endpoints), managers=managers,
                       metrics=metrics)


def _down(nodes: list[NodeCheck]) -> dict[str, frozenset[str]]:
    return {node.name: frozenset(s.name for s in node.services if not s.up) for node in nodes}


async def _recheck(cluster: Cluster, node: Node, pool: ConnectionPool) -> frozenset[str]:
    """The services of `node` that are down now (a second probe, to confirm a finding)."""
    return _down([await check_node(cluster, node, pool)])[node.name]


async def endpoint_result(name: str, endpoint: Endpoint) -> EndpointResult:
    return EndpointResult(name, endpoint.target, await check_endpoint(endpoint))


async def check_node(cluster: Cluster, node: Node, pool: ConnectionPool) -> NodeCheck:
    target = SSHTarget.from_node(node)
    plan = probe_plan(cluster, node)
    try:
        conn = await pool.open(target)
    except Exception as exc:  # every failure becomes a node state, never a crash
        state, detail = classify(exc)
        return NodeCheck(node.name, node.host, state, detail)
    try:
        started = time.perf_counter()
        async with asyncio.timeout(PROBE_TIMEOUT):
            info, sample = await probe_once(conn, target.privileged(plan.command(cluster.interval, count=1)), plan)
        rtt_ms = (time.perf_counter() - started) * 1000.0
    except ProbeError as exc:
        return NodeCheck(node.name, node.host, NodeState.PROBE_ERROR, f"probe failed: {exc}")
    except TimeoutError:
        return NodeCheck(node.name, node.host, NodeState.PROBE_ERROR, f"no probe frame within {PROBE_TIMEOUT:g}s")
    except Exception as exc:
        state, detail = classify(exc)
        return NodeCheck(node.name, node.host, state, detail)
    finally:
        conn.close()
    services = await asyncio.gather(
        *(judge_service(service, node, sample) for service in cluster.services_on(node))
    )
    return NodeCheck(node.name, node.host, NodeState.UP, "", rtt_ms, info, sample, tuple(services))


async def judge_service(service: Service, node: Node, sample: NodeSample) -> ServiceResult:
    probe = sample.services[service.name]
    http = await check_service_url(service, node.host, timeout=2.0)
    problems = service_problems(service, probe, http)
    if problems:
        return ServiceResult(service.name, False, "; ".join(problems))
    return ServiceResult(service.name, True, ", ".join(service_signs(service, probe, http)))
