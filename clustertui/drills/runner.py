"""The drill runner: steady state, traffic, fault, hold, revert, recovery, verdict.

The revert always happens: the fault is reverted in a `finally` (Ctrl-C and errors
included), the chaos session reverts whatever it applied when it closes, and the node's own
dead-man timer reverts it at its TTL if clustertui dies before either.  A stop condition
(`abort_when:`, drills/stopguard.py) that trips ends the hold at once: the same revert, as
an abort, and the verdict `aborted` with the condition.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from clustertui.chaos import ChaosError, ChaosSession, FaultRequest, RevertReason
from clustertui.config import Cluster, Drill
from clustertui.config.scalars import DRILL_TTL_MARGIN
from clustertui.drills.fault_clock import fault_instants
from clustertui.drills.managers_timeline import ManagersTimeline
from clustertui.drills.measure import BUCKET, buckets
from clustertui.drills.result import DrillResult, ProbeRecord, Verdict
from clustertui.drills.stopguard import StopGuard
from clustertui.drills.stops import Breach
from clustertui.drills.target import TargetError, resolve_target
from clustertui.drills.traffic import TrafficProbe, success_ratio
from clustertui.drills.verdict import RunState, verdict
from clustertui.engine.events import Event
from clustertui.engine.managers_watch import unavailable
from clustertui.engine.monitor import ClusterMonitor
from clustertui.managers.changes import ManagerEvent
from clustertui.transport.ssh import SSHTarget

STEADY_SECONDS = 3.0  # traffic measured before the fault, against steady_state.min_success
CONNECT_WAIT = 20.0  # for every node to leave `connecting` and services to be judged
RECOVERY_MIN, RECOVERY_SETTLE = 10.0, 2.0


class Aborted(Exception):
    """The drill cannot run (steady state missing, target unknown, fault refused)."""


class Stage(StrEnum):
    """Where a running drill is, in order (what the live panel and the CLI show)."""

    STARTING = "starting"
    CONNECTING = "connecting"
    STEADY = "steady"
    RESOLVING = "resolving target"
    INJECTING = "injecting"
    FAULT = "fault"
    REVERTING = "reverting"
    RECOVERY = "recovery"


@dataclass
class Progress:
    """What a live drill panel shows; updated by the runner as it goes."""

    phase: Stage = Stage.STARTING
    phase_ends: float | None = None  # epoch seconds, for a countdown
    target: str | None = None
    fault_id: str | None = None
    errors: list[str] = field(default_factory=list)
    verdict: Verdict | None = None
    acted: float | None = None  # the fault acted on the node (our clock); None: not yet, or unknown
    verified: float | None = None  # ... and was verified
    manager_events: list[ManagerEvent] = field(default_factory=list)  # the managers' changes, live


class DrillRunner:
    def __init__(
        self,
        cluster: Cluster,
        drill: Drill,
        monitor: ClusterMonitor,
        chaos: ChaosSession,
        rng: random.Random | None = None,
        on_change: Callable[[Progress], None] | None = None,
        stop: asyncio.Event | None = None,
        ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`ready`, when given, is awaited after the steady state held and before the target
        is resolved: the start line of drills run in parallel (a game day's group or ramp), so
        that no drill's fault breaks another's steady state; it raises Aborted to abort."""
        self.cluster = cluster
        self.drill = drill
        self.monitor = monitor
        self.chaos = chaos
        self.rng = rng or random.Random()
        self.progress = Progress()
        self._on_change = on_change
        self.probes = [TrafficProbe(t) for t in drill.traffic]
        self._events: list[Event] = []
        self._stop = stop or asyncio.Event()
        self._ready = ready
        self.timeline = ManagersTimeline(cluster, monitor.pool, unavailable=lambda: unavailable(monitor))
        self.progress.manager_events = self.timeline.events  # the same list: the panel sees it grow
        monitor.on_event(self._events.append)

    async def _sleep(self, seconds: float, tripped: asyncio.Event | None = None) -> None:
        """Sleep, unless the operator stops the drill (Ctrl-C): then abort, which reverts.
        A stop condition that trips (`tripped`) ends the sleep early."""
        waits = [asyncio.ensure_future(event.wait()) for event in (self._stop, tripped) if event is not None]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        if self._stop.is_set():
            raise Aborted("interrupted by the operator")

    # -- live view ---------------------------------------------------------------------

    def _phase(self, name: Stage, seconds: float | None = None) -> None:
        self.progress.phase = name
        self.progress.phase_ends = None if seconds is None else time.time() + seconds
        if self._on_change:
            self._on_change(self.progress)

    def _error(self, text: str) -> None:
        self.progress.errors.append(text)
        if self._on_change:
            self._on_change(self.progress)

    def recent_success(self, seconds: float = 30.0) -> list[float | None]:
        """Traffic success per 100 ms over the last `seconds`, for a sparkline."""
        now = time.time()
        requests = [r for probe in self.probes for r in probe.requests]
        return [b.success for b in buckets(requests, now - seconds, now)]

    # -- the run -----------------------------------------------------------------------

    async def run(self) -> DrillResult:
        started = time.time()
        traffic: list[asyncio.Task[None]] = []
        state = RunState(started=started)
        try:
            await self._wait_for_nodes()
            self.timeline.start()
            traffic = [asyncio.create_task(p.run(), name=f"traffic {p.label}") for p in self.probes]
            self._phase(Stage.STEADY, STEADY_SECONDS)
            await self._sleep(STEADY_SECONDS)
            state.steady_success = self._check_steady_state(started)
            if self._ready is not None:
                await self._ready()
            target = await self._resolve()
            state.target = target
            await self._fault_and_recover(target, state)
        except Aborted as exc:
            state.aborted = str(exc)
        except ChaosError as exc:
            state.aborted = f"chaos refused: {exc}"
        finally:
            for task in traffic:
                task.cancel()
            await asyncio.gather(*traffic, return_exceptions=True)
            await self.timeline.stop()
            state.managers = self.timeline.record_for(state.target or "")
            self.monitor.off_event(self._events.append)
        return self._result(state)

    async def _wait_for_nodes(self) -> None:
        self._phase(Stage.CONNECTING, CONNECT_WAIT)
        await self.monitor.settled(CONNECT_WAIT, self._stop)

    def _check_steady_state(self, since: float) -> float | None:
        steady = self.drill.steady_state
        health = self.monitor.health()
        if steady.quorum and not health.quorum.holds:
            raise Aborted(f"steady state does not hold: {health.quorum.describe()}")
        for service, needed in steady.services.items():
            running = health.services[service].up
            if running < needed:
                raise Aborted(f"steady state does not hold: {service} runs on {running} node(s), needs {needed}")
        ratios = [success_ratio(p.requests, since, time.time()) for p in self.probes]
        for probe, (ratio, _sent) in zip(self.probes, ratios, strict=True):
            if ratio is None:  # nothing sent in the window
                raise Aborted(f"steady state: no traffic was sent to {probe.label}")
            if ratio < steady.min_success:
                raise Aborted(f"steady state does not hold: {probe.label} succeeded {ratio:.1%}, "
                              f"needs {steady.min_success:.1%}")
        measured = [r for r, _ in ratios if r is not None]
        return min(measured) if measured else None

    async def _resolve(self) -> str:
        self._phase(Stage.RESOLVING)
        try:
            target = await resolve_target(self.cluster, self.drill.target, self.monitor.pool, self.rng)
        except TargetError as exc:
            raise Aborted(f"target: {exc}") from None
        self.progress.target = target
        return target

    async def _fault_and_recover(self, target: str, state: RunState) -> None:
        drill = self.drill
        request = FaultRequest.from_drill(drill.fault, target, ttl=drill.hold + DRILL_TTL_MARGIN)
        self._phase(Stage.INJECTING)
        plan = await self.chaos.plan(request)
        state.plan = plan
        self.progress.fault_id = plan.id
        state.clock = await self.monitor.pool.clock(SSHTarget.from_node(self.cluster.node(target)))
        guard = StopGuard(drill.abort_when, self.monitor, self.probes, target, on_breach=self._breached)
        state.applying = time.time()
        guard.arm(state.applying)  # the fault may act from here
        if guard.breach is not None:  # a condition that holds already: nothing is applied
            await guard.disarm()
            raise Aborted(f"not applied: {guard.breach.reason()}")
        try:
            outcome = await self.chaos.apply(plan)
            if not outcome.ok:
                raise Aborted(f"the fault was not applied: {outcome.result}")
            state.t_action, state.t_fault = fault_instants(outcome.instants, state.clock, state.applying, time.time())
            self.progress.acted, self.progress.verified = state.t_action, state.t_fault
            self._phase(Stage.FAULT, drill.hold)
            await self._sleep(drill.hold, guard.tripped)
            state.target_down_at_revert = self.monitor.view(target).degraded
            state.down_seen_at = time.time()
        finally:
            await guard.disarm()
            state.breach = guard.breach
            self._phase(Stage.REVERTING)
            if state.breach is not None:
                revert = await asyncio.shield(self.chaos.stop(plan.id, state.breach.reason()))
            else:
                revert = await asyncio.shield(self.chaos.revert(plan.id, RevertReason.DRILL))
            state.t_revert = time.time()
            if not revert.ok:
                self._error(f"revert: {revert.result}")
                state.revert_failed = revert.result
        await self._observe_recovery(target, state)
        if self._stop.is_set():
            raise Aborted("interrupted by the operator during recovery; the fault was reverted")

    def _breached(self, breach: Breach) -> None:
        self._error(f"{breach.reason()}; reverting")

    async def _observe_recovery(self, target: str, state: RunState) -> None:
        limit = max(RECOVERY_MIN, 2 * (self.drill.expect.recover_within or 0.0))
        self._phase(Stage.RECOVERY, limit)
        deadline = time.monotonic() + limit
        settled_since = None
        while time.monotonic() < deadline and not self._stop.is_set():
            await asyncio.sleep(BUCKET)
            healthy = self.monitor.view(target).healthy
            now = time.time()
            ratios = [success_ratio(p.requests, now - 1.0, now)[0] for p in self.probes]
            traffic_ok = all(r is None or r >= self.drill.steady_state.min_success for r in ratios)
            if healthy and traffic_ok:
                settled_since = settled_since or time.monotonic()
                if time.monotonic() - settled_since >= RECOVERY_SETTLE:
                    break
            else:
                settled_since = None
        state.ended = time.time()

    # -- the verdict -------------------------------------------------------------------

    def _result(self, state: RunState) -> DrillResult:
        probes = [ProbeRecord(p.label, tuple(p.requests)) for p in self.probes]
        result = verdict(self.cluster, self.drill, state, probes, self._events, time.time())
        self.progress.verdict = result.verdict
        return result
