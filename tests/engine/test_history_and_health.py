"""Ring-buffer history and the quorum rules, without any network."""

from __future__ import annotations

import math

import pytest

from clustertui.engine.health import ClusterHealth, ServiceHealth, quorum_for
from clustertui.engine.history import NodeHistory
from clustertui.probe.sample import CpuBreakdown, NodeSample
from clustertui.transport.netcheck import CheckOutcome


def sample(t: float, cpu: float | None) -> NodeSample:
    return NodeSample(
        t=t, uptime=t, cpu=None if cpu is None else CpuBreakdown(cpu, cpu, 0, 0, 0), cores=(), cpu_count=1,
        load1=0.1, load5=0.1, load15=0.1, mem_total=1, mem_available=1, mem_percent=10.0, swap_total=0,
        swap_used=0, net=(), disks=(), psi_cpu=None, psi_io=None, psi_memory=None, processes=1,
    )


def test_history_keeps_the_newest_samples_in_order() -> None:
    history = NodeHistory(capacity=4)
    for i in range(10):
        history.append(sample(float(i), None if i == 0 else float(i)))
    assert history.count == 10 and history.size == 4
    assert history.times() == [6.0, 7.0, 8.0, 9.0]
    assert history.series("cpu") == [6.0, 7.0, 8.0, 9.0]
    assert history.series("cpu", last=2) == [8.0, 9.0]
    assert [p.t for p in history.points()] == [6.0, 7.0, 8.0, 9.0]


def test_history_before_wrapping_and_unknown_cpu() -> None:
    history = NodeHistory(capacity=10)
    history.append(sample(1.0, None))
    history.append(sample(2.0, 50.0))
    assert math.isnan(history.series("cpu")[0])
    assert history.points()[0].cpu is None and history.points()[1].cpu == 50.0


def test_history_memory_is_bounded_by_capacity() -> None:
    history = NodeHistory(capacity=3600)
    for i in range(10_000):
        history.append(sample(float(i), 1.0))
    assert len(history.times()) == 3600


@pytest.mark.parametrize(
    ("kind", "up", "total", "needed", "holds"),
    [
        ("majority", 5, 8, 5, True),
        ("majority", 4, 8, 5, False),
        ("majority", 2, 3, 2, True),
        ("majority", 1, 3, 2, False),
        ("shared-disk", 1, 4, 1, True),
        ("shared-disk", 0, 4, 1, False),
        ("single-node", 1, 1, 1, True),
        ("single-node", 0, 1, 1, False),
    ],
)
def test_quorum_rules(kind: str, up: int, total: int, needed: int, holds: bool) -> None:
    quorum = quorum_for(kind, up, total)
    assert quorum.needed == needed and quorum.holds is holds
    assert f"{up}/{total} up" in quorum.describe() and f"needs {needed}" in quorum.describe()


def test_cluster_health_needs_quorum_services_and_endpoints() -> None:
    good = CheckOutcome(True, 1.0, 200)
    healthy = ClusterHealth(quorum_for("majority", 3, 3), {"nginx": ServiceHealth("nginx", 3, 3)}, {"vip": good})
    assert healthy.healthy and healthy.to_json()["healthy"] is True
    degraded = ClusterHealth(quorum_for("majority", 3, 3), {"nginx": ServiceHealth("nginx", 2, 3)}, {"vip": good})
    assert not degraded.healthy
    unknown_endpoint = ClusterHealth(quorum_for("majority", 3, 3), {}, {"vip": None})
    assert not unknown_endpoint.healthy
