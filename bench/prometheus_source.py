"""The controller's cost per node-sample of `source: {prometheus: URL}`, at 1,000 nodes.

A simulated Prometheus HTTP API (tests/support/prometheus_api.py, in a process of its own so
that its CPU is not counted) answers the feed's queries for N node_exporter instances on
127.0.0.1.  The controller runs the real path once per interval: the feed's instant queries
for the whole fleet (HTTP, JSON, folding per node), then one probe frame per node through
`ClusterMonitor.node_sample` (the overlay, history, service judgement), as the SSH streams
deliver them.  It prints the controller's CPU per node-sample for the feed alone and for the
whole sample path, the wall time of a round of queries, and the answer sizes.  No node is
contacted: the SSH side's own cost is bench/collect.py's (and bench/fleet.py's).

    .venv/bin/python bench/prometheus_source.py [--nodes 1000] [--rounds 20] [--interval 1]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the simulator lives in tests/support

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.probe.promql import Queries
from clustertui.probe.sample import CpuBreakdown, MetricsOrigin, NodeSample
from tests.support.prometheus_api import Figures, PrometheusSim, serve


def _host(i: int) -> str:
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def _serve(nodes: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def main() -> None:
        instances = {f"{_host(i)}:9100": Figures(busy=float(i % 100)) for i in range(nodes)}
        async with serve(PrometheusSim(Queries("", "instance", 60.0), instances)) as url:
            ready.put(url)
            await asyncio.Event().wait()

    asyncio.run(main())


def _cluster(nodes: int, url: str, directory: Path):
    lines = ["name: bench", "type: majority", f"source: {{prometheus: \"{url}\", timeout: 10s}}", "nodes:"]
    lines += [f"  - {{name: n{i}, host: {_host(i)}}}" for i in range(nodes)]
    path = directory / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_cluster(path)


def _frame() -> NodeSample:
    return NodeSample(t=time.time(), uptime=1.0, cpu=CpuBreakdown(1, 1, 0, 0, 0), cores=(1.0,), cpu_count=1,
                      load1=0, load5=0, load15=0, mem_total=1, mem_available=1, mem_percent=0, swap_total=0,
                      swap_used=0, net=(), disks=(), psi_cpu=None, psi_io=None, psi_memory=None, processes=1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench(nodes: int, rounds: int, interval: float, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        monitor = ClusterMonitor(_cluster(nodes, url, Path(tmp)), interval=interval)
    feed = monitor.feed
    assert feed is not None
    await feed.poll()  # warm: connections, JSON decoder, first folding
    names = list(monitor.nodes)
    frame = _frame()
    feed_cpu = path_cpu = walls = 0.0
    for _ in range(rounds):
        started, cpu = time.monotonic(), _cpu()
        fleet = await feed.poll()
        polled = _cpu()
        for name in names:
            monitor.node_sample(name, frame)
        feed_cpu += polled - cpu
        path_cpu += _cpu() - polled
        walls += time.monotonic() - started
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
    assert len(fleet.metrics) == nodes, fleet.missing
    assert all(monitor.nodes[n].sample.metrics is MetricsOrigin.PROMETHEUS for n in names)  # type: ignore[union-attr]
    samples = nodes * rounds
    print(f"prometheus source N={nodes}: feed {feed_cpu / samples * 1e6:.0f} us/node-sample "
          f"(7 queries a round, {walls / rounds * 1000:.0f} ms wall a round), "
          f"overlay+fold {path_cpu / samples * 1e6:.0f} us/node-sample, "
          f"{(feed_cpu + path_cpu) / (rounds * interval) * 100:.1f}% of a core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(args.nodes, ready), daemon=True)
    server.start()
    try:
        asyncio.run(bench(args.nodes, args.rounds, args.interval, ready.get(timeout=60)))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
