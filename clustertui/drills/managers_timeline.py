"""The cluster's side of a drill's timeline: its managers read often, their changes timed.

The monitor reads the managers once per interval (1 s in the lab), which would time a
reaction to a second; the lab's reactions take 2-4 s (HAProxy `inter 1s fall 2`, keepalived
`interval 1 fall 2`, Sentinel `down-after-milliseconds 1500`), so a drill reads them every
`EVERY` (250 ms) from its steady state to the end of its recovery: a change is timed to
within 250 ms, a tenth of the fastest reaction, and the drill's own detection (~50-100 ms,
docs/performance.md) stays comparable to it.  The cost, measured with
`bench/managers_cost.py --interval 0.25`, is in docs/performance.md ("The managers'
timeline in a drill"): the lab's three managers cost about 3 % of one controller core
and under 2 % of a core on lb1 and lb2 while a drill runs (keepalived's `ip` fork is most
of it), and nothing outside drills.

Each manager is read in a task of its own on the monitor's pooled connections, one read at
a time (a read that takes longer than the cadence delays the next, never overlaps it),
each member within the manager's own deadline; nodes the monitor sees down are not tried.
Reads become facts and changes (managers/changes.py), kept with their read's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from clustertui.config import Cluster, Manager
from clustertui.drills.result import TimelineReads
from clustertui.managers.changes import Fact, ManagerEvent, facts, fold, routed
from clustertui.managers.read import read_manager
from clustertui.transport.pool import ConnectionPool

#: Seconds between two reads of a manager during a drill (see the module's docstring).
EVERY = 0.25


@dataclass(frozen=True, slots=True)
class ManagersRecord:
    """What the timeline hands the verdict: the changes, how they were read, and, per
    haproxy manager, the balancers that routed to the target before the fault."""

    events: tuple[ManagerEvent, ...]
    reads: TimelineReads | None
    routing: dict[str, tuple[str, ...]]


class ManagersTimeline:
    def __init__(
        self, cluster: Cluster, pool: ConnectionPool, every: float = EVERY,
        unavailable: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        """`unavailable()`: the nodes not to try now (node -> why), the monitor's view."""
        self.cluster = cluster
        self.pool = pool
        self.every = every
        self.events: list[ManagerEvent] = []
        self.first: dict[tuple[str, str, str, str], Fact] = {}  # each fact as first read
        self.latest: dict[tuple[str, str, str, str], Fact] = {}
        self._unavailable = unavailable
        self._tasks: list[asyncio.Task[None]] = []
        self._reads = 0
        self._failed = 0
        self._ms: list[float] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(m), name=f"timeline {m.name}")
                       for m in self.cluster.managers.values()]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def stats(self) -> TimelineReads | None:
        """None when the cluster has no managers (nothing was read)."""
        if not self.cluster.managers:
            return None
        ms = sorted(self._ms)
        return TimelineReads(self.every, self._reads, self._failed, ms[len(ms) // 2] if ms else None)

    def record_for(self, target: str) -> ManagersRecord:
        """Everything read so far, judged against `target`."""
        routing = {name: routed(self.first, name, target) for name in self.cluster.managers}
        return ManagersRecord(tuple(self.events), self.stats(), routing)

    async def _loop(self, manager: Manager) -> None:
        while True:
            started = time.monotonic()
            try:
                view = await read_manager(manager, self.cluster, self.pool, self.cluster.interval,
                                          dict(self._unavailable()))
            except asyncio.CancelledError:
                raise
            except Exception:  # an adapter bug: the monitor's own watch reports it; the timeline goes on
                view = None
            if view is not None:
                self.record(facts(manager.name, view))
                self._reads += 1
                self._failed += sum(1 for r in view.reads if not r.ok)
                self._ms += [r.ms for r in view.reads if r.ms is not None]
            await asyncio.sleep(max(0.0, self.every - (time.monotonic() - started)))

    def record(self, read: list[Fact]) -> None:
        """Fold one read's facts in: their changes join `events`."""
        for fact in read:
            self.first.setdefault(fact.key, fact)
        self.events += fold(self.latest, read)
