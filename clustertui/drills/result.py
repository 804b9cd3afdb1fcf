"""What a drill run produces: phases, timings, checks and a verdict, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from clustertui.drills.traffic import Request
from clustertui.engine.events import Event
from clustertui.managers.changes import ManagerEvent


class Verdict(StrEnum):
    """How a drill ended: its expectations held, did not, or it could not run."""

    PASSED = "passed"
    FAILED = "failed"
    ABORTED = "aborted"


#: The verdicts by name, for the modules that import them so.
PASSED, FAILED, ABORTED = Verdict.PASSED, Verdict.FAILED, Verdict.ABORTED


@dataclass(frozen=True, slots=True)
class Phase:
    name: str  # steady, fault, recovery
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation: what the file asked for, what was measured, and whether it held."""

    name: str
    expected: str
    measured: str
    passed: bool


@dataclass(frozen=True, slots=True)
class StopRecord:
    """The stop condition that ended a drill's fault early: as `--abort-when` writes it,
    when it tripped (epoch s), how long after the fault's start, and what was measured."""

    condition: str
    t: float
    after_s: float
    observed: str


@dataclass(frozen=True, slots=True)
class TimelineReads:
    """How the managers were read during a drill (drills/managers_timeline.py): the cadence
    asked for, how many reads (one per manager per cycle), how many members' reads failed,
    and the median member read."""

    every_s: float
    reads: int
    failed: int
    median_ms: float | None


@dataclass(frozen=True, slots=True)
class ProbeRecord:
    label: str
    requests: tuple[Request, ...]


@dataclass(frozen=True, slots=True)
class DrillResult:
    drill: str
    cluster: str
    description: str
    verdict: Verdict
    reason: str  # why it failed or aborted; empty when passed
    started: float
    ended: float
    target: str | None = None
    fault_kind: str = ""
    fault_id: str | None = None
    fault_summary: str = ""
    t_fault: float | None = None  # the fault was applied and verified
    t_action: float | None = None  # it acted on the node (the node's clock, corrected); the window starts here
    clock_offset_s: float | None = None  # the target's clock minus ours, when measured
    clock_uncertainty_s: float | None = None  # +- of that offset (half the best round trip)
    t_revert: float | None = None  # the revert was verified
    steady_success: float | None = None
    availability: float | None = None
    time_to_detect_s: float | None = None
    detected_by: str | None = None  # who saw the fault first: traffic, watch or monitor
    time_to_failover_s: float | None = None
    time_to_recover_s: float | None = None
    longest_outage_s: float | None = None
    phases: tuple[Phase, ...] = ()
    checks: tuple[Check, ...] = ()
    events: tuple[Event, ...] = ()
    probes: tuple[ProbeRecord, ...] = ()
    commands: dict[str, str] = field(default_factory=dict)  # apply / revert scripts as run
    stop: StopRecord | None = None  # the stop condition that aborted it, if one did
    manager_events: tuple[ManagerEvent, ...] = ()  # the cluster's own reactions, as read
    manager_reads: TimelineReads | None = None  # how they were read (None: no managers)

    @property
    def fault_start(self) -> float | None:
        """Where the fault window starts: the node-side action, else its verification."""
        return self.t_action if self.t_action is not None else self.t_fault

    @property
    def exit_code(self) -> int:
        return {Verdict.PASSED: 0, Verdict.FAILED: 1}.get(self.verdict, 3)


def detected_by(result: DrillResult) -> str:
    """' (by watch)' after the detect time: who saw the fault first; empty when not known."""
    return f" (by {result.detected_by})" if result.detected_by and result.time_to_detect_s is not None else ""
