"""`clustertui` with no file: this machine through psutil, via the same monitor and views."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psutil

from clustertui.config import Cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState


async def test_local_monitor_samples_this_machine() -> None:
    cluster = Cluster.model_validate(
        {"name": "here", "type": "single-node", "source": Path("<this machine>"),
         "nodes": [{"name": "here", "host": "127.0.0.1", "roles": ["local"]}]}
    )
    monitor = ClusterMonitor(cluster, interval=0.3, local=True)
    await monitor.start()
    try:
        await asyncio.sleep(1.2)
        snapshot = monitor.snapshot()
    finally:
        await monitor.stop()
    view = snapshot.node("here")
    assert view.state is NodeState.UP and view.sample is not None
    assert view.sample.mem_total == psutil.virtual_memory().total
    assert view.sample.cpu is not None and 0.0 <= view.sample.cpu.percent <= 100.0
    assert view.sample.cpu_count == len(view.sample.cores) == psutil.cpu_count()
    assert all(isinstance(core, float) and 0.0 <= core <= 100.0 for core in view.sample.cores)
    assert snapshot.health.quorum.holds and snapshot.health.quorum.rule == "single-node"
    assert monitor.nodes["here"].samples >= 3


async def test_set_interval_changes_the_sample_rate_at_once_and_is_bounded() -> None:
    cluster = Cluster.model_validate(
        {"name": "here", "type": "single-node", "source": Path("<this machine>"),
         "nodes": [{"name": "here", "host": "127.0.0.1", "roles": ["local"]}]}
    )
    monitor = ClusterMonitor(cluster, interval=30.0, local=True)
    arrivals: list[float] = []
    monitor.on_sample(lambda node, sample: arrivals.append(sample.t))
    await monitor.start()
    try:
        await asyncio.sleep(0.3)
        assert arrivals == []  # every 30 s: nothing yet
        assert monitor.set_interval(0.2) == 0.2  # cuts the 30 s wait short
        await asyncio.sleep(1.1)
        assert 4 <= len(arrivals) <= 7, arrivals
        assert monitor.snapshot().interval == 0.2
        assert monitor.set_interval(0.001) == 0.1 and monitor.set_interval(3600) == 60.0
    finally:
        await monitor.stop()
    assert monitor.series("here", 300).times == tuple(arrivals)  # by time, whatever the interval was
