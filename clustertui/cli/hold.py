"""`chaos apply --hold [--abort-when COND]...`: keep a fault in the foreground, watched.

Without stop conditions the fault is held until its TTL or Ctrl-C/SIGTERM, or until the
node reverted it by itself (its lease ended while the session could not renew it, or
someone else reverted it: the renewal says so).  With them, a
monitor runs on the session's connections for the hold; the conditions that already hold
refuse the fault before it is applied (exit 3), and the first that trips while it is held
reverts it at once (exit 3, `aborted: stop condition ... at +N s`, and an `abort` record
in the audit log).  The conditions are those of a drill's `abort_when:` that need no
traffic (docs/chaos.md, "Stop conditions").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING

from clustertui.cli.chaos_output import say
from clustertui.cli.exits import USAGE, fail
from clustertui.cli.signals import stop_event

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from clustertui.chaos import ChaosSession, FaultPlan, RevertOutcome
    from clustertui.chaos.renewer import LeaseRenewer
    from clustertui.config import Cluster
    from clustertui.config.stops import StopCondition
    from clustertui.drills.stops import Breach
    from clustertui.engine.monitor import ClusterMonitor

CONNECT_WAIT = 20.0  # for the monitor's nodes to connect before the fault is applied


def check_lease(lease: float | None, hold: bool, ttl: float) -> None:
    """`--lease`: only with --hold, within bounds, shorter than the fault's TTL; else exit 2."""
    from clustertui.config.scalars import lease_problem

    if lease is None:
        return
    problem = "needs --hold (a fault left to its TTL has no lease)" if not hold else lease_problem(lease)
    if problem is None and lease >= ttl:
        problem = f"expected a lease shorter than the TTL ({ttl:g}s), found {lease:g}s"
    if problem is not None:
        fail(f"--lease: {problem}", USAGE)


def parse_abort_when(values: Sequence[str], cluster: Cluster, hold: bool) -> list[StopCondition]:
    """The `--abort-when` options as conditions; a bad one exits 2 with one line."""
    from clustertui.config.stop_text import StopTextError, parse_stop_text
    from clustertui.config.stops import reference_problem

    if values and not hold:
        fail("--abort-when needs --hold (without it nothing watches the fault after the command ends)", USAGE)
    known = {"node": [n.name for n in cluster.nodes], "service": list(cluster.services),
             "endpoint": list(cluster.endpoints)}
    conditions: list[StopCondition] = []
    for value in values:
        try:
            parsed = parse_stop_text(value)
        except StopTextError as exc:
            fail(f"--abort-when {value!r}: {exc}", USAGE)
        for condition in parsed:
            if condition.kind.needs_traffic:
                fail(f"--abort-when {value!r}: {condition.kind} is measured on a drill's traffic, and chaos apply "
                     "--hold sends none (use endpoint_down or command_fails)", USAGE)
            problem = reference_problem(condition, known)
            if problem is not None:
                fail(f"--abort-when {value!r}: {problem[0]}: {problem[1]}", USAGE)
        conditions += parsed
    return conditions


def watching(cluster: Cluster, session: ChaosSession, conditions: Sequence[StopCondition]
             ) -> AbstractAsyncContextManager[ClusterMonitor | None]:
    """A monitor on the session's connections while the command runs (None: no conditions)."""
    if not conditions:
        return nullcontext()
    return _monitor(cluster, session)


@asynccontextmanager
async def _monitor(cluster: Cluster, session: ChaosSession) -> AsyncIterator[ClusterMonitor]:
    from clustertui.engine.monitor import ClusterMonitor

    monitor = ClusterMonitor(cluster, pool=session.chaos.pool)
    await monitor.start()
    try:
        await monitor.settled(CONNECT_WAIT)
        yield monitor
    finally:
        await monitor.stop()


def holding_already(monitor: ClusterMonitor | None, conditions: Sequence[StopCondition], node: str) -> Breach | None:
    """A condition that holds before the fault is applied (then it is not applied)."""
    from clustertui.drills.stopguard import engine_view
    from clustertui.drills.stops import StopEvaluator

    if monitor is None:
        return None
    now = time.time()
    return StopEvaluator(conditions, node, now).on_engine(engine_view(monitor), now)


async def hold(session: ChaosSession, plan: FaultPlan, monitor: ClusterMonitor | None,
               conditions: Sequence[StopCondition], applied_at: float) -> tuple[RevertOutcome, Breach | None]:
    """Keep the fault (the session renews its lease) until its TTL ends, Ctrl-C/SIGTERM, a
    stop condition trips, or its node says it is no longer held; then make sure it is
    reverted (at once, as an abort, for a stop condition)."""
    from clustertui.chaos import RevertReason
    from clustertui.drills.stopguard import StopGuard

    stop = stop_event()
    guard = StopGuard(conditions, monitor, target=plan.node) if monitor is not None else None
    waits: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if guard is not None:
        guard.arm(applied_at)
        waits.append(asyncio.ensure_future(guard.tripped.wait()))
    if session.renewer is not None:
        waits.append(asyncio.ensure_future(_lost(session.renewer, plan.id)))
    try:
        await asyncio.wait(waits, timeout=plan.ttl, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        if guard is not None:
            await guard.disarm()
    breach = guard.breach if guard is not None else None
    if breach is not None:
        return await session.stop(plan.id, breach.reason()), breach
    return await session.revert(plan.id, RevertReason.EXIT), None


async def _lost(renewer: LeaseRenewer, fault_id: str) -> None:
    """Return once a renewal found the fault no longer held on its node (and say why)."""
    while fault_id not in renewer.lost:
        renewer.changed.clear()
        await renewer.changed.wait()
    say(f"{fault_id}: {renewer.lost[fault_id]}")
