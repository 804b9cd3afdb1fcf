"""The exporter's series, built from a recorded lab snapshot (a CPU hog on web1, nginx stopped on
web2) made worse by hand (db3 unreachable, a split-brain finding), read back through
prometheus_client's own OpenMetrics parser, as a scraper reads them."""

from __future__ import annotations

import dataclasses

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.exposition import generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from clustertui.chaos.freeze import FreezeMark
from clustertui.drills.result import DrillResult, Verdict
from clustertui.engine.findings import Finding, FindingKind
from clustertui.metrics.address import AddressError, ListenAddress
from clustertui.metrics.board import DrillBoard, DrillMark
from clustertui.metrics.families import (
    MAX_LABEL,
    cluster_families,
    drill_families,
    freeze_families,
    node_families,
)
from tests.tui.managers_state import SPLIT
from tests.tui.tui_state import incident, load_state


class _Fixed:
    def __init__(self, families) -> None:
        self.families = list(families)

    def collect(self):
        return self.families


def scrape(*families) -> dict[tuple[str, frozenset], float]:
    """Every sample of the families, as OpenMetrics text parsed back: (name, labels) -> value."""
    registry = CollectorRegistry()
    registry.register(_Fixed(f for group in families for f in group))
    text = generate_latest(registry).decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def at(samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset({"cluster": "lab", **labels}.items())))


@pytest.fixture
def snapshot():
    recorded, _ = load_state()
    bad = incident(recorded)
    long_subject = "x\x1b[2J" + "y" * 300
    finding = Finding(FindingKind.TWO_PRIMARIES, "redis", long_subject, ("db1", "db2"), "two masters")
    return dataclasses.replace(bad, findings=(SPLIT, finding))


def test_nodes_their_state_samples_and_services(snapshot) -> None:
    samples = scrape(cluster_families(snapshot), node_families(snapshot))
    web1 = snapshot.node("web1")
    assert at(samples, "clustertui_node_up", node="web1") == 1
    assert at(samples, "clustertui_node_up", node="db3") == 0
    assert at(samples, "clustertui_node_state", node="db3", state="unreachable") == 1
    assert at(samples, "clustertui_node_state", node="db3", state="up") == 0
    assert at(samples, "clustertui_node_cpu_ratio", node="web1") == pytest.approx(web1.sample.cpu.percent / 100)
    assert at(samples, "clustertui_node_memory_available_bytes", node="web1") == web1.sample.mem_available
    assert at(samples, "clustertui_node_load1", node="web1") == pytest.approx(web1.sample.load1)
    # No stale figures for a node that is not up: its series stop.
    assert at(samples, "clustertui_node_cpu_ratio", node="db3") is None
    assert at(samples, "clustertui_service_up", node="web2", service="nginx") == 0
    assert at(samples, "clustertui_service_up", node="web1", service="nginx") == 1
    assert at(samples, "clustertui_service_up", node="db3", service="redis") is None  # unknown, not down
    assert at(samples, "clustertui_nodes_up") == sum(1 for v in snapshot.nodes if v.state == "up")
    assert at(samples, "clustertui_quorum_holds") == int(snapshot.health.quorum.holds)
    assert at(samples, "clustertui_service_nodes_up", service="nginx") == snapshot.health.services["nginx"].up


def test_findings_counted_by_kind_and_labels_bounded(snapshot) -> None:
    samples = scrape(cluster_families(snapshot))
    assert at(samples, "clustertui_manager_findings", kind="vip-two-holders") == 1
    assert at(samples, "clustertui_manager_findings", kind="lb-routes-to-down") == 0
    [subject] = [dict(labels)["subject"] for (name, labels) in samples
                 if name == "clustertui_manager_finding" and dict(labels)["kind"] == "two-primaries"]
    assert len(subject) == MAX_LABEL and "\x1b" not in subject and subject.startswith("x\ufffd")


def test_freeze_and_drill_results() -> None:
    marks = {"web1": FreezeMark("web1", until=None, reason="release"), "web2": None,
             "web3": FreezeMark("web3", until=1_000.0, node_now=940.0)}
    board = DrillBoard()
    board.post(DrillMark("web-node-loss", "failed", 100.0, availability=0.5, detect_s=1.2))
    board.post(DrillMark("web-node-loss", "passed", 200.0, availability=0.98, detect_s=0.8, failover_s=2.5,
                         recover_s=3.0, longest_outage_s=1.5))
    board.post(DrillMark("web-node-loss", "aborted", 150.0))  # older than the held run: ignored
    result = DrillResult("redis-primary-loss", "lab", "", Verdict.ABORTED, "steady state", 300.0, 310.0)
    board.post_result(result)
    samples = scrape(freeze_families("lab", marks), drill_families("lab", board.marks()))
    assert at(samples, "clustertui_node_frozen", node="web1") == 1
    assert at(samples, "clustertui_node_frozen", node="web2") == 0
    assert at(samples, "clustertui_node_freeze_remaining_seconds", node="web3") == 60
    assert at(samples, "clustertui_node_freeze_remaining_seconds", node="web1") is None  # until thawed
    assert at(samples, "clustertui_drill_verdict", drill="web-node-loss", verdict="passed") == 1
    assert at(samples, "clustertui_drill_verdict", drill="web-node-loss", verdict="failed") == 0
    assert at(samples, "clustertui_drill_availability_ratio", drill="web-node-loss") == 0.98
    assert at(samples, "clustertui_drill_failover_seconds", drill="web-node-loss") == 2.5
    assert at(samples, "clustertui_drill_last_run_timestamp_seconds", drill="web-node-loss") == 200
    assert at(samples, "clustertui_drill_verdict", drill="redis-primary-loss", verdict="aborted") == 1
    assert at(samples, "clustertui_drill_detect_seconds", drill="redis-primary-loss") is None  # not measured


@pytest.mark.parametrize(("text", "host", "port"), [
    ("127.0.0.1:9108", "127.0.0.1", 9108), (":9108", "", 9108), ("[::1]:0", "::1", 0), ("localhost:80", "localhost", 80),
])
def test_listen_addresses(text: str, host: str, port: int) -> None:
    assert ListenAddress.parse(text) == ListenAddress(host, port)


@pytest.mark.parametrize("text", ["9108", "host:", "h:65536", "h:-1", "a b:1", "[::1:80", "::1:80", "h:9108\n"])
def test_bad_listen_addresses(text: str) -> None:
    with pytest.raises(AddressError):
        ListenAddress.parse(text)
