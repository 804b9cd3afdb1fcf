"""The exporter: an HTTP server (prometheus_client's, in its own thread) whose one collector
reads the engine at scrape time.

Nothing is updated per sample: a scrape asks the event loop for one immutable snapshot (the
engine's state is the loop's alone, so the scrape thread never reads it directly), waits at
most `SCRAPE_WAIT` for it, and turns it into families (families.py).  Besides, two slow
readers run on the loop: the nodes' freeze marks every `FREEZE_EVERY` seconds (one small
read per node, the one fact the probe's frames do not carry) and the drills' latest runs in
the history every `HISTORY_EVERY` seconds.

`Exporter.listen` binds first, before anything connects, so that a port in use is one line
and exit 3 rather than a monitor that runs unseen; `attach` then points it at a started
monitor, from the loop's own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR, CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from clustertui.chaos.freeze import FreezeMark
from clustertui.chaos.freezer import read_marks
from clustertui.engine.monitor import ClusterMonitor
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.history import HistoryError, HistoryStore, RunSummary, history_path
from clustertui.metrics.address import ListenAddress
from clustertui.metrics.board import DrillBoard, DrillMark
from clustertui.metrics.families import cluster_families, drill_families, freeze_families, node_families
from clustertui.transport.states import NodeState

SCRAPE_WAIT = 5.0  # seconds a scrape waits for the loop's snapshot; longer fails the scrape
FREEZE_EVERY = 30.0
HISTORY_EVERY = 30.0


class ListenError(Exception):
    """The exporter could not listen (port in use, address not local); one line, exit 3."""


@dataclass(frozen=True, slots=True)
class _Reading:
    snapshot: ClusterSnapshot
    frozen: Mapping[str, FreezeMark | None]


class _ClusterCollector(Collector):
    """Families of the attached monitor's state, built at scrape time."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def describe(self) -> list[Metric]:
        return []  # nothing to register up front: the series depend on the cluster

    def collect(self) -> Iterator[Metric]:
        reading = self.exporter.read()
        if reading is None:
            return
        snapshot = reading.snapshot
        yield from cluster_families(snapshot)
        yield from node_families(snapshot)
        yield from freeze_families(snapshot.name, reading.frozen)
        yield from drill_families(snapshot.name, self.exporter.board.marks())


class Exporter:
    def __init__(self, address: ListenAddress, server: WSGIServer, thread: threading.Thread,
                 registry: CollectorRegistry) -> None:
        self.address = address
        self.board = DrillBoard()
        self._server, self._thread, self.registry = server, thread, registry
        self._monitor: ClusterMonitor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._frozen: dict[str, FreezeMark | None] = {}  # node -> its freeze (None: not frozen), once read
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def listen(cls, address: ListenAddress) -> Exporter:
        """Serve /metrics on `address` from now on (before `attach`: the process's own series)."""
        registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)
        try:
            server, thread = start_http_server(address.port, address.bind_host, registry)
        except OSError as exc:  # in use, not an address of this machine, a name that does not resolve
            raise ListenError(f"--metrics {address.url().removesuffix('/metrics').removeprefix('http://')}: "
                              f"cannot listen: {exc.strerror or exc}") from None
        exporter = cls(address, server, thread, registry)
        registry.register(_ClusterCollector(exporter))
        return exporter

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the free one chosen for port 0)."""
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return self.address.url(self.port)

    def attach(self, monitor: ClusterMonitor, history: str | Path | None = None) -> None:
        """Export `monitor` (call on its loop, once it started); `history`: the database whose
        latest drill runs to show (the cluster's, as `history_path` finds it, unless given)."""
        self._monitor = monitor
        self._loop = asyncio.get_running_loop()
        if not monitor.local:  # this machine alone has no chaos, so no freeze mark to read
            self._tasks.append(asyncio.create_task(self._watch_freeze(monitor), name="metrics freeze"))
        path = history_path(monitor.cluster, history)
        self._tasks.append(asyncio.create_task(self._watch_history(monitor, path), name="metrics history"))

    async def close(self) -> None:
        """Stop serving, then the readers.  The server stops first, so that no scrape waits
        on a loop that is going away."""
        await asyncio.to_thread(self._shutdown)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- what a scrape reads (the server's thread) -------------------------------------------

    def read(self) -> _Reading | None:
        """The monitor's snapshot and the last freeze read, taken on the loop; None before
        `attach`.  Raises TimeoutError when the loop does not answer in SCRAPE_WAIT: the scrape
        fails (HTTP 500), which Prometheus records as the target being down."""
        loop, monitor = self._loop, self._monitor
        if loop is None or monitor is None:
            return None

        async def take() -> _Reading:
            return _Reading(monitor.snapshot(max_events=1), self._frozen)

        return asyncio.run_coroutine_threadsafe(take(), loop).result(SCRAPE_WAIT)

    # -- slow readers (the loop) ------------------------------------------------------------

    async def _watch_freeze(self, monitor: ClusterMonitor) -> None:
        """Read the nodes' freeze marks now and every FREEZE_EVERY; a node that could not be
        read (one that is not up) keeps its last known freeze: it holds on the node all the same."""
        while True:
            up = [view.name for view in monitor.snapshot(max_events=1).nodes if view.state is NodeState.UP]
            if up:
                marks = await read_marks(monitor.cluster, monitor.pool, up)
                self._frozen = {**self._frozen, **{node: marks.get(node) for node in up}}
            await asyncio.sleep(FREEZE_EVERY)

    async def _watch_history(self, monitor: ClusterMonitor, path: Path) -> None:
        """Post the newest recorded run of each drill now and every HISTORY_EVERY; a history
        that does not exist (yet) or cannot be read now is tried again next time."""
        while True:
            if path.exists():
                with contextlib.suppress(HistoryError, OSError):
                    for run in await asyncio.to_thread(_last_runs, path, monitor.cluster.name):
                        self.board.post(DrillMark.of_run(run))
            await asyncio.sleep(HISTORY_EVERY)


def _last_runs(path: Path, cluster: str) -> list[RunSummary]:
    with HistoryStore(path) as store:
        return list(store.last_runs(cluster).values())
