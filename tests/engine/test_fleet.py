"""The real controller against a simulated fleet of 50 SSH nodes (tests/support/fleet.py).

bench/fleet.py measures thousands of nodes this way; here the same fleet, small, proves the
path end to end: `clustertui check` and the monitor connect to every node over SSH
(verified host keys, the real probe command), every node delivers samples that parse,
and nothing is left for asyncio to complain about when the monitor stops.  No timing is
asserted (the waits are generous bounds).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from tests.support.cli import run_cli
from tests.support.fleet import Fleet

NODES = 50


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with Fleet(tmp_path_factory.mktemp("fleet"), NODES) as served:
        yield served


def test_check_reaches_every_node_of_the_fleet(fleet: Fleet, tmp_path: Path) -> None:
    result = run_cli("check", str(fleet.cluster_file(tmp_path / "fleet.yaml")), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "never retrieved" not in result.stderr, result.stderr
    nodes = json.loads(result.stdout)["nodes"]
    assert len(nodes) == NODES
    assert [node["name"] for node in nodes if node["state"] != "up"] == []


async def started(fleet: Fleet, tmp_path: Path, until: Callable[[list[int]], bool], seconds: float) -> ClusterMonitor:
    """A monitor on the fleet, once `until` holds for the nodes' sample counts (or after
    `seconds`, a generous bound for a loaded machine: the caller asserts what it needs)."""
    monitor = ClusterMonitor(load_cluster(fleet.cluster_file(tmp_path / "fleet.yaml")))
    await monitor.start()
    for _ in range(int(seconds * 10)):
        if until([status.samples for status in monitor.nodes.values()]):
            break
        await asyncio.sleep(0.1)
    return monitor


async def test_every_node_of_the_fleet_streams_samples_to_the_monitor(
    fleet: Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    monitor = await started(fleet, tmp_path, lambda counts: min(counts) >= 2, 120)
    try:
        silent = [status.name for status in monitor.nodes.values() if status.samples < 2]
        assert not silent, f"{len(silent)} nodes delivered fewer than two samples: {silent[:5]}"
        snapshot = monitor.snapshot()
        assert all(view.sample is not None and view.sample.cpu is not None for view in snapshot.nodes)
        assert [(view.name, s.name) for view in snapshot.nodes for s in view.services if not s.up] == []
        assert snapshot.health.quorum.holds
    finally:
        await asyncio.wait_for(monitor.stop(), timeout=60)
    del monitor
    gc.collect()
    assert not [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_monitor_stopped_while_the_fleet_connects_leaves_nothing_to_log(
    fleet: Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    monitor = await started(fleet, tmp_path, lambda counts: max(counts) >= 1, 60)  # the first node is up
    # Most nodes are mid-handshake or starting their probe; stopping must not hang on them.
    await asyncio.wait_for(monitor.stop(), timeout=60)
    await asyncio.sleep(0.2)
    del monitor
    gc.collect()
    assert not [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]
