"""The HA cluster's drill for real (sample_clusters/lab-ha.yaml `owner-loss`): the owner of the
shared disk is partitioned from the other two nodes; Pacemaker moves the disk, the address
and nginx to a quorate node. Watched from the host while it runs (who has the address and
who has the disk mounted, read from the nodes' addresses and mount tables, every 100 ms):
they moved together, never to two nodes at once, and nothing of the fault is left."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.lab

HA_NODES = ("ha1", "ha2", "ha3")


def test_owner_loss_moves_disk_address_and_service_together(lab, tmp_path: Path) -> None:
    from clustertui.lab.ha_checks import placement

    samples: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            where = placement(lab.spec)
            samples.append((time.monotonic(), where.address_holders, where.disk_owners))
            time.sleep(0.1)

    before = placement(lab.spec).owner
    assert before in HA_NODES
    report = tmp_path / "owner-loss.json"
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "clustertui", "drill", str(lab.cluster_file.with_name("lab-ha.yaml")),
             "owner-loss", "--headless", "-o", str(report)],
            cwd=REPO, capture_output=True, text=True, timeout=180,
        )
    finally:
        done.set()
        watcher.join()
    assert "Traceback" not in result.stderr, result.stderr
    data = json.loads(report.read_text())
    assert result.returncode == 0, f"{data['verdict']}: {data['reason']}\n{result.stdout[-3000:]}"
    assert data["target"] == before

    # Never two owners: the partitioned node stopped the group before the others started it.
    assert all(len(holders) <= 1 and len(disks) <= 1 for _t, holders, disks in samples), samples
    left = next(t for t, holders, _ in samples if before not in holders)
    arrived = next((t, holders[0]) for t, holders, disks in samples
                   if t >= left and holders and holders[0] != before and disks == holders)
    gap = arrived[0] - left
    print(f"\nowner-loss: {before} -> {arrived[1]}: address and disk gone for {gap:.1f}s; "
          f"detect {data['time_to_detect_s']}s, failover {data['time_to_failover_s']}s, "
          f"availability {data['availability']}")
    assert gap < 8.0

    # Nothing of the fault left on the HA nodes.
    for node in HA_NODES:
        listing = lab.node_exec(node, ["sh", "-c", "ls /run/clustertui/faults 2>/dev/null"]).stdout.split()
        assert not [f for f in listing if not f.startswith(".")], f"{node} still has {listing}"
        assert "ctui" not in lab.node_exec(node, ["iptables", "-S"]).stdout
