"""Detection latency: from a service being killed to its service-down event, p50 and p95.

Runs the real ClusterMonitor on the lab (1 s interval), SIGKILLs nginx on web2 N times at
random phases of the probe's cycle, and times each kill to the `service-down` event.

    .venv/bin/python bench/detection.py [--trials 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.events import Event, EventKind
from clustertui.engine.monitor import ClusterMonitor
from clustertui.lab import node_exec
from clustertui.transport.states import NodeState

REPO = Path(__file__).resolve().parents[1]
NODE = "web2"


async def wait_for(events: asyncio.Queue[Event], kind: EventKind, timeout: float = 10.0) -> Event:
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(events.get(), max(0.01, deadline - time.monotonic()))
        if event.kind is kind and event.node == NODE:
            return event


async def run(trials: int) -> list[float]:
    monitor = ClusterMonitor(load_cluster(REPO / "sample_clusters" / "lab.yaml"))
    events: asyncio.Queue[Event] = asyncio.Queue()
    monitor.on_event(events.put_nowait)
    await monitor.start()
    try:
        while monitor.nodes[NODE].state is not NodeState.UP:
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)
        latencies = []
        for _ in range(trials):
            await asyncio.sleep(random.uniform(0, monitor.interval))
            while not events.empty():
                events.get_nowait()
            killed = time.time()
            await asyncio.to_thread(node_exec, NODE, ["pkill", "-KILL", "-x", "nginx"], check=True)
            down = await wait_for(events, EventKind.SERVICE_DOWN)
            latencies.append(down.t - killed)
            await asyncio.to_thread(node_exec, NODE, ["nginx"], check=True)
            await wait_for(events, EventKind.SERVICE_UP)
        return latencies
    finally:
        await monitor.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    latencies = sorted(asyncio.run(run(args.trials)))
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"detection latency over {len(latencies)} kills of nginx on {NODE} (interval 1 s):")
    print(f"  p50 {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   "
          f"min {latencies[0] * 1000:.0f} ms   max {latencies[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
