"""What the app acts on the cluster through: faults, reverts, halt, status and drills.

Screens never call the chaos engine; the app does, in workers, through a `ChaosLink`.  It
adds to `Chaos` what the TUI needs: one fault on several nodes guarded as a whole, the
faults this session applied (reverted when it ends), drill runners on the app's own
monitor, and drill reports saved where the user can find them.  It imports no Textual, so
tests can drive it, or fake the `Chaos` under it, without a terminal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clustertui.chaos import (
    ApplyOutcome,
    Chaos,
    ChaosStatus,
    FaultPlan,
    FaultRequest,
    NodeAvailability,
    Refused,
    RevertOutcome,
)
from clustertui.chaos.audit import state_dir
from clustertui.chaos.guards import blast_radius, quorum
from clustertui.config import Cluster, Drill
from clustertui.drills.export import RENDERERS
from clustertui.drills.result import ABORTED, DrillResult
from clustertui.drills.runner import DrillRunner, Progress
from clustertui.engine.monitor import ClusterMonitor
from clustertui.report.writer import write_atomic

RunnerFactory = Callable[[Drill, Callable[[Progress], None], asyncio.Event], DrillRunner]


@dataclass
class DrillRun:
    """A drill started from the TUI: its runner while it runs, its result and report after."""

    drill: Drill
    runner: DrillRunner
    stop: asyncio.Event
    started: float = field(default_factory=time.time)
    result: DrillResult | None = None
    report: Path | None = None  # the HTML report (the JSON one sits next to it)
    report_error: str = ""

    @property
    def running(self) -> bool:
        return self.result is None


def aborted_result(cluster: Cluster, drill: Drill, started: float, reason: str) -> DrillResult:
    """The verdict of a drill that could not give one itself (its runner broke, or the app
    ended before it ran)."""
    return DrillResult(drill=drill.name, cluster=cluster.name, description=drill.description, verdict=ABORTED,
                       reason=reason, started=started, ended=time.time(), fault_kind=drill.fault.kind)


class ChaosLink:
    def __init__(
        self,
        cluster: Cluster,
        chaos: Chaos,
        new_runner: RunnerFactory,
        reports_dir: Path | None = None,
    ) -> None:
        self.cluster = cluster
        self.chaos = chaos
        self.new_runner = new_runner
        self.reports_dir = reports_dir or state_dir() / "drills"
        self.closed = False

    @classmethod
    def for_monitor(cls, cluster: Cluster, monitor: ClusterMonitor) -> ChaosLink:
        """Chaos on the monitor's verified connections (a fault costs a channel, not a key
        exchange), reverting this session's faults when it closes; drills on that monitor."""
        chaos = Chaos(cluster, revert_on_exit=True, pool=monitor.pool)

        def new_runner(drill: Drill, on_change: Callable[[Progress], None], stop: asyncio.Event) -> DrillRunner:
            return DrillRunner(cluster, drill, monitor, chaos, on_change=on_change, stop=stop)

        return cls(cluster, chaos, new_runner)

    # -- what the menus read -----------------------------------------------------------

    @property
    def mine(self) -> set[str]:
        """Fault ids this session applied and nobody has reverted yet."""
        return set(self.chaos.applied)

    @property
    def default_ttl(self) -> float:
        return self.cluster.chaos.default_ttl

    @property
    def drills(self) -> Mapping[str, Drill]:
        return self.cluster.drills

    async def availability(self) -> dict[str, NodeAvailability]:
        return await self.chaos.availability()

    # -- faults ------------------------------------------------------------------------

    async def plan(
        self,
        kind: str,
        nodes: list[str],
        params: Mapping[str, object],
        ttl: object,
        faulted: Collection[str] = (),
        reachable: Collection[str] = (),
    ) -> list[FaultPlan]:
        """One plan per node; raises InvalidInput or Refused (naming the node).

        The engine guards each plan against the nodes' ledgers, where the other selected
        nodes carry no fault yet; so for several nodes the blast radius and the quorum
        guard are checked here again with the earlier ones counted as faulted
        (`faulted`, `reachable`: what the app's latest snapshot says).
        """
        plans: list[FaultPlan] = []
        for index, node in enumerate(nodes):
            if index:
                counted = set(faulted) | set(nodes[:index])
                refusal = blast_radius(self.cluster, node, counted) or quorum(self.cluster, node, reachable, counted)
                if refusal is not None:
                    raise Refused(f"{node}: {refusal}")
            try:
                plans.append(await self.chaos.plan(FaultRequest(kind, node, dict(params), ttl)))
            except Refused as exc:
                raise Refused(f"{node}: {exc}" if len(nodes) > 1 else str(exc)) from None
        return plans

    async def apply(self, plans: Iterable[FaultPlan]) -> list[ApplyOutcome]:
        """Apply in order; stop at the first that did not apply (the rest stay unapplied)."""
        outcomes: list[ApplyOutcome] = []
        for plan in plans:
            outcome = await self.chaos.apply(plan)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    async def revert(self, fault_id: str) -> RevertOutcome:
        return await self.chaos.revert(fault_id, "manual")

    async def halt(self) -> list[RevertOutcome]:
        return await self.chaos.revert_all("halt")

    async def status(self) -> ChaosStatus:
        return await self.chaos.status()

    # -- drills ------------------------------------------------------------------------

    def start_drill(self, drill: Drill, on_change: Callable[[Progress], None]) -> DrillRun:
        stop = asyncio.Event()
        return DrillRun(drill, self.new_runner(drill, on_change, stop), stop)

    def save_report(self, result: DrillResult) -> Path:
        """Write the drill's HTML and JSON reports; returns the HTML one's path."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(result.started))
        paths = {suffix: self.reports_dir / f"{result.drill}-{stamp}{suffix}" for suffix in (".json", ".html")}
        for suffix, path in paths.items():
            write_atomic(path, RENDERERS[suffix](result))
        return paths[".html"]

    # -- the end -----------------------------------------------------------------------

    async def close(self) -> list[RevertOutcome]:
        """Revert what this session applied and nobody reverted yet, then close."""
        if self.closed:
            return []
        self.closed = True
        try:
            if not (self.chaos.revert_on_exit and self.chaos.applied):
                return []
            outcomes = {o.fault_id: o for o in await self.chaos.revert_own("exit")}
            if any(o.status == "unreachable" for o in outcomes.values()):
                # A borrowed connection may have dropped under the revert: once more, on a
                # fresh one, for what is still applied.
                outcomes.update({o.fault_id: o for o in await self.chaos.revert_own("exit")})
            return list(outcomes.values())
        finally:
            self.chaos.revert_on_exit = False  # reverted just above: closing must not try twice
            await self.chaos.close()

    def abandon(self) -> list[str]:
        """Quit now without reverting (a second `q` while reverts hang): the nodes' timers
        revert these at their TTL.  Returns the fault ids left behind."""
        self.chaos.revert_on_exit = False
        return sorted(self.chaos.applied)
