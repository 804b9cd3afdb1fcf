"""Benchmark: what one Prometheus scrape of `--metrics` costs at N nodes.

    .venv/bin/python bench/metrics_scrape.py [--nodes 200 1000 2000] [--scrapes 10]

The real exporter (HTTP server, collector, snapshot taken on the event loop) over the real
engine, which bench/tui_tick.py's feeder fills with synthetic samples (every node up, two
services on some).  Printed per N: the wall time of one scrape as Prometheus sees it, the
process CPU it costs, and the size of the OpenMetrics answer.  The scrape holds the GIL
while it formats, so its CPU is taken from the engine; at a 15 s scrape interval divide by 15.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_tick import Feeder, synthetic_cluster  # bench/ is on sys.path: the script's own directory

from clustertui.engine.monitor import ClusterMonitor
from clustertui.metrics.address import ListenAddress
from clustertui.metrics.exporter import Exporter
from clustertui.transport.states import NodeState


def _scrape(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept": "application/openmetrics-text"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return len(answer.read())


async def measure(nodes: int, scrapes: int, history: Path) -> str:
    # `local`: the monitor is never started (the feeder plays the sessions), and no freeze
    # marks are read over SSH from the synthetic addresses.
    monitor = ClusterMonitor(synthetic_cluster(nodes, 1.0), local=True)
    for node in monitor.cluster.nodes:
        monitor.node_state(node.name, NodeState.UP, "")
    Feeder(monitor).feed()
    exporter = Exporter.listen(ListenAddress("127.0.0.1", 0))
    exporter.attach(monitor, history=history)
    try:
        await asyncio.to_thread(_scrape, exporter.url)  # warm-up
        walls, cpus, size = [], [], 0
        for _ in range(scrapes):
            wall, cpu = time.perf_counter(), time.process_time()
            size = await asyncio.to_thread(_scrape, exporter.url)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    finally:
        await exporter.close()
    return (f"metrics N={nodes}: {statistics.median(walls):.0f} ms per scrape, {statistics.median(cpus):.0f} ms CPU, "
            f"{size / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[200, 1000, 2000])
    parser.add_argument("--scrapes", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in args.nodes:
            print(asyncio.run(measure(nodes, args.scrapes, Path(tmp) / "none.sqlite")), flush=True)


if __name__ == "__main__":
    main()
