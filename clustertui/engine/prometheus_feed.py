"""Node metrics from Prometheus (`source: {prometheus: URL}`), laid over the probe's samples.

Once per interval, one instant query per metric answers for the whole fleet
(probe/promql.py); the figures are kept per node.  Each SSH frame still arrives as before
(services, the chaos ledger, the watch: SSH stays for those), and `overlay` replaces its
CPU, memory, swap, load and network figures with the node's latest ones from Prometheus, so
the engine, history, TUI and reports take one kind of sample whichever the source.  When
Prometheus has nothing recent for a node (unreachable, slow, no series, labels that do not
match), the frame keeps the probe's own figures and carries `metrics_note` saying why: the
node never goes blank, and the SSH side never waits on an HTTP query (the feed is its own
task; `overlay` only reads a dict).  "Recent" is FRESH_INTERVALS: one answer without a node
(a scrape of its exporter failed, and Prometheus marked its series stale) keeps its last
figures, rather than switching its source, and telling so, for one tick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Callable

from clustertui.config import Cluster
from clustertui.config.metrics_source import PrometheusSource
from clustertui.engine.history import Point
from clustertui.probe.promql import Fleet, NodeMatcher, NodeMetrics, Queries, fold, range_points
from clustertui.probe.sample import MetricsOrigin, NodeSample
from clustertui.transport.prometheus import PrometheusApi, PrometheusError

#: Figures older than this many intervals (and at least 5 s) are not laid over a frame.
FRESH_INTERVALS = 3
#: Seconds of history asked for at start: the sparklines' minute and the detail charts' five.
BACKFILL_SECONDS = 300.0
#: The note before the first answer: not worth an event (every node has it at start).
PENDING = "no answer from prometheus yet"


class PrometheusFeed:
    def __init__(self, cluster: Cluster, source: PrometheusSource) -> None:
        self.source = source
        self.api = PrometheusApi(source.prometheus, source.timeout, tuple(source.headers.items()))
        self.nodes = [(node.name, node.host) for node in cluster.nodes]
        self.matcher = NodeMatcher(self.nodes, source.node_label)
        self.queries = Queries(source.selector, self.matcher.label, source.window)
        self.metrics: dict[str, NodeMetrics] = {}
        self.fetched: dict[str, float] = {}  # monotonic time of each node's figures
        self.notes: dict[str, str] = dict.fromkeys((name for name, _ in self.nodes), PENDING)
        self._told: dict[str, str] = {}  # per node: the note last reported in an event ("" for none)

    # -- polling -------------------------------------------------------------------------

    async def poll(self, at: float | None = None) -> Fleet:
        """One round: every instant query at once, for the whole fleet."""
        queries = self.queries.instant()
        at = time.time() if at is None else at
        outcomes = await asyncio.gather(*(self.api.query(q, at) for q in queries.values()), return_exceptions=True)
        answers, errors = {}, {}
        for key, outcome in zip(queries, outcomes, strict=True):
            if isinstance(outcome, PrometheusError):
                errors[key] = str(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                answers[key] = outcome
        fleet = fold(answers, self.matcher, self.nodes)
        now = time.monotonic()
        for name, figures in fleet.metrics.items():
            self.metrics[name], self.fetched[name] = figures, now
            self.notes.pop(name, None)
        down = self._down(errors)
        for name, why in fleet.missing.items():  # its figures stay laid over while fresh (overlay)
            self.notes[name] = down or f"prometheus {self.source.prometheus}: {why}"
        return fleet

    def _down(self, errors: dict[str, str]) -> str | None:
        """One line when every query failed (the server is down, slow, or not Prometheus)."""
        if errors and len(errors) == len(self.queries.instant()):
            reasons = list(dict.fromkeys(errors.values()))
            return f"prometheus {self.source.prometheus}: {'; '.join(reasons[:2])}"
        return None

    async def run(self, interval: Callable[[], float]) -> None:
        """Poll once per interval (the monitor's, which can change live), never overlapping."""
        while True:
            started = time.monotonic()
            try:
                await self.poll()
            except Exception as exc:  # a bug must not end the figures silently: every node says it
                why = f"prometheus {self.source.prometheus}: {type(exc).__name__}: {exc}"
                self.metrics.clear()
                self.notes = dict.fromkeys((name for name, _ in self.nodes), why)
            await asyncio.sleep(max(0.0, interval() - (time.monotonic() - started)))

    # -- the samples ---------------------------------------------------------------------

    def overlay(self, node: str, sample: NodeSample, interval: float) -> NodeSample:
        """The frame with the node's Prometheus figures, or with why there are none."""
        figures = self.metrics.get(node)
        fresh = max(5.0, FRESH_INTERVALS * interval)
        if figures is None or time.monotonic() - self.fetched.get(node, -math.inf) > fresh:
            note = self.notes.get(node) or f"no figures from prometheus for {fresh:.0f}s"
            return dataclasses.replace(sample, metrics_note=note)
        return dataclasses.replace(
            sample,
            cpu=figures.cpu,
            cores=figures.cores,
            cpu_count=len(figures.cores) or sample.cpu_count,
            load1=figures.load1,
            load5=figures.load5,
            load15=figures.load15,
            mem_total=figures.mem_total,
            mem_available=figures.mem_available,
            mem_percent=figures.mem_percent,
            swap_total=figures.swap_total,
            swap_used=figures.swap_used,
            net=figures.net,
            metrics=MetricsOrigin.PROMETHEUS,
        )

    def change(self, node: str, sample: NodeSample) -> str | None:
        """What to tell when the node's figures switch source (an event's text), else None:
        falling back to the probe, with why, and coming back; not the first answer."""
        note = sample.metrics_note
        if note in (PENDING, self._told.get(node, "")):
            return None
        self._told[node] = note
        return f"figures from the probe: {note}" if note else "figures from prometheus again"

    # -- history at start ----------------------------------------------------------------

    async def history(self, seconds: float, step: float) -> dict[str, list[Point]]:
        """The last `seconds` of each node's charted series from Prometheus, at `step`
        (one range query per series); {} when the server cannot say."""
        end = time.time()
        step = max(step, seconds / 10_000)  # Prometheus answers at most 11,000 points a series
        queries = self.queries.history()
        outcomes = await asyncio.gather(
            *(self.api.query_range(q, end - seconds, end, step) for q in queries.values()), return_exceptions=True)
        series: dict[str, dict[str, dict[float, float]]] = {}
        for key, outcome in zip(queries, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, PrometheusError):
                    raise outcome
                continue
            series[key] = range_points(outcome, self.matcher)
        out: dict[str, list[Point]] = {}
        for name, _ in self.nodes:
            mem, cpu, load1, rx, tx = (series.get(key, {}).get(name, {}) for key in ("mem", "cpu", "load1", "rx", "tx"))
            points = [Point(t=t, cpu=cpu.get(t), mem=min(100.0, mem[t]), load1=load1.get(t, 0.0), rx=rx.get(t, 0.0),
                            tx=tx.get(t, 0.0)) for t in sorted(mem)]
            if points:
                out[name] = points
        return out
