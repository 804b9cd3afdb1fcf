"""The metric families of one cluster snapshot: every series the exporter serves.

Pure functions from immutable inputs (a `ClusterSnapshot`, the last freeze read, the drill
board) to prometheus_client families, so that a test can build them from a hand-made
snapshot and read the exposition back.  Every series carries the cluster's name in
`cluster`; node, service, endpoint, manager and drill names are label values, made
printable (control characters replaced) and cut to `MAX_LABEL` characters; prometheus_client
escapes the rest.  docs/metrics.md lists every family.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from clustertui import __version__
from clustertui.chaos.freeze import FreezeMark
from clustertui.drills.result import Verdict
from clustertui.engine.findings import FindingKind
from clustertui.engine.snapshot import ClusterSnapshot, NodeView
from clustertui.metrics.board import DrillMark
from clustertui.report.escape import printable
from clustertui.transport.states import NodeState

MAX_LABEL = 128
PREFIX = "clustertui"


def label(text: str) -> str:
    """A label value: one printable line of at most MAX_LABEL characters."""
    return printable(text)[:MAX_LABEL]


def _gauge(name: str, doc: str, labels: Sequence[str], unit: str = "") -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=["cluster", *labels], unit=unit)


def cluster_families(snapshot: ClusterSnapshot) -> Iterator[Metric]:
    """The cluster as a whole: what it is, its quorum, its services and endpoints."""
    cluster = label(snapshot.name)
    info = InfoMetricFamily(PREFIX, "The exporting clustertui and the cluster it watches.", labels=["cluster"])
    info.add_metric([cluster], {"version": __version__, "type": label(snapshot.cluster_type)})
    yield info
    quorum = snapshot.health.quorum
    for name, doc, value in (
        ("nodes", "Nodes in the cluster file.", quorum.total),
        ("nodes_up", "Nodes whose probe streams samples now.", quorum.up),
        ("quorum_needed_nodes", "Nodes up that the cluster type's quorum rule needs.", quorum.needed),
        ("quorum_holds", "1 when the quorum rule holds, else 0.", int(quorum.holds)),
        ("faults_active", "Faults in the ledgers of the nodes that are up.", snapshot.active_faults),
    ):
        family = _gauge(name, doc, [])
        family.add_metric([cluster], value)
        yield family
    replicas = _gauge("service_nodes", "Nodes a service is configured on.", ["service"])
    running = _gauge("service_nodes_up", "Nodes on which a service is judged up.", ["service"])
    for service in snapshot.health.services.values():
        replicas.add_metric([cluster, label(service.name)], service.total)
        running.add_metric([cluster, label(service.name)], service.up)
    yield replicas
    yield running
    endpoint_up = _gauge("endpoint_up", "1 when the endpoint's last check passed, 0 when it failed "
                         "(absent before its first check).", ["endpoint"])
    latency = _gauge("endpoint_latency_seconds", "Duration of the endpoint's last passed check.", ["endpoint"],
                     unit="seconds")
    for name, outcome in snapshot.health.endpoints.items():
        if outcome is None:
            continue
        endpoint_up.add_metric([cluster, label(name)], int(outcome.ok))
        if outcome.ok:
            latency.add_metric([cluster, label(name)], outcome.latency_ms / 1000.0)
    yield endpoint_up
    yield latency
    yield from _findings(cluster, snapshot)


def _findings(cluster: str, snapshot: ClusterSnapshot) -> Iterator[Metric]:
    counts = Counter(str(finding.kind) for finding in snapshot.findings)
    total = _gauge("manager_findings", "Findings now, by kind: where the cluster managers' view and "
                   "clustertui's disagree (docs/managers.md).", ["kind"])
    for kind in FindingKind:
        total.add_metric([cluster, str(kind)], counts.get(str(kind), 0))
    yield total
    each = _gauge("manager_finding", "1 for each finding now, by manager, kind and subject.",
                  ["manager", "kind", "subject"])
    for finding in snapshot.findings:
        each.add_metric([cluster, label(finding.manager), str(finding.kind), label(finding.subject)], 1)
    yield each


def node_families(snapshot: ClusterSnapshot) -> Iterator[Metric]:
    """Per node: its state, its last sample (while it is up), its services and faults."""
    cluster = label(snapshot.name)
    up = _gauge("node_up", "1 when the node's probe streams samples, else 0.", ["node"])
    state = _gauge("node_state", "1 for the node's connection state, 0 for the others.", ["node", "state"])
    faults = _gauge("node_faults_active", "Faults in the node's ledger (absent while it is not up).", ["node"])
    for view in snapshot.nodes:
        node = label(view.name)
        up.add_metric([cluster, node], int(view.state is NodeState.UP))
        for each in NodeState:
            state.add_metric([cluster, node, str(each)], int(view.state is each))
        if view.state is NodeState.UP:
            faults.add_metric([cluster, node], len(view.faults))
    yield up
    yield state
    yield faults
    yield from _samples(cluster, snapshot.nodes)
    yield from _services(cluster, snapshot.nodes)


def _samples(cluster: str, nodes: Sequence[NodeView]) -> Iterator[Metric]:
    cpu = _gauge("node_cpu_ratio", "Busy share of all CPUs over the last interval (0-1).", ["node"], unit="ratio")
    mem = _gauge("node_memory_used_ratio", "Share of memory in use, (total - available) / total (0-1).",
                 ["node"], unit="ratio")
    total = _gauge("node_memory_total_bytes", "Memory the node has.", ["node"], unit="bytes")
    available = _gauge("node_memory_available_bytes", "Memory available to new work (MemAvailable).",
                       ["node"], unit="bytes")
    loads = [_gauge(f"node_load{minutes}", f"Load average over {minutes} minute(s).", ["node"]) for minutes in (1, 5, 15)]
    age = _gauge("node_sample_age_seconds", "Seconds since the node's last sample.", ["node"], unit="seconds")
    for view in nodes:
        sample = view.sample
        if sample is None or view.state is not NodeState.UP:
            continue  # a stale value is worse than none: the series stops while the node is down
        key = [cluster, label(view.name)]
        if sample.cpu is not None:
            cpu.add_metric(key, sample.cpu.percent / 100.0)
        mem.add_metric(key, sample.mem_percent / 100.0)
        total.add_metric(key, sample.mem_total)
        available.add_metric(key, sample.mem_available)
        for family, value in zip(loads, (sample.load1, sample.load5, sample.load15), strict=True):
            family.add_metric(key, value)
        if view.sample_age is not None:
            age.add_metric(key, view.sample_age)
    yield from (cpu, mem, total, available, *loads, age)


def _services(cluster: str, nodes: Sequence[NodeView]) -> Iterator[Metric]:
    up = _gauge("service_up", "1 when the service is judged up on the node, 0 when down "
                "(absent while unknown: node not up, no sample yet).", ["node", "service"])
    for view in nodes:
        for service in view.services:
            if service.up is not None:
                up.add_metric([cluster, label(view.name), label(service.name)], int(service.up))
    yield up


def freeze_families(cluster_name: str, marks: Mapping[str, FreezeMark | None]) -> Iterator[Metric]:
    """Whether each node is frozen (chaos freeze; None: read, not frozen), as the last read of
    its mark found it; nothing for a node whose mark was never read (not up yet)."""
    cluster = label(cluster_name)
    frozen = _gauge("node_frozen", "1 when the node's freeze mark refuses new faults, else 0.", ["node"])
    left = _gauge("node_freeze_remaining_seconds", "Seconds until the node's freeze expires "
                  "(absent when frozen until thawed, or not frozen).", ["node"], unit="seconds")
    for node, mark in marks.items():
        frozen.add_metric([cluster, label(node)], int(mark is not None))
        if mark is not None and mark.remaining is not None:
            left.add_metric([cluster, label(node)], mark.remaining)
    yield frozen
    yield left


def drill_families(cluster_name: str, marks: Sequence[DrillMark]) -> Iterator[Metric]:
    """Each drill's latest run: its verdict and its measured figures (absent: not measured)."""
    cluster = label(cluster_name)
    verdict = _gauge("drill_verdict", "1 for the verdict of the drill's latest run, 0 for the others.",
                     ["drill", "verdict"])
    ended = _gauge("drill_last_run_timestamp_seconds", "When the drill's latest run ended (Unix time).", ["drill"],
                   unit="seconds")
    figures = {
        "availability": _gauge("drill_availability_ratio", "Share of the requests sent during the fault window that succeeded.",
                               ["drill"], unit="ratio"),
        "detect_s": _gauge("drill_detect_seconds", "Time from the fault to its first sign (a failed request, an engine event).", ["drill"], unit="seconds"),
        "failover_s": _gauge("drill_failover_seconds", "Time from the fault until it was detected and traffic was back at steady state.",
                             ["drill"], unit="seconds"),
        "recover_s": _gauge("drill_recover_seconds", "Time from the verified revert until the target's services and traffic were back.",
                            ["drill"], unit="seconds"),
        "longest_outage_s": _gauge("drill_longest_outage_seconds", "The longest stretch of the fault window in which every request failed.",
                                   ["drill"], unit="seconds"),
    }
    for mark in marks:
        drill = label(mark.drill)
        for each in Verdict:
            verdict.add_metric([cluster, drill, str(each)], int(mark.verdict == each))
        ended.add_metric([cluster, drill], mark.ended)
        for field, family in figures.items():
            value = getattr(mark, field)
            if value is not None:
                family.add_metric([cluster, drill], value)
    yield verdict
    yield ended
    yield from figures.values()
