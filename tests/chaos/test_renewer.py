"""`LeaseRenewer` against stand-in nodes: one renewal per node per period for all its held
faults, a hanging node delays no other and is not renewed twice at once, a lost lease is
reported, a reverted fault is no longer renewed, and stopping never waits on a node."""

from __future__ import annotations

import asyncio
import time

import pytest

from clustertui.chaos.renewer import LeaseRenewer
from clustertui.config import Node, load_cluster
from tests.support.paths import LAB_FILE


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


class Nodes:
    """Answers renewals like a node would; `hang` holds a node's renewals forever."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, list[str]]] = []
        self.hang: set[str] = set()
        self.answer: dict[str, str] = {}  # fault id -> the word the node says
        self.in_flight: dict[str, int] = {}

    async def run(self, node: Node, script: str, timeout: float) -> str:
        ids = script.rsplit("\n", 1)[1].split()[2:]
        self.calls.append((node.name, time.monotonic(), ids))
        self.in_flight[node.name] = self.in_flight.get(node.name, 0) + 1
        try:
            assert self.in_flight[node.name] == 1, "never two renewals of one node at once"
            if node.name in self.hang:
                await asyncio.Event().wait()
            return "".join(f"{self.answer.get(i, 'renewed')} {i}\n" for i in ids)
        finally:
            self.in_flight[node.name] -= 1

    def count(self, node: str) -> int:
        return sum(1 for name, _, _ in self.calls if name == node)


async def test_one_renewal_per_node_per_period_and_a_hanging_node_delays_nobody(cluster) -> None:
    nodes = Nodes()
    nodes.hang.add("web1")
    applied = {"f-00000001": "web1", "f-00000002": "web2", "f-00000003": "web2"}
    renewer = LeaseRenewer(cluster, 3.0, nodes.run, lambda: applied)
    for fault_id, node in applied.items():
        renewer.hold(fault_id, node)
    await asyncio.sleep(2.0)  # period 0.6 s; a renewal times out after half a lease, 1.5 s
    await renewer.stop()
    assert 3 <= nodes.count("web2") <= 5, nodes.calls
    assert all(ids == ["f-00000002", "f-00000003"] for name, _, ids in nodes.calls if name == "web2")
    assert nodes.count("web1") == 2, "renewed again only once the hanging one timed out"
    assert renewer.nodes["web1"].failure and renewer.nodes["web1"].renewed_at is None
    assert renewer.nodes["web2"].failure == "" and renewer.nodes["web2"].renewed_at is not None
    assert renewer.lost == {}


async def test_a_lost_lease_is_reported_and_a_reverted_fault_no_longer_renewed(cluster) -> None:
    nodes = Nodes()
    applied = {"f-00000001": "web1", "f-00000002": "web1", "f-00000003": "web2"}
    nodes.answer["f-00000001"] = "expired"
    renewer = LeaseRenewer(cluster, 3.0, nodes.run, lambda: applied)
    for fault_id, node in applied.items():
        renewer.hold(fault_id, node)
    await asyncio.wait_for(renewer.changed.wait(), 2)
    assert "lease ended on web1" in renewer.lost["f-00000001"]
    del applied["f-00000003"]  # reverted by the session
    calls = len(nodes.calls)
    await asyncio.sleep(1.3)
    await renewer.stop()
    later = [ids for _, _, ids in nodes.calls[calls:]]
    assert later and all(ids == ["f-00000002"] for ids in later), later


async def test_stop_does_not_wait_for_a_hanging_node(cluster) -> None:
    nodes = Nodes()
    nodes.hang.add("web1")
    renewer = LeaseRenewer(cluster, 10.0, nodes.run, lambda: {"f-00000001": "web1"})
    renewer.hold("f-00000001", "web1")
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await renewer.stop()
    assert time.monotonic() - started < 0.5
