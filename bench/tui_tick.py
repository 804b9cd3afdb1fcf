"""Benchmark: the TUI on 200 nodes at a 1 s interval.

    .venv/bin/python bench/tui_tick.py                  # headless, 200x60, 30 s
    .venv/bin/python bench/tui_tick.py --terminal       # in the real terminal (run it in tmux)

Synthetic samples go through the real engine (ClusterMonitor.node_sample, history, service
judging, snapshot) into the real app, so a tick costs what it costs live minus SSH and
parsing.  Printed: the time to apply one tick (snapshot + table update, and the snapshot
alone), and the CPU of the whole process as a share of one core, with the sample feeding
shown separately.  Goal: under 20 ms per tick and under 10 % of a core.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path, PurePath
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clustertui.config import Cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries
from clustertui.probe.sample import CpuBreakdown, DiskUsage, NetRate, NodeSample, ServiceProbe
from clustertui.transport.states import NodeState
from clustertui.tui import app as app_module
from clustertui.tui.app import ClusterApp
from clustertui.tui.themes import ThemeCatalog

ROLES = {"web": ["nginx"], "db": ["postgres", "pgbouncer"], "cache": ["redis"], "lb": ["haproxy", "keepalived"]}
WARMUP = 3.0


def synthetic_cluster(nodes: int, interval: float) -> Cluster:
    roles = list(ROLES)
    return Cluster.model_validate({
        "name": "bench",
        "type": "majority",
        "interval": interval,
        "nodes": [
            {"name": f"{roles[i % len(roles)]}{i:03d}", "host": f"198.18.{i // 250}.{i % 250 + 2}",
             "roles": [roles[i % len(roles)]], "labels": {"zone": "abc"[i % 3]}}
            for i in range(nodes)
        ],
        "services": {
            service: {"name": service, "roles": [role], "process": service}
            for role, services in ROLES.items() for service in services
        },
        "source": Path("<bench>"),
    })


class Feeder:
    """Plays the sessions' part: one sample per node per interval, CPU as a random walk."""

    def __init__(self, monitor: ClusterMonitor, seed: int = 1) -> None:
        self.monitor = monitor
        self.random = random.Random(seed)
        self.cpu = {node.name: self.random.uniform(2, 60) for node in monitor.cluster.nodes}
        self.cpu_seconds = 0.0

    def feed(self) -> None:
        started = time.process_time()
        now = time.time()
        rnd = self.random
        for node in self.monitor.cluster.nodes:
            cpu = self.cpu[node.name] = min(100.0, max(0.0, self.cpu[node.name] + rnd.uniform(-8, 8)))
            services = {s.name: ServiceProbe(0 if rnd.random() < 0.002 else 2, None, None)
                        for s in self.monitor.cluster.services_on(node)}
            core = CpuBreakdown(cpu, cpu * 0.7, cpu * 0.3, 0.0, 0.0)
            self.monitor.node_sample(node.name, NodeSample(
                t=now, uptime=86400.0, cpu=core, cores=(cpu,) * 4, cpu_count=4,
                load1=cpu / 25, load5=cpu / 30, load15=cpu / 35, mem_total=8 << 30,
                mem_available=int((8 << 30) * rnd.uniform(0.2, 0.8)), mem_percent=rnd.uniform(20, 80),
                swap_total=0, swap_used=0, net=(NetRate("eth0", rnd.uniform(1e3, 5e6), rnd.uniform(1e3, 5e6)),),
                disks=(DiskUsage("/", 100 << 30, 40 << 30, 60 << 30),), psi_cpu=None, psi_io=None,
                psi_memory=None, processes=200, services=services,
            ))
        self.cpu_seconds += time.process_time() - started


class FedSource:
    """A SnapshotSource over a monitor that the feeder fills instead of SSH sessions."""

    def __init__(self, monitor: ClusterMonitor) -> None:
        self.monitor = monitor
        self.interval = monitor.interval
        self.feeder = Feeder(monitor)
        self.snapshot_ms: list[float] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        for node in self.monitor.cluster.nodes:
            self.monitor.node_state(node.name, NodeState.UP, "")
        self.feeder.feed()
        self._task = asyncio.create_task(self._feed())

    async def _feed(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.feeder.feed()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def snapshot(self) -> ClusterSnapshot:
        started = time.perf_counter()
        snapshot = self.monitor.snapshot()
        self.snapshot_ms.append((time.perf_counter() - started) * 1000)
        return snapshot

    def series(self, node: str, seconds: float) -> NodeSeries:
        return self.monitor.series(node, seconds)

    def retry(self, node: str) -> None:
        """No sessions to reconnect."""


class BenchApp(ClusterApp):
    """The real app, timing each tick and measuring CPU after a warm-up."""

    # Textual reads a subclass's relative CSS paths from the subclass's own directory.
    CSS_PATH: ClassVar[list[str | PurePath]] = [Path(app_module.__file__).parent / path for path in ClusterApp.CSS_PATH]

    def __init__(self, source: FedSource, seconds: float) -> None:
        super().__init__(source, ThemeCatalog.load())
        self.bench_source = source
        self.seconds = seconds
        self.tick_ms: list[float] = []
        self.cpu: tuple[float, float] | None = None  # (process seconds, wall seconds)
        self.feed_seconds = 0.0
        self.measured = asyncio.Event()
        self.final_size = ""

    def tick(self) -> None:
        started = time.perf_counter()
        super().tick()
        self.tick_ms.append((time.perf_counter() - started) * 1000)

    def on_mount(self) -> None:
        # Textual also runs ClusterApp.on_mount (handlers run for each class in the MRO).
        self.set_timer(WARMUP, self._start_measuring)

    def _start_measuring(self) -> None:
        self.tick_ms.clear()
        self.bench_source.snapshot_ms.clear()
        feed = self.bench_source.feeder.cpu_seconds
        cpu, wall = time.process_time(), time.perf_counter()

        def done() -> None:
            self.cpu = (time.process_time() - cpu, time.perf_counter() - wall)
            self.feed_seconds = self.bench_source.feeder.cpu_seconds - feed
            self.final_size = f"{self.size.width}x{self.size.height}"
            self.measured.set()
            self.exit()

        self.set_timer(self.seconds, done)


def report(app: BenchApp, args: argparse.Namespace, mode: str) -> None:
    ticks, snaps = sorted(app.tick_ms), sorted(app.bench_source.snapshot_ms)
    assert app.cpu is not None, "the run ended before the measurement"
    cpu, wall = app.cpu
    p95 = ticks[int(0.95 * (len(ticks) - 1))]
    print(f"clustertui TUI bench: {args.nodes} nodes, {args.interval:g} s interval, {mode}, "
          f"{wall:.0f} s measured after {WARMUP:.0f} s warm-up, {len(ticks)} ticks")
    print(f"  tick (snapshot + apply): median {statistics.median(ticks):.1f} ms, p95 {p95:.1f} ms, "
          f"max {ticks[-1]:.1f} ms   (snapshot alone: median {statistics.median(snaps):.1f} ms)")
    print(f"  process CPU: {100 * cpu / wall:.1f} % of one core   (feeding samples: "
          f"{100 * app.feed_seconds / wall:.1f} %, UI and engine: {100 * (cpu - app.feed_seconds) / wall:.1f} %)")


async def headless(args: argparse.Namespace) -> BenchApp:
    app = BenchApp(FedSource(ClusterMonitor(synthetic_cluster(args.nodes, args.interval))), args.seconds)
    async with app.run_test(size=(args.width, args.height)):
        await app.measured.wait()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured time, after the warm-up")
    parser.add_argument("--width", type=int, default=200)
    parser.add_argument("--height", type=int, default=60)
    parser.add_argument("--terminal", action="store_true", help="draw in this terminal instead of headless")
    args = parser.parse_args()
    if args.terminal:
        app = BenchApp(FedSource(ClusterMonitor(synthetic_cluster(args.nodes, args.interval))), args.seconds)
        app.run()
        report(app, args, f"real terminal {app.final_size}")
    else:
        report(asyncio.run(headless(args)), args, f"headless {args.width}x{args.height}")


if __name__ == "__main__":
    main()
