"""Detection latency: from a fault on a service to its service-down event, p50 / p95 / max.

Runs the real ClusterMonitor on the lab and, N times per case at a random phase of the
probe's cycle, breaks nginx on web2 and times the break to the `service-down` event:

- kill: SIGKILL of every nginx process (`pkill -KILL -x nginx`);
- stop: the lab's stop command (`nginx -s stop`: the workers, then the master, exit);
- block-port: an iptables DROP of port 80 inbound (the processes and the port stay: only
  the controller's HTTP check can see it).

and, for the node-level signals, to web2's `node-down` event:

- probe-killed: SIGKILL of the probe's awk on the node: its stream closes;
- probe-stopped: SIGSTOP of it: the stream goes silent while TCP stays up, as for a hung
  node or a network that drops packets (repaired with SIGCONT; the monitor reconnects).

Each case runs with the nodes' service watch off ("frames": detection at the next frame or
check, as before probe/watch.py) and on ("watch"), at each interval asked for. After each
trial the service is repaired and the bench waits for its `service-up` event. The firewall
rule is removed even when the bench fails.

    .venv/bin/python bench/detection.py [--trials 10] [--intervals 1,5] [--faults kill,stop,block-port]
                                        [--modes frames,watch]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.events import Event, EventKind
from clustertui.engine.monitor import ClusterMonitor
from clustertui.lab import node_exec
from clustertui.transport.states import NodeState

REPO = Path(__file__).resolve().parents[1]
NODE = "web2"
DROP = ["-p", "tcp", "--dport", "80", "-j", "DROP"]


def run_on_node(argv: list[str]) -> None:
    node_exec(NODE, argv, check=True)


PROBE = ["-f", "^awk -v watch="]  # the probe's awk (the lab's probes run with the watch)


def nothing() -> None:
    """The monitor repairs this one itself (it reconnects)."""


@dataclass(frozen=True)
class Fault:
    breaks: Callable[[], None]
    repair: Callable[[], None]
    down: EventKind = EventKind.SERVICE_DOWN
    up: EventKind = EventKind.SERVICE_UP


FAULTS = {
    "kill": Fault(lambda: run_on_node(["pkill", "-KILL", "-x", "nginx"]), lambda: run_on_node(["nginx"])),
    "stop": Fault(lambda: run_on_node(["nginx", "-s", "stop"]), lambda: run_on_node(["nginx"])),
    "block-port": Fault(lambda: run_on_node(["iptables", "-w", "5", "-I", "INPUT", *DROP]),
                        lambda: run_on_node(["iptables", "-w", "5", "-D", "INPUT", *DROP])),
    "probe-killed": Fault(lambda: run_on_node(["pkill", "-KILL", *PROBE]), nothing,
                          EventKind.NODE_DOWN, EventKind.NODE_UP),
    "probe-stopped": Fault(lambda: run_on_node(["pkill", "-STOP", *PROBE]),
                           lambda: run_on_node(["pkill", "-CONT", *PROBE]), EventKind.NODE_DOWN, EventKind.NODE_UP),
}


async def wait_for(events: asyncio.Queue[Event], kind: EventKind, timeout: float) -> Event:
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(events.get(), max(0.01, deadline - time.monotonic()))
        if event.kind is kind and event.node == NODE and (kind not in SERVICE or event.detail.startswith("nginx:")):
            return event


SERVICE = (EventKind.SERVICE_DOWN, EventKind.SERVICE_UP)


async def run_case(fault: str, interval: float, watch: bool, trials: int) -> list[float]:
    monitor = ClusterMonitor(load_cluster(REPO / "sample_clusters" / "lab.yaml"), interval=interval, watch=watch)
    events: asyncio.Queue[Event] = asyncio.Queue()
    monitor.on_event(events.put_nowait)
    fault_ = FAULTS[fault]
    timeout = 3 * interval + 40  # a node reconnects with backoff
    await monitor.start()
    try:
        while monitor.nodes[NODE].state is not NodeState.UP:
            await asyncio.sleep(0.1)
        await asyncio.sleep(interval + 1)
        latencies = []
        for _ in range(trials):
            await asyncio.sleep(random.uniform(0, interval))
            while not events.empty():
                events.get_nowait()
            broken = time.time()
            try:
                await asyncio.to_thread(fault_.breaks)
                down = await wait_for(events, fault_.down, timeout)
                latencies.append(down.t - broken)
            finally:
                await asyncio.to_thread(fault_.repair)
            await wait_for(events, fault_.up, timeout)
            await asyncio.sleep(1)  # the watchers are armed after the frame that saw it back
        return latencies
    finally:
        await monitor.stop()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--intervals", default="1,5", help="probe intervals in seconds, comma-separated")
    parser.add_argument("--faults", default="kill,stop,block-port")
    parser.add_argument("--modes", default="frames,watch", help="frames (watch off), watch (on)")
    args = parser.parse_args()
    intervals = [float(v) for v in args.intervals.split(",")]
    print(f"detection latency on {NODE}, {args.trials} trials per case (ms):")
    print("| fault | interval | detection | p50 | p95 | max |\n|---|---:|---|---:|---:|---:|")
    for fault in args.faults.split(","):
        for interval in intervals:
            for mode in args.modes.split(","):
                latencies = asyncio.run(run_case(fault, interval, mode == "watch", args.trials))
                print(f"| {fault} | {interval:g} s | {mode} | {statistics.median(latencies) * 1000:.0f} | "
                      f"{p95(latencies) * 1000:.0f} | {max(latencies) * 1000:.0f} |", flush=True)


if __name__ == "__main__":
    main()
