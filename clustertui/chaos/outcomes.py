"""What chaos actions end in: typed states and outcomes, one vocabulary for every caller.

The CLI prints these, the TUI styles them, drills judge them and the audit log records
them; each is a `StrEnum`, so that a value compared in one module is the value written in
another (and `str(status)` is what people read and JSON carries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from clustertui.chaos.instants import NodeInstants, node_instants

if TYPE_CHECKING:
    from clustertui.chaos.freeze import FreezeMark
    from clustertui.chaos.ledger import LedgerRecord


class ApplyStatus(StrEnum):
    APPLIED = "applied"
    REFUSED = "refused"  # by a guard, or the node's precheck: nothing changed
    ROLLED_BACK = "rolled-back"  # it failed after the ledger was written, and was undone
    NOT_ROLLED_BACK = "not-rolled-back"  # ... and the undo did not verify: record and timer stay
    INTERRUPTED = "interrupted"  # cancelled mid-way (Ctrl-C): reverted before letting go
    UNKNOWN = "unknown"  # the connection broke: the node's timer is the backstop


class RevertStatus(StrEnum):
    REVERTED = "reverted"
    ALREADY_REVERTED = "already-reverted"  # not in the ledger any more (timer, another operator)
    NOT_REVERTED = "not-reverted"
    UNREACHABLE = "unreachable"  # the node's timer reverts it at its TTL
    NOT_FOUND = "not-found"  # no node's ledger holds it


class RevertReason(StrEnum):
    """Why a revert ran; the revert script records it (`sh ID.revert REASON`)."""

    MANUAL = "manual"
    HALT = "halt"
    EXIT = "exit"
    TTL = "ttl"
    LEASE = "lease"  # the node's lease watcher: its controller stopped renewing
    ROLLBACK = "rollback"
    DRILL = "drill"
    ABORT = "stop-condition"  # a stop condition (`abort_when`, `--abort-when`) tripped
    REBOOT = "reboot"  # the node lost its /run ledger and timer: reverted at the next survey


class FaultState(StrEnum):
    """A fault as `status` sees it: the ledger's states, and `unconfirmed` when only the
    local record knows of it (its node did not answer)."""

    APPLYING = "applying"
    ACTIVE = "active"
    REVERT_FAILED = "revert-failed"
    LEFTOVER = "leftover"  # ledger files without a record (an interrupted run)
    UNREADABLE = "unreadable"  # a record that is not valid JSON
    UNCONFIRMED = "unconfirmed"
    #: In the persistent ledger only: the node rebooted (its /run ledger and timer are gone)
    #: while the fault's effect stayed; the next survey reverts it.
    OUTLIVED = "outlived-reboot"


@dataclass(frozen=True, slots=True)
class NodeDown:
    """A node the survey could not reach (or whose answer made no sense), and why."""

    node: str
    state: str
    reason: str

    @property
    def answered(self) -> bool:
        """The node answered, but its answer could not be read (garbage, cut short): a
        failure of that node, not a network problem (the CLI exits 1, not 3)."""
        return self.state == "probe-error"


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    plan: Any  # a FaultPlan (typed loosely: planner imports nothing from here)
    status: ApplyStatus
    result: str  # one line for a person
    output: str = ""  # what the node printed
    revert_result: str | None = None  # the rollback's result, when one ran
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is ApplyStatus.APPLIED

    @property
    def instants(self) -> NodeInstants:
        """When the fault acted and was verified, by the node's clock (from its output)."""
        return node_instants(self.output)


@dataclass(frozen=True, slots=True)
class RevertOutcome:
    fault_id: str
    node: str | None
    status: RevertStatus
    result: str  # one line for a person
    output: str = ""  # what the node printed
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in (RevertStatus.REVERTED, RevertStatus.ALREADY_REVERTED)


@dataclass(frozen=True, slots=True)
class ActiveFault:
    """A fault as `status` shows it."""

    id: str
    node: str
    state: FaultState
    record: LedgerRecord | None
    remaining: float | None  # seconds until the node's timer reverts it at its TTL
    timer: str
    detail: str = ""
    lease_left: float | None = None  # a held fault: seconds until its lease ends unless renewed

    @property
    def lease(self) -> float:
        """The fault's lease in seconds (its controller renews it); 0 for a TTL-only fault."""
        return self.record.lease if self.record else 0.0

    def timer_text(self) -> str:
        """Which timer reverts it, for a person: `lease 8s` (time left) or `ttl`."""
        if not self.lease:
            return "ttl"
        return "lease " + ("?" if self.lease_left is None else f"{self.lease_left:.0f}s")

    def to_json(self) -> dict[str, Any]:
        record = self.record
        return {
            "id": self.id,
            "node": self.node,
            "state": str(self.state),
            "kind": record.kind if record else None,
            "summary": record.summary if record else None,
            "params": record.params if record else None,
            "ttl": record.ttl if record else None,
            "remaining": None if self.remaining is None else round(self.remaining, 1),
            "applied_at": record.applied_at if record else None,
            "by": record.by if record else None,
            "timer": self.timer,
            "lease": self.lease or None,
            "lease_left": None if self.lease_left is None else round(self.lease_left, 1),
            "revert": record.revert if record else None,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ChaosStatus:
    faults: tuple[ActiveFault, ...]
    unreachable: dict[str, str]  # node -> why its ledger was not read
    reverted_elsewhere: tuple[str, ...]  # local records whose fault left its node's ledger
    garbled: tuple[str, ...] = ()  # of `unreachable`: nodes that answered, with nonsense (probe-error)
    corrupt: dict[str, tuple[str, ...]] = field(default_factory=dict)  # node -> escaped names
    frozen: dict[str, FreezeMark] = field(default_factory=dict)  # node -> its active freeze
