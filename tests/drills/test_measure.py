"""Drill timings from hand-made requests and events (no network)."""

from __future__ import annotations

import pytest

from clustertui.drills.measure import buckets, last_bad_window_end, measure
from clustertui.drills.traffic import Request
from clustertui.engine.events import Event, EventKind, EventSource

T = 1_000.0


def traffic(start: float, end: float, rate: float, failing: tuple[float, float] | None = None) -> list[Request]:
    requests, t = [], start
    while t < end:
        bad = failing is not None and failing[0] <= t < failing[1]
        requests.append(Request(t, not bad, 5.0 if not bad else 1000.0, "timed out" if bad else ""))
        t += 1 / rate
    return requests


def test_buckets_count_and_median() -> None:
    series = buckets([Request(T, True, 3.0), Request(T + 0.05, True, 9.0), Request(T + 0.12, False, 1.0)], T, T + 0.3)
    assert [(b.sent, b.ok) for b in series] == [(2, 2), (1, 0), (0, 0)]
    assert series[0].latency_ms == 9.0 and series[1].latency_ms is None and series[2].success is None


def test_outage_then_failover_while_faulted() -> None:
    # Fault verified at T+10, outage T+10.2..T+12.5, revert at T+20, service back at T+21.
    requests = traffic(T, T + 30, 20, failing=(T + 10.2, T + 12.5))
    events = [Event(T + 10.6, EventKind.SERVICE_DOWN, "web2", "nginx"), Event(T + 21.0, EventKind.SERVICE_UP, "web2", "nginx")]
    timings = measure(requests, events, "web2", 0.95, T + 9.9, T + 10.0, T + 20.0, T + 30.0, True)
    assert timings.detect == pytest.approx(0.2, abs=0.06)  # the first failed request
    # Traffic is back for good once the last 1 s window holding failures has passed.
    assert timings.failover == pytest.approx(3.5, abs=0.15)
    assert timings.recover == pytest.approx(1.0, abs=0.01)  # the service-up event
    assert timings.availability == pytest.approx(1 - 2.3 / 10, abs=0.01)
    assert timings.detect <= timings.failover <= 10.0
    assert timings.longest_outage == pytest.approx(2.3, abs=0.06)


def test_seamless_failover_is_as_fast_as_detection() -> None:
    requests = traffic(T, T + 30, 20)
    events = [Event(T + 10.8, EventKind.SERVICE_DOWN, "web2", "nginx"), Event(T + 20.9, EventKind.SERVICE_UP, "web2", "nginx")]
    timings = measure(requests, events, "web2", 0.99, T + 9.9, T + 10.0, T + 20.0, T + 30.0, True)
    assert timings.availability == 1.0
    assert timings.detect == pytest.approx(0.8) and timings.failover == pytest.approx(0.8)
    assert timings.longest_outage == 0.0
    assert timings.recover == pytest.approx(0.9)


def test_no_failover_when_traffic_fails_until_the_revert() -> None:
    requests = traffic(T, T + 30, 10, failing=(T + 10.1, T + 20.3))
    timings = measure(requests, [], "web1", 0.95, T + 9.9, T + 10.0, T + 20.0, T + 30.0, False)
    assert timings.detect == pytest.approx(0.1, abs=0.02)
    assert timings.failover is None
    assert timings.availability == pytest.approx(0.0, abs=0.02)
    assert timings.recover == pytest.approx(1.3, abs=0.15)


def test_unnoticed_fault_has_no_detect_and_no_failover() -> None:
    timings = measure(traffic(T, T + 30, 10), [], "web1", 0.95, T + 9.9, T + 10, T + 20, T + 30, False)
    assert timings.detect is None and timings.failover is None and timings.recover == 0.0


def test_last_bad_window() -> None:
    assert last_bad_window_end(buckets(traffic(T, T + 5, 20), T, T + 5), 0.99) is None


@pytest.mark.parametrize(
    ("failing_from", "event_at", "source", "detect", "by"),
    [
        (T + 10.5, T + 10.05, EventSource.WATCH, 0.05, "watch"),  # the node's watch, before any request failed
        (T + 10.5, T + 10.8, EventSource.MONITOR, 0.5, "traffic"),  # a failed request, before the frame
        (None, T + 10.8, EventSource.MONITOR, 0.8, "monitor"),  # traffic never failed: the frame saw it
        (T + 10.5, T + 10.5, EventSource.WATCH, 0.5, "watch"),  # a tie: the engine said it
    ],
)
def test_detection_says_who_saw_the_fault_first(failing_from, event_at, source, detect, by) -> None:
    requests = traffic(T, T + 30, 20, failing=None if failing_from is None else (failing_from, T + 20))
    events = [Event(event_at, EventKind.SERVICE_DOWN, "web2", "nginx: no nginx process", source)]
    timings = measure(requests, events, "web2", 0.95, T + 9.9, T + 10.0, T + 20.0, T + 30.0, False)
    assert timings.detect == pytest.approx(detect, abs=0.06)
    assert timings.detected_by == by


def test_nothing_detected_names_no_one() -> None:
    timings = measure(traffic(T, T + 30, 20), [], "web2", 0.95, T + 9.9, T + 10.0, T + 20.0, T + 30.0, False)
    assert timings.detect is None and timings.detected_by is None
