"""History is capped by memory: the monitor never preallocates more than MAX_HISTORY_BYTES for
all nodes together (`report`'s refusal is tested in tests/hostile/test_numbers_hostile.py)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from clustertui.config import Cluster
from clustertui.engine.history import MAX_HISTORY_BYTES, SAMPLE_BYTES, capacity_for, history_needed
from clustertui.engine.monitor import ClusterMonitor


def _cluster(nodes: int) -> Cluster:
    return Cluster.model_validate(
        {"name": "many", "type": "majority", "source": Path("many.yaml"),
         "nodes": [{"name": f"n{i}", "host": f"10.0.{i // 250}.{i % 250 + 1}"} for i in range(nodes)]}
    )


def test_a_short_history_is_kept_whole() -> None:
    assert capacity_for(3600, 1.0, 200) == 3600
    assert history_needed(3600, 1.0, 200) == 3600 * SAMPLE_BYTES * 200


@pytest.mark.parametrize(("seconds", "interval", "nodes"), [(360_000_000, 0.1, 3), (86_400, 0.1, 200), (1e300, 1e-9, 1)])
def test_a_long_history_is_cut_to_the_cap(seconds: float, interval: float, nodes: int) -> None:
    capacity = capacity_for(seconds, interval, nodes)
    assert capacity * SAMPLE_BYTES * nodes <= MAX_HISTORY_BYTES
    assert capacity >= MAX_HISTORY_BYTES // (SAMPLE_BYTES * nodes) - 1


def test_the_monitor_allocates_at_most_the_cap() -> None:
    tracemalloc.start()
    try:
        monitor = ClusterMonitor(_cluster(200), interval=0.1, history_seconds=100_000 * 3600)
        allocated, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert allocated <= MAX_HISTORY_BYTES * 1.05
    assert all(status.history.capacity == capacity_for(100_000 * 3600, 0.1, 200) for status in monitor.nodes.values())
