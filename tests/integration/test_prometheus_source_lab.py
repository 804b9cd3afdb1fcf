"""`source: {prometheus: URL}` on the lab: node_exporter through the lab's Prometheus and the
SSH probe describe the same nodes (issue 15 item 3).

Two monitors watch the lab at once, one per source (sample_clusters/lab.yaml and
lab-prometheus.yaml), while a cpu-hog keeps one node busy; over the same seconds, each
node's mean CPU and memory from the two sources agree within 2 points.  Both read the
node's own /proc (LXCFS's view, docs/lab.md), so they describe the same thing.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.probe.sample import MetricsOrigin, NodeSample
from tests.support.cli import run_cli
from tests.support.paths import LAB_FILE

pytestmark = pytest.mark.lab

PROMETHEUS_FILE = LAB_FILE.with_name("lab-prometheus.yaml")
HOGGED = "web2"
WINDOW = 10.0  # seconds compared
TOLERANCE = 2.0  # points of CPU % and memory %


def _means(samples: list[tuple[float, NodeSample]], start: float, end: float) -> tuple[float, float]:
    kept = [s for t, s in samples if start <= t <= end and s.cpu is not None]
    assert len(kept) >= WINDOW - 2, f"only {len(kept)} samples in {WINDOW:g}s"
    return statistics.fmean(s.cpu.percent for s in kept if s.cpu), statistics.fmean(s.mem_percent for s in kept)


async def test_prometheus_and_the_probe_agree_on_cpu_and_memory(lab) -> None:
    hog = run_cli("chaos", str(LAB_FILE), "apply", "cpu-hog", "--node", HOGGED, "--cores", "1", "--ttl", "60s", "--yes")
    assert hog.returncode == 0, hog.stderr
    seen: dict[str, dict[str, list[tuple[float, NodeSample]]]] = {"probe": defaultdict(list), "prom": defaultdict(list)}
    probe, prom = ClusterMonitor(load_cluster(LAB_FILE)), ClusterMonitor(load_cluster(PROMETHEUS_FILE))
    probe.on_sample(lambda node, sample: seen["probe"][node].append((sample.t, sample)))
    prom.on_sample(lambda node, sample: seen["prom"][node].append((sample.t, sample)))
    try:
        await asyncio.gather(probe.start(), prom.start())
        deadline = time.monotonic() + 30
        while not all(seen["prom"][n] and seen["prom"][n][-1][1].metrics is MetricsOrigin.PROMETHEUS
                      and seen["probe"][n] for n in prom.nodes):
            assert time.monotonic() < deadline, {n: s[-1][1].metrics_note for n, s in seen["prom"].items() if s}
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # the hog's rate is in both sources' windows by now
        start = time.time()
        await asyncio.sleep(WINDOW)
        end = time.time()
    finally:
        await asyncio.gather(probe.stop(), prom.stop())
        revert = run_cli("chaos", str(LAB_FILE), "revert", "--all")
    assert revert.returncode == 0, revert.stderr
    notes = {n: s.metrics_note for n, entries in seen["prom"].items() for _, s in entries[-1:] if s.metrics_note}
    assert not notes, notes
    report = {}
    for node in prom.nodes:
        (cpu_ssh, mem_ssh), (cpu_prom, mem_prom) = (_means(seen[k][node], start, end) for k in ("probe", "prom"))
        report[node] = (round(cpu_ssh, 1), round(cpu_prom, 1), round(mem_ssh, 2), round(mem_prom, 2))
    print("node: cpu ssh/prometheus, memory ssh/prometheus", report)
    # A hog on one of two cores of a shared 2-core host: busy, though not always 50 %.
    assert report[HOGGED][0] > 10 and report[HOGGED][1] > 10, f"the hog does not show: {report}"
    for node, (cpu_ssh, cpu_prom, mem_ssh, mem_prom) in report.items():
        assert abs(cpu_ssh - cpu_prom) <= TOLERANCE, f"{node}: CPU {cpu_ssh} by SSH, {cpu_prom} by Prometheus"
        assert abs(mem_ssh - mem_prom) <= TOLERANCE, f"{node}: memory {mem_ssh} by SSH, {mem_prom} by Prometheus"
