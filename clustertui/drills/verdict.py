"""A drill's verdict from what its run recorded: pure, so that every branch is unit-tested.

The runner fills a ``RunState`` as the drill goes (one field per milestone, ``None`` until
reached) and hands it, with the traffic and the engine's events, to ``verdict``:

- aborted: the run stopped before the fault was verified (steady state missing, target
  unknown, fault refused, interrupted) — with why, and the revert's failure if any; or a
  stop condition tripped during the fault — with the condition, and the fault window's
  timings measured up to the revert (no expectation is judged on a cut-short window);
- failed: an expectation (availability, detect, failover, recover within, the managers'
  reactions) did not hold, or the revert could not be verified;
- passed: otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Drill
from clustertui.drills.manager_checks import manager_checks, manager_signs
from clustertui.drills.managers_timeline import ManagersRecord
from clustertui.drills.measure import Timings, measure
from clustertui.drills.result import Check, DrillResult, Phase, ProbeRecord, StopRecord, Verdict
from clustertui.drills.stops import Breach
from clustertui.engine.events import Event
from clustertui.transport.clock import ClockOffset


@dataclass
class RunState:
    """What a drill run has reached so far (epoch seconds; ``None``: not reached)."""

    started: float
    steady_success: float | None = None
    target: str | None = None
    plan: Any = None  # the chaos FaultPlan once planned
    applying: float | None = None  # the apply script started: the fault may act from here
    t_fault: float | None = None  # the fault was applied and verified
    t_action: float | None = None  # it acted on the node (node clock, corrected: drills/fault_clock.py)
    clock: ClockOffset | None = None  # the target's clock offset, measured before the apply
    managers: ManagersRecord | None = None  # the cluster's side of the timeline
    target_down_at_revert: bool = False
    down_seen_at: float | None = None  # when the hold ended and the target was seen degraded
    t_revert: float | None = None  # the revert returned (verified unless revert_failed)
    revert_failed: str | None = None
    ended: float | None = None
    aborted: str | None = None  # why the run stopped early
    breach: Breach | None = None  # the stop condition that ended the fault early

    @property
    def window_start(self) -> float | None:
        """The fault window starts where the fault acted, else where it was verified."""
        return self.t_action if self.t_action is not None else self.t_fault


def verdict(cluster: Cluster, drill: Drill, run: RunState, probes: Sequence[ProbeRecord],
            events: Sequence[Event], now: float) -> DrillResult:
    """The ``DrillResult`` of a run; ``now`` stands for its end when the run never set one."""
    ended = run.ended if run.ended is not None else now
    plan = run.plan
    base: dict[str, Any] = dict(
        drill=drill.name,
        cluster=cluster.name,
        description=drill.description,
        started=run.started,
        ended=ended,
        target=run.target,
        fault_kind=drill.fault.kind,
        fault_id=plan.id if plan else None,
        fault_summary=plan.summary if plan else "",
        steady_success=run.steady_success,
        events=tuple(e for e in events if e.t >= run.started),
        probes=tuple(probes),
        commands={"apply": plan.apply_script, "revert": plan.revert_script} if plan else {},
        t_fault=run.t_fault,
        t_action=run.t_action,
        clock_offset_s=None if run.clock is None else run.clock.offset,
        clock_uncertainty_s=None if run.clock is None else run.clock.uncertainty,
        t_revert=run.t_revert,
        manager_events=() if run.managers is None else tuple(e for e in run.managers.events if e.t >= run.started),
        manager_reads=None if run.managers is None else run.managers.reads,
        stop=None if run.breach is None else StopRecord(
            run.breach.condition.text(), run.breach.t, run.breach.after_s, run.breach.observed),
    )
    if run.aborted is not None or run.t_fault is None or run.t_revert is None or run.applying is None:
        reason = run.aborted if run.aborted is not None else "the fault was never applied"
        if run.revert_failed is not None:
            reason += f"; revert: {run.revert_failed}"
        return DrillResult(verdict=Verdict.ABORTED, reason=reason, **base)
    assert run.target is not None and run.window_start is not None  # resolved before the fault was applied
    start = run.window_start
    requests = [r for probe in probes for r in probe.requests]
    changes = () if run.managers is None else run.managers.events
    timings = measure(
        requests, list(events), run.target, drill.steady_state.min_success,
        run.applying, start, run.t_revert, ended, run.target_down_at_revert,
        manager_signs(changes, run.target, run.applying, run.t_revert),
        down_seen_at=run.down_seen_at,
    )
    checks = expectation_checks(drill, timings) if run.breach is None else []
    if run.breach is None and drill.expect.managers:
        checks += manager_checks(drill.expect.managers, changes, {} if run.managers is None else run.managers.routing,
                                 run.target, start, run.t_revert, ended)
    if run.revert_failed is not None:
        checks.append(Check("revert", "verified", run.revert_failed, False))
    failed = [c for c in checks if not c.passed]
    reasons = [f"{c.name}: expected {c.expected}, measured {c.measured}" for c in failed]
    if run.breach is not None:
        reasons.insert(0, run.breach.reason())
    return DrillResult(
        verdict=Verdict.ABORTED if run.breach is not None else Verdict.FAILED if failed else Verdict.PASSED,
        reason="; ".join(reasons),
        availability=timings.availability,
        time_to_detect_s=timings.detect,
        detected_by=timings.detected_by,
        time_to_failover_s=timings.failover,
        time_to_recover_s=timings.recover,
        longest_outage_s=timings.longest_outage,
        phases=(
            Phase("steady", run.started, run.applying),
            Phase("fault", start, run.t_revert),
            Phase("recovery", run.t_revert, ended),
        ),
        checks=tuple(checks),
        **base,
    )


def expectation_checks(drill: Drill, timings: Timings) -> list[Check]:
    """One check per expectation the drill states (none stated: no checks, a pass)."""
    expect = drill.expect
    checks: list[Check] = []

    def seconds(value: float | None) -> str:
        return "never" if value is None else f"{value:.1f}s"

    if expect.availability is not None:
        measured = timings.availability
        checks.append(Check("availability", f">= {expect.availability:.1%}",
                            "no traffic" if measured is None else f"{measured:.1%}",
                            measured is not None and measured >= expect.availability))
    for name, limit, value in (
        ("detect_within", expect.detect_within, timings.detect),
        ("failover_within", expect.failover_within, timings.failover),
        ("recover_within", expect.recover_within, timings.recover),
    ):
        if limit is not None:
            checks.append(Check(name, f"<= {limit:g}s", seconds(value), value is not None and value <= limit))
    return checks
