"""The node-side ledger: one record per active fault, under /run/clustertui/faults.

A fault `f-1a2b3c4d` owns the files `f-1a2b3c4d.*` in that directory:

- `.json`      the record (written before the fault is applied; its presence *is* "active":
               the probe lists these ids every interval, whoever applied the fault)
- `.revert`    the exact revert script, self-contained: undo, verify, cancel the timer, clear
- `.timer`     how the dead-man timer was armed: `pid PGID ARMED` or `systemd UNIT ARMED`
- `.applying`  present while the apply script runs (a revert waits for it)
- `.error`     why the last revert did not verify (the record stays: the fault is still on)
- `.pgid`      the process group of a hog

The ledger lives in /run (tmpfs), so it is gone after a reboot, as are most faults.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from clustertui.chaos.outcomes import FaultState
from clustertui.chaos.shell import q
from clustertui.probe.plan import FAULT_LEDGER_DIR

LEDGER_DIR = FAULT_LEDGER_DIR
RECORD_VERSION = 1


def ledger_file(fault_id: str, suffix: str) -> str:
    """Path of one of the fault's ledger files (`fault_id` is validated by the caller)."""
    return f"{LEDGER_DIR}/{fault_id}.{suffix}"


def revert_command(fault_id: str, why: str = "manual") -> str:
    """The command that reverts the fault on the node, as stored in its record."""
    return f"sh {q(ledger_file(fault_id, 'revert'))} {q(why)}"


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """What the node knows about a fault: enough for any operator to see and revert it."""

    id: str
    kind: str
    cluster: str
    node: str
    host: str
    summary: str
    params: dict[str, Any]
    ttl: float
    applied_at: float  # controller's clock, seconds since the epoch
    by: str  # user@host of the controller that applied it
    timer: str  # "systemd" or "detached"
    revert: str  # the exact revert command
    version: int = RECORD_VERSION

    def to_json(self) -> str:
        """One line of JSON (the survey reads records line by line)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LedgerRecord:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a ledger record is a JSON object")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class TimerInfo:
    """The dead-man timer as the node recorded it."""

    mechanism: str  # "pid" (detached sleep) or "systemd"
    ref: str  # process group id, or unit name
    armed_at: float  # node's clock

    @classmethod
    def parse(cls, text: str) -> TimerInfo | None:
        fields = text.split()
        if len(fields) != 3 or fields[0] not in ("pid", "systemd"):
            return None
        try:
            return cls(fields[0], fields[1], float(fields[2]))
        except ValueError:
            return None

    def describe(self) -> str:
        return f"systemd unit {self.ref}" if self.mechanism == "systemd" else f"detached sleep (pgid {self.ref})"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One fault in a node's ledger, as a survey read it."""

    id: str
    node: str
    node_now: float  # the node's clock when it was read
    record: LedgerRecord | None = None
    problem: str = ""  # why the record could not be read
    timer: TimerInfo | None = None
    error: str = ""  # the last failed revert, if any
    applying: bool = False
    recorded: bool = True  # the .json record exists (readable or not): the fault is on

    @property
    def remaining(self) -> float | None:
        """Seconds until the timer reverts the fault, by the node's clock."""
        if self.timer is None or self.record is None:
            return None
        return max(0.0, self.timer.armed_at + self.record.ttl - self.node_now)

    @property
    def state(self) -> FaultState:
        """applying, leftover (files without a record), revert-failed, active or unreadable."""
        if self.applying:
            return FaultState.APPLYING
        if not self.recorded:
            return FaultState.LEFTOVER
        if self.error:
            return FaultState.REVERT_FAILED
        return FaultState.ACTIVE if self.record is not None else FaultState.UNREADABLE

    @property
    def counts(self) -> bool:
        """Whether the entry is a fault on the node (for the blast radius)."""
        return self.recorded or self.applying


def entries_from_files(node: str, node_now: float, files: dict[str, str]) -> list[LedgerEntry]:
    """Group a ledger directory listing (file name -> its first line) into entries.

    Files without a `.json` record are leftovers of an interrupted apply or revert; they are
    reported too, so that nothing clustertui left on a node is invisible.
    """
    grouped: dict[str, dict[str, str]] = {}
    for name, content in files.items():
        fault_id, dot, suffix = name.partition(".")
        if dot:
            grouped.setdefault(fault_id, {})[suffix] = content
    entries = []
    for fault_id, found in sorted(grouped.items()):
        record, problem = None, ""
        if "json" not in found:
            problem = "no record: an interrupted apply or revert left " + ", ".join(
                f"{fault_id}.{suffix}" for suffix in sorted(found)
            )
        else:
            try:
                record = LedgerRecord.from_json(found["json"])
            except (ValueError, TypeError) as exc:
                problem = f"unreadable record: {exc}"
        entries.append(
            LedgerEntry(
                id=fault_id,
                node=node,
                node_now=node_now,
                record=record,
                problem=problem,
                timer=TimerInfo.parse(found["timer"]) if "timer" in found else None,
                error=found.get("error", "").strip(),
                applying="applying" in found,
                recorded="json" in found,
            )
        )
    return entries
