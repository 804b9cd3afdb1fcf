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
from clustertui.drills.result import Verdict
from clustertui.drills.runner import Aborted
from clustertui.drills.target import TargetError, resolve_target
from clustertui.engine.health import ClusterHealth

CHECK_POLL = 0.5  # seconds between looks at the engine's health while a check waits


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    reason: str = ""
    notes: tuple[str, ...] = ()


class Stopped(Exception):
    """The operator stopped the game day (Ctrl-C, esc, halt) or a stop condition tripped."""


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`; raise Stopped as soon as `stop` is set."""
    try:
        await asyncio.wait_for(stop.wait(), max(0.0, seconds))
    except TimeoutError:
        return
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


async def run_fault(
    cluster: Cluster,
    step: Step,
    chaos: ChaosSession,
    stop: asyncio.Event,
    rng: random.Random,
    on_phase: Callable[[str], None],
    ready: Callable[[], Awaitable[None]] | None = None,
) -> Outcome:
    """Resolve the target, apply the fault, hold it, revert it (always) and say how it went.

    `ready` (a parallel group's start line) is awaited once the target is known, before the
    fault is applied."""
    assert step.fault is not None and step.target is not None
    hold = step.fault_hold
    try:
        on_phase("resolving target")
        node = await resolve_target(cluster, step.target, chaos.chaos.pool, rng)
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
    interrupted = False
    try:
        outcome = await chaos.apply(plan)
        if not outcome.ok:
            return Outcome(Verdict.ABORTED, f"the fault was not applied: {outcome.result}", tuple(notes))
        on_phase(f"holding {plan.id} on {node} for {hold:g}s")
        try:
            await sleep_or_stop(stop, hold)
        except Stopped:
            interrupted = True
    finally:
        on_phase(f"reverting {plan.id}")
        revert = await asyncio.shield(chaos.revert(plan.id, RevertReason.DRILL))
    notes.append(f"revert: {revert.result}")
    if not revert.ok:
        return Outcome(Verdict.FAILED, f"the revert could not be verified: {revert.result}", tuple(notes))
    if interrupted:
        return Outcome(Verdict.ABORTED, "interrupted by the operator; the fault was reverted", tuple(notes))
    return Outcome(Verdict.PASSED, "", tuple(notes))
