"""The history's records as plain data: what goes in (`NewRun`), what comes out
(`RunSummary`, `StoredRun`), and the errors a store raises.

A summary carries the figures a table or a trend needs as columns, so that listing ten
thousand runs never unpacks a report; the full report (the drill's JSON report, every
request included) comes with `StoredRun`, for a diff or a re-drawn timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clustertui import __version__


class RunKind(StrEnum):
    """What a run was: one drill, or a scenario (game day) of several steps."""

    DRILL = "drill"
    SCENARIO = "scenario"


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One event of a run's timeline beside the report's own: a cluster manager's reaction
    (HAProxy marked web2 DOWN, the VIP moved), or the engine's.  `source` says whose."""

    t: float
    source: str  # "engine", "haproxy", "keepalived", "sentinel", ...
    kind: str
    node: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Figures:
    """The measured figures of a run, as its JSON report rounds them (None: not measured)."""

    availability: float | None = None  # 0..1
    longest_outage_s: float | None = None
    time_to_detect_s: float | None = None
    time_to_failover_s: float | None = None
    time_to_recover_s: float | None = None


@dataclass(frozen=True, slots=True)
class NewRun:
    """A finished run to record.  `report` is the run's JSON report as a dict (for a drill,
    `drills.export.to_json`); `cluster_hash` the sha256 of the cluster file it ran from."""

    kind: RunKind
    cluster: str
    name: str
    verdict: str
    started: float
    ended: float
    report: dict[str, Any]
    cluster_hash: str
    reason: str = ""
    figures: Figures = Figures()
    target: str | None = None
    fault_kind: str = ""
    service: str | None = None  # the service the fault hit, when it names one
    role: str | None = None  # the role targeted (or the target node's first role)
    origin: str = "cli"  # who ran it: cli, tui, schedule, gameday
    tool_version: str = __version__
    events: tuple[RunEvent, ...] = ()
    parent: int | None = None  # a scenario's run id, for the runs of its steps


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A recorded run without its report: what tables, trends and coverage read."""

    id: int
    kind: RunKind
    cluster: str
    name: str
    verdict: str
    reason: str
    started: float
    ended: float
    figures: Figures
    target: str | None
    fault_kind: str
    service: str | None
    role: str | None
    origin: str
    tool_version: str
    cluster_hash: str
    parent: int | None

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A recorded run in full: its summary, its report and its extra events."""

    summary: RunSummary
    report: dict[str, Any]
    events: tuple[RunEvent, ...]


class HistoryError(Exception):
    """The history cannot be used; the message is one line that names the database."""

    exit_code = 3  # could not run


class HistoryLocked(HistoryError):
    """Another process held the database longer than the busy timeout."""


class HistoryCorrupt(HistoryError):
    """The file is not a clustertui history (corrupt, or some other database)."""

    exit_code = 2  # a bad file


class HistoryTooNew(HistoryError):
    """The database was written by a newer clustertui, with a schema this one does not know."""

    exit_code = 2


class UnknownRun(HistoryError):
    """No run has that id."""

    exit_code = 2
