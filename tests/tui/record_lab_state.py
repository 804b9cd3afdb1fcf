"""Record tests/tui/data/lab_state.json from the running lab (not a test; run by hand).

    .venv/bin/clustertui lab up
    .venv/bin/python tests/tui/record_lab_state.py
    .venv/bin/python tests/tui/record_lab_state.py --ha   # data/lab_ha_state.json

Monitors the lab for 70 s with a 40 s CPU hog on web1, stops nginx on web2 for the last
seconds (and starts it again), then writes the final snapshot and every node's series.
`--ha`: the lab's HA cluster (lab-ha.yaml) as it runs, healthy, after 20 s (no fault), for
the several-clusters view.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from clustertui.config import load_cluster  # noqa: E402
from clustertui.engine.monitor import ClusterMonitor  # noqa: E402
from clustertui.lab import node_exec, node_popen  # noqa: E402
from tests.tui.tui_state import LAB_HA_STATE, LAB_STATE, dump_state  # noqa: E402

RECORD = 70.0
HOG = "timeout 40 sh -c 'while :; do :; done'"


async def record() -> None:
    monitor = ClusterMonitor(load_cluster(REPO / "sample_clusters" / "lab.yaml"))
    await monitor.start()
    hog = None
    try:
        await asyncio.sleep(15)
        hog = node_popen("web1", ["sh", "-c", HOG])
        await asyncio.sleep(RECORD - 20)
        node_exec("web2", ["nginx", "-s", "stop"], check=True)
        await asyncio.sleep(5)
        snapshot = monitor.snapshot()
        series = {node.name: monitor.series(node.name, 300) for node in monitor.cluster.nodes}
    finally:
        node_exec("web2", ["nginx"])
        if hog is not None:
            hog.terminate()
            hog.wait()
        await monitor.stop()
    dump_state(snapshot, series)
    print(f"wrote {LAB_STATE}")


async def record_ha() -> None:
    monitor = ClusterMonitor(load_cluster(REPO / "sample_clusters" / "lab-ha.yaml"))
    await monitor.start()
    try:
        await asyncio.sleep(20)
        snapshot = monitor.snapshot()
        series = {node.name: monitor.series(node.name, 300) for node in monitor.cluster.nodes}
    finally:
        await monitor.stop()
    dump_state(snapshot, series, LAB_HA_STATE)
    print(f"wrote {LAB_HA_STATE}")


if __name__ == "__main__":
    asyncio.run(record_ha() if "--ha" in sys.argv[1:] else record())
