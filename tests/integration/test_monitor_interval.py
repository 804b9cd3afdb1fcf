"""`ClusterMonitor.set_interval` on the lab: every node's probe really samples at the new
rate (the remote program is replaced on the open connection), without a new login, and
without a sample that lacks its CPU rate (the old probe samples until the new one has one)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState

pytestmark = pytest.mark.lab


def rate(arrivals: dict[str, list[float]], since: float, until: float) -> dict[str, float]:
    """Samples per second per node in [since, until)."""
    return {node: sum(1 for t in times if since <= t < until) / (until - since) for node, times in arrivals.items()}


async def test_the_sample_rate_follows_set_interval(lab) -> None:
    monitor = ClusterMonitor(load_cluster(lab.cluster_file), interval=1.0)
    arrivals: dict[str, list[float]] = defaultdict(list)
    no_cpu: list[tuple[str, float]] = []

    def seen(node: str, sample) -> None:
        arrivals[node].append(time.monotonic())
        if sample.cpu is None:
            no_cpu.append((node, time.monotonic()))

    monitor.on_sample(seen)
    await monitor.start()
    try:
        deadline = time.monotonic() + 20
        while any(s.state is not NodeState.UP for s in monitor.nodes.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert all(s.state is NodeState.UP for s in monitor.nodes.values())
        connections = {name: monitor.session(name).connection for name in monitor.nodes}
        no_cpu.clear()  # each node's very first frame has no rate yet
        start = time.monotonic()
        await asyncio.sleep(3.0)
        slow = rate(arrivals, start, time.monotonic())

        assert monitor.set_interval(0.2) == 0.2
        changed = time.monotonic()
        await asyncio.sleep(0.5)  # the probes restart
        start = time.monotonic()
        await asyncio.sleep(3.0)
        fast = rate(arrivals, start, time.monotonic())
        first_fast = {node: min(t for t in times if t > changed) - changed for node, times in arrivals.items()}

        assert all(0.6 <= slow[node] <= 1.4 for node in monitor.nodes), slow
        assert all(3.5 <= fast[node] <= 6.0 for node in monitor.nodes), fast
        assert max(first_fast.values()) < 0.5, first_fast  # at once, not at the next old interval
        assert all(monitor.session(name).connection is connections[name] for name in monitor.nodes)  # no new login
        assert no_cpu == []  # no gap: the new probe took over with its first frame that has a CPU rate
        assert all(s.state is NodeState.UP for s in monitor.nodes.values())
        snapshot = monitor.snapshot()
        assert snapshot.interval == 0.2 and all(view.sample_age < 0.6 for view in snapshot.nodes)
    finally:
        await monitor.stop()
