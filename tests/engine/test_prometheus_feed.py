"""`source: {prometheus: URL}`: the feed against a simulated Prometheus API on 127.0.0.1.

What the feed makes of each answer (figures per node, by address or by label), and what a
node shows when Prometheus cannot say: down, slow, an API error, no series for a node,
labels that do not match, a target that is down.  The monitor takes the overlaid sample
through the same path as a probe frame (history, views).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.engine.prometheus_feed import PrometheusFeed
from clustertui.probe.sample import CpuBreakdown, MetricsOrigin, NodeSample
from tests.support.prometheus_api import Figures, PrometheusSim, serve

FILE = """
name: p
type: majority
nodes:
  - {{name: web1, host: 198.18.0.11}}
  - {{name: web2, host: 198.18.0.12}}
source: {{prometheus: "{url}", timeout: 500ms{extra}}}
"""


def cluster(tmp_path: Path, url: str, extra: str = ""):
    path = tmp_path / "c.yaml"
    path.write_text(FILE.format(url=url, extra=extra))
    return load_cluster(path)


def frame(t: float | None = None) -> NodeSample:
    """A probe frame with figures unlike the simulated ones (to see which source won)."""
    return NodeSample(t=t or time.time(), uptime=1.0, cpu=CpuBreakdown(90.0, 90.0, 0, 0, 0), cores=(90.0,),
                      cpu_count=1, load1=9.0, load5=9.0, load15=9.0, mem_total=1000, mem_available=100,
                      mem_percent=90.0, swap_total=0, swap_used=0, net=(), disks=(), psi_cpu=None, psi_io=None,
                      psi_memory=None, processes=10)


def sim_for(c, instances, **kw) -> PrometheusSim:
    feed = PrometheusFeed(c, c.metrics_source)
    return PrometheusSim(feed.queries, instances, **kw)


async def polled(c, sim: PrometheusSim) -> PrometheusFeed:
    async with serve(sim) as url:
        c = c.model_copy(update={"metrics_source": c.metrics_source.model_copy(update={"prometheus": url})})
        feed = PrometheusFeed(c, c.metrics_source)
        await feed.poll()
    return feed


async def test_figures_by_address_replace_the_frames_and_feed_history(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    sim = sim_for(c, {"198.18.0.11:9100": Figures(busy=30.0, iowait=10.0), "198.18.0.12:9100": Figures(busy=50.0)})
    async with serve(sim) as url:
        c = cluster(tmp_path, url)
        monitor = ClusterMonitor(c)
        assert monitor.feed is not None
        await monitor.feed.poll()
        assert len(sim.requests) == 7, "one query per metric for the whole fleet"
        for name in ("web1", "web2"):
            monitor.node_sample(name, frame())
    web1 = monitor.view("web1").sample
    assert web1 is not None and web1.metrics is MetricsOrigin.PROMETHEUS and web1.metrics_note == ""
    assert web1.cpu is not None and web1.cpu.percent == pytest.approx(30.0) and web1.cpu.iowait == pytest.approx(10.0)
    assert web1.cores == (pytest.approx(30.0), pytest.approx(30.0)) and web1.cpu_count == 2
    assert web1.mem_percent == pytest.approx(25.0) and web1.mem_total == 8 * 1024**3
    assert (web1.load1, web1.load15) == (0.5, 0.3) and web1.rx_bps == 1000.0 and web1.tx_bps == 500.0
    assert web1.processes == 10, "what Prometheus does not give stays the probe's"
    assert monitor.series("web2").cpu[-1] == pytest.approx(50.0)


async def test_node_label_maps_and_mismatched_labels_say_so(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1", ", node_label: node")
    sim = sim_for(c, {"a:9100": Figures(busy=10.0), "b:9100": Figures()}, labels={"a:9100": {"node": "web1"}})
    feed = await polled(c, sim)
    assert "web1" in feed.metrics and feed.metrics["web1"].cpu is not None
    note = feed.overlay("web2", frame(), 1.0).metrics_note
    assert 'no series with node="web2"' in note and "series lack the node label" in note


async def test_a_node_without_series_keeps_the_probes_figures_and_says_why(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    feed = await polled(c, sim_for(c, {"198.18.0.11:9100": Figures()}))
    sample = feed.overlay("web2", frame(), 1.0)
    assert sample.metrics is MetricsOrigin.PROBE and sample.cpu_percent == 90.0
    assert 'no series with instance="198.18.0.12:PORT"' in sample.metrics_note


async def test_a_target_that_is_down(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    feed = await polled(c, sim_for(c, {"198.18.0.11:9100": Figures(up=0.0), "198.18.0.12:9100": Figures()}))
    assert "target is down (up 0)" in feed.overlay("web1", frame(), 1.0).metrics_note
    assert feed.overlay("web2", frame(), 1.0).metrics is MetricsOrigin.PROMETHEUS


@pytest.mark.parametrize(("kw", "why"), [
    ({"delay": 2.0}, "no answer within 0.5s"),
    ({"fail": "parse error at char 3"}, "HTTP 400: parse error at char 3"),
])
async def test_slow_or_failing_server(tmp_path: Path, kw: dict, why: str) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    started = time.monotonic()
    feed = await polled(c, sim_for(c, {"198.18.0.11:9100": Figures()}, **kw))
    assert time.monotonic() - started < 1.9, "every query is bounded by the timeout"
    assert why in feed.overlay("web1", frame(), 1.0).metrics_note


async def test_unreachable_server_never_delays_the_frames(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")  # nothing listens on port 1
    monitor = ClusterMonitor(c)
    assert monitor.feed is not None
    await monitor.feed.poll()
    started = time.perf_counter()
    monitor.node_sample("web1", frame())
    assert time.perf_counter() - started < 0.05
    sample = monitor.view("web1").sample
    assert sample is not None and sample.cpu_percent == 90.0
    assert sample.metrics_note == "prometheus http://127.0.0.1:1: connection refused"


async def test_history_is_filled_from_prometheus_before_the_first_frame(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    sim = sim_for(c, {"198.18.0.11:9100": Figures(busy=40.0), "198.18.0.12:9100": Figures()})
    async with serve(sim) as url:
        monitor = ClusterMonitor(cluster(tmp_path, url))
        assert monitor.feed is not None
        monitor.node_sample("web1", frame())  # a frame that arrived before the backfill
        await monitor._backfill(monitor.feed)
    series = monitor.series("web1", seconds=600)
    assert len(series.cpu) > 250 and series.cpu[0] == pytest.approx(40.0) and series.cpu[-1] == 90.0
    assert list(series.times) == sorted(series.times)


async def test_bad_answers_are_skipped_never_raised(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    sim = sim_for(c, {"198.18.0.11:9100": Figures()})
    original = sim.vector

    def garbage(key: str) -> list:
        items = original(key)
        return [*items, {"metric": "x"}, {"metric": {"instance": "198.18.0.12:9100"}, "value": [0, "NaN"]},
                {"metric": {"instance": "198.18.0.12:9100", "__name__": "node_load1"}, "value": [0, "1e400"]}, 7]

    sim.vector = garbage  # type: ignore[method-assign]
    feed = await polled(c, sim)
    assert "web1" in feed.metrics and "web2" not in feed.metrics
    await asyncio.sleep(0)


async def test_a_switch_of_source_is_an_event_with_why(tmp_path: Path) -> None:
    c = cluster(tmp_path, "http://127.0.0.1:1")
    sim = sim_for(c, {"198.18.0.11:9100": Figures(), "198.18.0.12:9100": Figures()})
    async with serve(sim) as url:
        monitor = ClusterMonitor(cluster(tmp_path, url))
        assert monitor.feed is not None
        monitor.node_sample("web1", frame())  # before any answer: no event
        await monitor.feed.poll()
        monitor.node_sample("web1", frame())  # the first answer: no event either
        del sim.instances["198.18.0.11:9100"]
        await monitor.feed.poll()
        monitor.node_sample("web1", frame())  # one answer without it: its last figures, still fresh
        assert monitor.view("web1").sample.metrics is MetricsOrigin.PROMETHEUS
        monitor.feed.fetched["web1"] -= 10.0  # ... until they are older than FRESH_INTERVALS (5 s at least)
        monitor.node_sample("web1", frame())
        assert monitor.view("web1").sample.metrics is MetricsOrigin.PROBE
        monitor.node_sample("web1", frame())  # the same state: told once
        sim.instances["198.18.0.11:9100"] = Figures()
        await monitor.feed.poll()
        monitor.node_sample("web1", frame())
    events = [(e.kind, e.node, e.detail) for e in monitor.events if e.kind == "metrics"]
    assert events == [
        ("metrics", "web1", f'figures from the probe: prometheus {url}: no series with instance="198.18.0.11:PORT"'),
        ("metrics", "web1", "figures from prometheus again"),
    ]
