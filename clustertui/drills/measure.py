"""Turning requests and events into drill timings, at 100 ms resolution.

Definitions (also in docs/drills.md):
- detect: from the fault taking effect (its node-side action) to the first sign of it: a
  failed request, an engine event about the target (service or node down) or an endpoint
  going down, or a manager's reaction to it (a balancer marks it down, an address leaves it,
  another node is promoted).  Who saw it first is kept (`detected_by`): the traffic, the
  node's service watch, the monitor (a frame, a check, the node's stream), or the manager
  (`haproxy@lb1`, `keepalived`, `sentinel@db2`).
- failover: from the fault to the moment the cluster has noticed it and traffic is back at
  its steady-state success rate for good (every later 1 s window, until the revert, is at
  or above it).  Never earlier than detect.  None if traffic never came back while faulted.
- longest outage: the longest stretch of the fault window in which every request failed
  (for a moving address, the gap a client saw).
- recover: from the verified revert to the moment the target's services are up again and
  traffic is back at steady state for good.  None if that did not happen in the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clustertui.drills.traffic import Request
from clustertui.engine.events import Event, EventKind

BUCKET = 0.1  # seconds
WINDOW = 10  # buckets in the rolling success window (1 s)

_DOWN = {EventKind.SERVICE_DOWN, EventKind.NODE_DOWN, EventKind.ENDPOINT_DOWN}
_UP = {EventKind.SERVICE_UP, EventKind.NODE_UP}


@dataclass(frozen=True, slots=True)
class Bucket:
    start: float
    sent: int
    ok: int
    latency_ms: float | None  # median of the bucket's successful requests

    @property
    def success(self) -> float | None:
        return self.ok / self.sent if self.sent else None


def buckets(requests: Iterable[Request], start: float, end: float, width: float = BUCKET) -> list[Bucket]:
    """Requests by send time in buckets of `width` seconds (the timings use BUCKET; charts
    of sparse traffic use wider ones)."""
    count = max(1, int((end - start) / width + 0.999))
    sent, ok = [0] * count, [0] * count
    latencies: list[list[float]] = [[] for _ in range(count)]
    for request in requests:
        i = int((request.t - start) / width)
        if 0 <= i < count:
            sent[i] += 1
            if request.ok:
                ok[i] += 1
                latencies[i].append(request.latency_ms)
    return [
        Bucket(start + i * width, sent[i], ok[i], sorted(latencies[i])[len(latencies[i]) // 2] if latencies[i] else None)
        for i in range(count)
    ]


def last_bad_window_end(series: list[Bucket], threshold: float) -> float | None:
    """End of the last rolling 1 s window whose success is below `threshold` (None: none was)."""
    last = None
    for i in range(len(series)):
        window = series[max(0, i - WINDOW + 1) : i + 1]
        sent = sum(b.sent for b in window)
        if sent and sum(b.ok for b in window) / sent < threshold:
            last = series[i].start + BUCKET
    return last


TRAFFIC = "traffic"  # `detected_by` when a failed request came first; else an EventSource


def first_sign(
    requests: Iterable[Request], events: Iterable[Event], target: str, since: float,
    manager_signs: Iterable[tuple[float, str]] = (),
) -> tuple[float, str] | None:
    """When the fault was first seen and by whom (TRAFFIC, the event's source, or a
    manager's reaction such as `haproxy@lb1`: drills/manager_checks.py); on a tie the event
    wins (the engine said it, not only a client), then the manager."""
    signs: list[tuple[float, int, str]] = [(r.t, 2, TRAFFIC) for r in requests if not r.ok and r.t >= since]
    signs += [(e.t, 0, str(e.source)) for e in events
              if e.t >= since and e.kind in _DOWN and (e.node in (target, None))]
    signs += [(t, 1, by) for t, by in manager_signs if t >= since]
    if not signs:
        return None
    t, _, by = min(signs)
    return t, by


def first_back(events: Iterable[Event], target: str, since: float) -> float | None:
    times = [e.t for e in events if e.t >= since and e.kind in _UP and e.node == target]
    return min(times) if times else None


def longest_outage(requests: Iterable[Request], start: float, end: float) -> float:
    """The longest stretch of [start, end) in which every request sent failed: from the
    first failure after a success to the next success (the "gap" a client saw)."""
    longest, failing_since = 0.0, None
    for request in sorted((r for r in requests if start <= r.t < end), key=lambda r: r.t):
        if not request.ok:
            failing_since = request.t if failing_since is None else failing_since
        elif failing_since is not None:
            longest, failing_since = max(longest, request.t - failing_since), None
    if failing_since is not None:
        longest = max(longest, end - failing_since)
    return longest


@dataclass(frozen=True, slots=True)
class Timings:
    availability: float | None
    detect: float | None
    failover: float | None
    recover: float | None
    longest_outage: float
    detected_by: str | None = None  # TRAFFIC, the EventSource of the first event, or a manager (haproxy@lb1)


def measure(
    requests: list[Request],
    events: list[Event],
    target: str,
    threshold: float,
    applying: float,
    t_fault: float,
    t_revert: float,
    end: float,
    target_down_at_revert: bool,
    manager_signs: Iterable[tuple[float, str]] = (),
    down_seen_at: float | None = None,
) -> Timings:
    """All timings of one run; `applying` is when the apply script started (the fault can
    take effect from then), `t_fault` where the fault window starts (the node-side action,
    else the verification); `manager_signs`: the managers' reactions to the fault;
    `down_seen_at`: when the target was seen down at the hold's end (a revert that starts
    the service is seen back before it returns verified: that is a recovery at 0 s)."""
    in_fault = [r for r in requests if t_fault <= r.t < t_revert]
    availability = sum(1 for r in in_fault if r.ok) / len(in_fault) if in_fault else None

    sign = first_sign(requests, events, target, applying, manager_signs)
    detect = None if sign is None or sign[0] > t_revert else max(0.0, sign[0] - t_fault)
    detected_by = None if detect is None or sign is None else sign[1]

    failover = None
    if detect is not None:
        fault_series = buckets(requests, t_fault, t_revert)
        bad_end = last_bad_window_end(fault_series, threshold)
        traffic_back = 0.0 if bad_end is None else bad_end - t_fault
        # Still failing in the last window before the revert: it never failed over.
        if bad_end is None or bad_end < t_revert - BUCKET / 2:
            failover = max(detect, traffic_back)

    after = buckets(requests, t_revert, end)
    bad_end = last_bad_window_end(after, threshold)
    traffic_back = 0.0 if bad_end is None else bad_end - t_revert
    traffic_ok = bad_end is None or bad_end < end - BUCKET / 2
    service_back: float | None = 0.0
    if target_down_at_revert:
        since = t_revert if down_seen_at is None else min(down_seen_at, t_revert)
        back = first_back(events, target, since)
        service_back = None if back is None else max(0.0, back - t_revert)
    recover = max(traffic_back, service_back) if traffic_ok and service_back is not None else None
    return Timings(availability, detect, failover, recover, longest_outage(requests, t_fault, t_revert), detected_by)
