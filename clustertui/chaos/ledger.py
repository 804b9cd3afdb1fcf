"""The node-side ledger: one record per active fault, under /run/clustertui/faults.

A fault `f-1a2b3c4d` owns the files `f-1a2b3c4d.*` in that directory:

- `.json`      the record (written before the fault is applied; its presence *is* "active":
               the probe lists these ids every interval, whoever applied the fault)
- `.revert`    the exact revert script, self-contained: undo, verify, cancel the timer, clear
- `.timer`     how the dead-man timer was armed: `pid PGID ARMED` or `systemd UNIT ARMED`,
               or `lease PGID ARMED` for a held fault's lease watcher (chaos/lease.py)
- `.lease`     a held fault's lease end, in centiseconds of the node's uptime
- `.applying`  present while the apply script runs (a revert waits for it)
- `.error`     why the last revert did not verify (the record stays: the fault is still on)
- `.pgid`      the process group of a hog

The ledger lives in /run (tmpfs), so it is gone after a reboot, as are most faults and
their timers.  A fault whose effect outlives a reboot (disk-fill's file) also keeps its
`.json` and `.revert` in the persistent ledger, `/var/lib/clustertui/faults/HOSTNAME/`
(per host name: a directory shared by several hosts, as /var/lib is across the lab's
nodes, never mixes them up).  A fault found there but not in /run outlived a reboot: the
next survey reverts it with the kept script (`FaultState.OUTLIVED`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, asdict, dataclass
from typing import Any, get_type_hints

from pydantic import ConfigDict, ValidationError, create_model

from clustertui.chaos.outcomes import FaultState
from clustertui.chaos.shell import q
from clustertui.chaos.validate import FAULT_ID_RE
from clustertui.probe.plan import FAULT_LEDGER_DIR

LEDGER_DIR = FAULT_LEDGER_DIR
KEEP_DIR = "/var/lib/clustertui/faults"
#: Sets `$ctui_keep`, this host's persistent ledger (the host name reduced to safe bytes).
KEEP_SH = f"ctui_keep={q(KEEP_DIR)}/$(uname -n | tr -cd 'A-Za-z0-9._-')"
RECORD_VERSION = 1


def ledger_file(fault_id: str, suffix: str) -> str:
    """Path of one of the fault's ledger files (`fault_id` is validated by the caller)."""
    return f"{LEDGER_DIR}/{fault_id}.{suffix}"


def _glob_id(fault_id: str) -> str:
    """A fault id about to be part of a glob, which cannot be quoted whole: checked here."""
    if not FAULT_ID_RE.fullmatch(fault_id):
        raise ValueError(f"not a fault id: {shown(fault_id)}")
    return fault_id


def ledger_files(fault_id: str) -> str:
    """All of a fault's ledger files as a shell word (`'/run/clustertui/faults/ID.'*`), for `rm -f`."""
    return q(f"{LEDGER_DIR}/{_glob_id(fault_id)}.") + "*"


def kept_files(fault_id: str) -> str:
    """The fault's files in the persistent ledger, as a shell word (needs `KEEP_SH` first)."""
    return f'"$ctui_keep"/{_glob_id(fault_id)}.*'


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
    lease: float = 0.0  # seconds: a held fault's lease, renewed by its controller; 0: TTL only

    def to_json(self) -> str:
        """One line of JSON (the survey reads records line by line)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LedgerRecord:
        """A record, type-checked field by field (strictly: `"ttl": "60"` is not a number);
        ValueError naming the first wrong field otherwise.  Unknown fields are ignored."""
        try:
            data = json.loads(text)
        except RecursionError:
            raise ValueError("nested too deeply") from None
        if not isinstance(data, dict):
            raise ValueError("a ledger record is a JSON object")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        try:
            record = cls(**_RECORD.model_validate(known).model_dump())
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "record"
            raise ValueError(f"{where}: {error['msg'].lower()}") from None
        if not FAULT_ID_RE.fullmatch(record.id):
            raise ValueError(f"id: not a fault id: {shown(record.id)}")
        if not (math.isfinite(record.ttl) and math.isfinite(record.applied_at)):
            raise ValueError("ttl and applied_at must be finite")
        return record


#: The record's fields as a strict model: types checked, never coerced (a node wrote it:
#: `"ttl": "60"` is wrong).  Derived from the dataclass, so the two cannot drift apart.
_FIELDS: dict[str, Any] = {
    name: (hint, ... if LedgerRecord.__dataclass_fields__[name].default is MISSING
           else LedgerRecord.__dataclass_fields__[name].default)
    for name, hint in get_type_hints(LedgerRecord).items()
}
_RECORD = create_model("LedgerRecordFields", __config__=ConfigDict(strict=True), **_FIELDS)


def shown(name: str, limit: int = 120) -> str:
    """Node text as one printable line: control and non-ASCII characters escaped (\\x1b),
    cut at `limit` characters (a ledger file name, a wrong value in the survey)."""
    escaped = name.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class TimerInfo:
    """The dead-man timer as the node recorded it."""

    mechanism: str  # "pid" (detached sleep), "systemd", or "lease" (a lease watcher)
    ref: str  # process group id, or unit name
    armed_at: float  # node's clock

    @classmethod
    def parse(cls, text: str) -> TimerInfo | None:
        fields = text.split()
        if len(fields) != 3 or fields[0] not in ("pid", "systemd", "lease"):
            return None
        try:
            return cls(fields[0], fields[1], float(fields[2]))
        except ValueError:
            return None

    def describe(self) -> str:
        if self.mechanism == "lease":
            return f"lease watcher (pgid {self.ref})"
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
    outlived: bool = False  # only in the persistent ledger: the node rebooted, the fault stayed
    lease_end: int | None = None  # the lease's end, node uptime in centiseconds (`.lease`)
    node_uptime: int | None = None  # the node's uptime in centiseconds when it was read

    @property
    def remaining(self) -> float | None:
        """Seconds until the timer reverts the fault, by the node's clock."""
        if self.timer is None or self.record is None:
            return None
        return max(0.0, self.timer.armed_at + self.record.ttl - self.node_now)

    @property
    def lease_left(self) -> float | None:
        """Seconds until the lease ends unless renewed (None: no lease, or it is unknown)."""
        if self.lease_end is None or self.node_uptime is None:
            return None
        return max(0.0, (self.lease_end - self.node_uptime) / 100)

    @property
    def state(self) -> FaultState:
        """applying, leftover (files without a record), revert-failed, active or unreadable;
        outlived-reboot when only the persistent ledger holds it."""
        if self.outlived:
            return FaultState.OUTLIVED
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


#: A ledger file: a fault id and one of the suffixes the scripts write.
LEDGER_FILE_RE = re.compile(r"(f-[0-9a-f]{8})\.(json|revert|timer|applying|error|pgid|lease|json\.tmp)")


def entries_from_files(
    node: str, node_now: float, files: dict[str, str], kept: dict[str, str] | None = None,
    node_uptime: int | None = None,
) -> tuple[list[LedgerEntry], tuple[str, ...]]:
    """Group a ledger directory listing (file name -> its first line) into entries.

    Files without a `.json` record are leftovers of an interrupted apply or revert; they are
    reported too, so that nothing clustertui left on a node is invisible.  A name that is
    not a fault id and a known suffix (`f-$(cmd).timer`, `f-*.json`) is no fault of ours:
    it never reaches a command, and is returned apart, escaped, as a corrupt entry.
    `kept`: the persistent ledger's files; a fault there and not in /run outlived a reboot.
    `node_uptime`: the node's uptime in centiseconds, against which `.lease` ends are read.
    """
    grouped: dict[str, dict[str, str]] = {}
    corrupt: list[str] = []
    outlived: set[str] = set()
    for listing, where in ((files, ""), (kept or {}, f"{KEEP_DIR}/")):
        in_run = set(grouped)
        for name, content in listing.items():
            match = LEDGER_FILE_RE.fullmatch(name)
            if match is None:
                corrupt.append(where + shown(name))
            elif match[1] not in in_run:  # a kept copy of a fault still in /run says nothing new
                grouped.setdefault(match[1], {})[match[2]] = content
                outlived.update((match[1],) if where else ())
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
                if record.id != fault_id:
                    raise ValueError(f"it names {record.id}")
            except (ValueError, TypeError, RecursionError) as exc:
                record, problem = None, f"corrupt record: {shown(str(exc), 200)}"
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
                outlived=fault_id in outlived,
                lease_end=_centiseconds(found.get("lease", "")),
                node_uptime=node_uptime,
            )
        )
    return entries, tuple(sorted(corrupt))


def _centiseconds(text: str) -> int | None:
    """A `.lease` end: ASCII digits, 20 at most (node text is data); None otherwise (no lease,
    or one caught while a renewal rewrote it)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 20 else None
