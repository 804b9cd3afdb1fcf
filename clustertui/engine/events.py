"""Timestamped cluster events: what changed, where, and when."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EventKind(enum.StrEnum):
    NODE_UP = "node-up"
    NODE_DOWN = "node-down"
    SERVICE_UP = "service-up"
    SERVICE_DOWN = "service-down"
    QUORUM_LOST = "quorum-lost"
    QUORUM_REGAINED = "quorum-regained"
    ENDPOINT_UP = "endpoint-up"
    ENDPOINT_DOWN = "endpoint-down"
    FAULT_APPLIED = "fault-applied"
    FAULT_REVERTED = "fault-reverted"
    FINDING = "finding"  # the managers' view and ours disagree (engine.findings)
    FINDING_CLEARED = "finding-cleared"
    MANAGER_READ = "manager-read"  # a manager's read on a node changed state (ok, slow, down, ...)
    METRICS = "metrics"  # a node's figures fell back from `source:` to the probe, with why, or came back


class EventSource(enum.StrEnum):
    """Who saw it: the monitor (a frame, a check, the node's stream), or a node's service
    watch (probe/watch.py), which reports a service's process ending between frames."""

    MONITOR = "monitor"
    WATCH = "watch"


@dataclass(frozen=True, slots=True)
class Event:
    t: float  # wall-clock seconds since the epoch
    kind: EventKind
    node: str | None
    detail: str
    source: EventSource = EventSource.MONITOR
