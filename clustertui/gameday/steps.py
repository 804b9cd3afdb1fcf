"""The steps of a game day that are not drills: a fault held for a time, a wait, a check.

Each returns an `Outcome` (verdict, why, notes) and never raises for what the cluster does:
a refused fault is `aborted`, a check that never held is `failed`.  A fault is reverted in a
`finally`, shielded from cancellation, whatever ends the step (its hold, the operator's stop,
an error); the chaos session reverts it again on close if even that failed, and the node's
own timer is the backstop.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from clustertui.chaos import ChaosError, ChaosSession, FaultRequest, RevertReason
from clustertui.config import Cluster
from clustertui.config.scalars import DRILL_TTL_MARGIN
from clustertui.config.scenario import Check, Step
from clustertui.config.stops import StopCondition
from clustertui.drills.result import Verdict
from clustertui.drills.runner import Aborted
from clustertui.drills.stopguard import StopGuard
from clustertui.drills.target import TargetError, resolve_target
from clustertui.engine.health import ClusterHealth
from clustertui.engine.monitor import ClusterMonitor

CHECK_POLL = 0.5  # seconds between looks at the engine's health while a check waits


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    reason: str = ""
    notes: tuple[str, ...] = ()


class Stopped(Exception):
    """The operator stopped the game day (Ctrl-C, esc, halt) or a stop condition tripped."""


async def sleep_or_stop(stop: asyncio.Event, seconds: float, tripped: asyncio.Event | None = None) -> None:
    """Sleep `seconds`; raise Stopped as soon as `stop` (or `tripped`, a stop condition) is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in (stop, tripped) if event is not None]
    try:
        await asyncio.wait(waits, timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    if stop.is_set() or (tripped is not None and tripped.is_set()):
        raise Stopped


async def run_wait(seconds: float, stop: asyncio.Event) -> Outcome:
    try:
        await sleep_or_stop(stop, seconds)
    except Stopped:
        return Outcome(Verdict.ABORTED, "interrupted by the operator")
    return Outcome(Verdict.PASSED)


def check_problems(check: Check, health: ClusterHealth) -> list[str]:
    """What of `check` does not hold in `health` (empty: it holds)."""
    problems: list[str] = []
    if (check.quorum or check.healthy) and not health.quorum.holds:
        problems.append(health.quorum.describe())
    services = dict.fromkeys(health.services, 0) if check.healthy else {}
    services.update(check.services)
    for name, needed in services.items():
        have = health.services.get(name)
        if have is None:
            continue
        wanted = have.total if check.healthy and name not in check.services else needed
        if have.up < wanted:
            problems.append(f"{name} runs on {have.up} of {have.total} node(s), needs {wanted}")
    endpoints = list(health.endpoints) if check.healthy else list(check.endpoints)
    for name in endpoints:
        outcome = health.endpoints.get(name)
        if outcome is None:
            problems.append(f"endpoint {name} not checked yet")
        elif not outcome.ok:
            problems.append(f"endpoint {name} down: {outcome.describe()}")
    return problems


async def run_check(check: Check, health: Callable[[], ClusterHealth], stop: asyncio.Event) -> Outcome:
    """Wait up to `check.within` for the check to hold; it passes the first time it does."""
    deadline = time.monotonic() + check.within
    while True:
        problems = check_problems(check, health())
        if not problems:
            return Outcome(Verdict.PASSED)
        if time.monotonic() >= deadline:
            return Outcome(Verdict.FAILED, f"after {check.within:g}s: " + "; ".join(problems))
        try:
            await sleep_or_stop(stop, min(CHECK_POLL, deadline - time.monotonic()))
        except Stopped:
            return Outcome(Verdict.ABORTED, "interrupted by the operator; " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class FaultContext:
    """What a fault step acts through: the chaos session, the monitor its stop conditions
    watch (engine ones: a fault step has no traffic), the operator's stop."""

    cluster: Cluster
    chaos: ChaosSession
    monitor: ClusterMonitor
    stop: asyncio.Event
    rng: random.Random
    conditions: tuple[StopCondition, ...] = ()


async def run_fault(
    ctx: FaultContext,
    step: Step,
    on_phase: Callable[[str], None],
    ready: Callable[[], Awaitable[None]] | None = None,
) -> Outcome:
    """Resolve the target, apply the fault, hold it, revert it (always) and say how it went.

    `ready` (a parallel group's start line) is awaited once the target is known, before the
    fault is applied.  The stop conditions are armed from the apply to the revert, as a
    drill's are: one that holds already refuses the fault; one that trips ends the hold."""
    cluster, chaos, stop = ctx.cluster, ctx.chaos, ctx.stop
    assert step.fault is not None and step.target is not None
    hold = step.fault_hold
    try:
        on_phase("resolving target")
        node = await resolve_target(cluster, step.target, chaos.chaos.pool, ctx.rng)
        if ready is not None:
            await ready()
        request = FaultRequest.from_drill(step.fault, node, ttl=hold + DRILL_TTL_MARGIN)
        plan = await chaos.plan(request)
    except TargetError as exc:
        return Outcome(Verdict.ABORTED, f"target: {exc}")
    except ChaosError as exc:
        return Outcome(Verdict.ABORTED, f"chaos refused: {exc}")
    except Aborted as exc:  # the parallel group's start line broke
        return Outcome(Verdict.ABORTED, str(exc))
    on_phase(f"injecting on {node}")
    notes = [f"{plan.id}: {plan.summary}"]
    guard = StopGuard([c for c in ctx.conditions if not c.kind.needs_traffic], ctx.monitor, (), node)
    guard.arm()
    if guard.breach is not None:  # a condition that holds already: nothing is applied
        await guard.disarm()
        return Outcome(Verdict.ABORTED, f"not applied: {guard.breach.reason()}", tuple(notes))
    interrupted = False
    try:
        outcome = await chaos.apply(plan)
        if not outcome.ok:
            return Outcome(Verdict.ABORTED, f"the fault was not applied: {outcome.result}", tuple(notes))
        on_phase(f"holding {plan.id} on {node} for {hold:g}s")
        try:
            await sleep_or_stop(stop, hold, guard.tripped)
        except Stopped:
            interrupted = True
    finally:
        await guard.disarm()
        on_phase(f"reverting {plan.id}")
        breach = guard.breach
        revert = await asyncio.shield(chaos.stop(plan.id, breach.reason()) if breach is not None
                                      else chaos.revert(plan.id, RevertReason.DRILL))
    notes.append(f"revert: {revert.result}")
    if not revert.ok:
        return Outcome(Verdict.FAILED, f"the revert could not be verified: {revert.result}", tuple(notes))
    if breach is not None:
        return Outcome(Verdict.ABORTED, breach.reason(), tuple(notes))
    if interrupted:
        return Outcome(Verdict.ABORTED, "interrupted by the operator; the fault was reverted", tuple(notes))
    return Outcome(Verdict.PASSED, "", tuple(notes))
