"""The controller at 1,000 to 5,000 nodes: a simulated SSH fleet on loopback, the real path.

    .venv/bin/python bench/fleet.py --nodes 1000,2000,5000 [--seconds 10] [--interval 1] [--tui]

For each N, a simulated fleet (tests/support/fleet.py) serves N SSH nodes on 127.1.x.y, from
processes of its own, answering the real probe command with synthetic frames in its grammar
at the interval (no fork per frame).  This process is the controller: the real
ClusterMonitor (pool, SSH crypto, frame parsing, history, service judgement, events), and
with `--tui` the real app on it (App.run_test, headless, 200x60), so the figures are the
controller's own process times; the fleet's CPU is printed beside, never counted.

Per N it prints, last:
    fleet N=<n>: <us> us/node-sample, <pct>% of a core, <mb> MB RSS, connect <s> s, samples <got>/<due>
- us/node-sample: the controller's user + system CPU over the steady window / samples got;
- % of a core: that CPU over the window's wall time;
- MB RSS: the controller's resident memory at the end of the window;
- connect: from start until every node delivered its first sample;
- samples: got in the window / due (N x window / interval).  Below due, one interval
  cannot be met: the knee.
`--tui` adds before it: tui N=<n>: tick median/p95/max ms over the window's ticks.
`--profile FILE` writes a cProfile of the steady window (engine only).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from clustertui.config import load_cluster  # noqa: E402
from clustertui.engine.monitor import ClusterMonitor  # noqa: E402
from tests.support.fleet import Fleet  # noqa: E402

CONNECT_LIMIT = 600.0  # seconds: past this, the run reports how many connected


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Measure:
    nodes: int
    interval: float
    seconds: float
    connect: float = 0.0
    connected: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    got: int = 0
    rss_mb: float = 0.0
    fleet_cpu: float = 0.0
    ticks_ms: list[float] = field(default_factory=list)

    @property
    def due(self) -> int:
        return round(self.nodes * self.seconds / self.interval)

    def lines(self) -> list[str]:
        out = [f"  fleet processes: {self.fleet_cpu / max(self.wall, 1e-9) * 100:.0f}% of a core (not counted); "
               f"{self.connected}/{self.nodes} nodes connected"]
        if self.ticks_ms:
            ticks = sorted(self.ticks_ms)
            out.append(f"tui N={self.nodes}: tick median {statistics.median(ticks):.1f} ms, "
                       f"p95 {ticks[int(0.95 * (len(ticks) - 1))]:.1f} ms, max {ticks[-1]:.1f} ms "
                       f"({len(ticks)} ticks, 200x60)")
        us = self.cpu / max(self.got, 1) * 1e6
        out.append(f"fleet N={self.nodes}: {us:.0f} us/node-sample, {100 * self.cpu / self.wall:.0f}% of a core, "
                   f"{self.rss_mb:.0f} MB RSS, connect {self.connect:.1f} s, samples {self.got}/{self.due}")
        return out


async def steady(monitor: ClusterMonitor, result: Measure, fleet: Fleet, profile: Path | None,
                 ticks: list[float] | None = None) -> None:
    """Wait until every node delivered a sample, settle, then measure one window."""
    samples = 0

    def count(_node: str, _sample: object) -> None:
        nonlocal samples
        samples += 1

    monitor.on_sample(count)
    started = time.monotonic()
    while time.monotonic() - started < CONNECT_LIMIT:
        result.connected = sum(1 for status in monitor.nodes.values() if status.samples)
        if result.connected == result.nodes:
            break
        await asyncio.sleep(0.05)
    result.connect = time.monotonic() - started
    await asyncio.sleep(2 * result.interval)  # every stream past its first, rate-less frame
    if ticks is not None:
        ticks.clear()
    profiler = cProfile.Profile() if profile else None
    cpu0, wall0, samples0, fleet0 = cpu_self(), time.monotonic(), samples, fleet.cpu_seconds()
    if profiler:
        profiler.enable()
    await asyncio.sleep(result.seconds)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    result.cpu, result.wall = cpu_self() - cpu0, time.monotonic() - wall0
    result.got = samples - samples0
    result.fleet_cpu = fleet.cpu_seconds() - fleet0
    result.rss_mb = psutil.Process().memory_info().rss / 2**20


async def engine_only(cluster_file: Path, result: Measure, fleet: Fleet, profile: Path | None) -> None:
    monitor = ClusterMonitor(load_cluster(cluster_file), interval=result.interval)
    await monitor.start()
    try:
        await steady(monitor, result, fleet, profile)
    finally:
        await monitor.stop()


async def with_tui(cluster_file: Path, result: Measure, fleet: Fleet, profile: Path | None) -> None:
    from clustertui.tui.launch import build_app

    app = build_app(load_cluster(cluster_file), interval=result.interval, record=False)
    tick: Callable[[], None] = app.tick

    def timed_tick() -> None:
        started = time.perf_counter()
        tick()
        result.ticks_ms.append((time.perf_counter() - started) * 1000)

    app.tick = timed_tick  # type: ignore[method-assign]
    async with app.run_test(size=(200, 60)):
        monitor = app.source.monitor  # type: ignore[attr-defined]
        await steady(monitor, result, fleet, profile, result.ticks_ms)


def run(nodes: int, args: argparse.Namespace) -> Measure:
    result = Measure(nodes, args.interval, args.seconds)
    with tempfile.TemporaryDirectory(prefix="clustertui-fleet-") as tmp, Fleet(Path(tmp), nodes,
                                                                             args.fleet_processes) as fleet:
        cluster_file = fleet.cluster_file(Path(tmp) / "fleet.yaml", interval=f"{args.interval:g}s")
        profile = Path(f"{args.profile}.{nodes}") if args.profile else None
        measure = with_tui if args.tui else engine_only
        asyncio.run(measure(cluster_file, result, fleet, profile))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", default="1000", help="N, or a list: 1000,2000,5000")
    parser.add_argument("--seconds", type=float, default=10.0, help="the steady window measured")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--tui", action="store_true", help="run the real app (headless) on the monitor")
    parser.add_argument("--fleet-processes", type=int, default=0, help="serving processes (default: 1 per 1,250 nodes)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the window into FILE.<N>")
    args = parser.parse_args()
    load = psutil.getloadavg()
    print(f"bench/fleet.py: load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {psutil.cpu_count()} cores",
          flush=True)
    for nodes in (int(n) for n in args.nodes.split(",")):
        for line in run(nodes, args).lines():
            print(line, flush=True)


if __name__ == "__main__":
    main()
