"""The real controller against a simulated fleet of 50 SSH nodes (tests/support/fleet.py).

bench/fleet.py measures thousands of nodes this way; here the same fleet, small, proves the
path end to end: `clustertui report` connects to every node over SSH (verified host keys,
the real probe command), every node delivers samples that parse into the report, and
nothing is left for asyncio to complain about at exit.  No timing is asserted.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Iterator
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


def test_every_node_of_the_fleet_delivers_samples_to_a_report(fleet: Fleet, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli("report", str(fleet.cluster_file(tmp_path / "fleet.yaml")), "--duration", "3s", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "never retrieved" not in result.stderr, result.stderr
    nodes = json.loads(out.read_text())["nodes"]
    assert len(nodes) == NODES
    silent = [node["name"] for node in nodes if node["state"] != "up" or not node["samples"]]
    assert not silent, f"{len(silent)} nodes delivered no sample: {silent[:5]}"
    assert all(node["samples"][-1]["cpu_percent"] is not None for node in nodes)  # frames after the first carry rates
    down = [(node["name"], name) for node in nodes for name, s in node["services"].items() if s["state"] != "up"]
    assert not down


async def test_a_monitor_stopped_while_the_fleet_connects_leaves_nothing_to_log(
    fleet: Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    monitor = ClusterMonitor(load_cluster(fleet.cluster_file(tmp_path / "fleet.yaml")))
    await monitor.start()
    for _ in range(600):  # until the first node is up (a minute at most)
        if any(status.samples for status in monitor.nodes.values()):
            break
        await asyncio.sleep(0.1)
    # Most nodes are mid-handshake or starting their probe; stopping must not hang on them.
    await asyncio.wait_for(monitor.stop(), timeout=60)
    await asyncio.sleep(0.2)
    del monitor
    gc.collect()
    assert not [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]
