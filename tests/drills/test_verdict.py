"""The drill verdict on synthetic timelines: every branch of detect, failover, recover,
availability, longest outage and abort, and how the expectations turn into a verdict.

The timeline of every case: steady traffic from T, the apply script starts at T+9.9, the
fault is verified at T+10, the revert at T+20, and the run ends at T+30 (web-node-loss of
the lab's file: min_success 0.99, expect availability 95 %, detect 2 s, failover 4 s,
recover 5 s).  No network: requests and events are made by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from clustertui.config import Cluster, Drill, load_cluster
from clustertui.config.model import Expectations
from clustertui.drills.measure import longest_outage, measure
from clustertui.drills.result import ProbeRecord, Verdict
from clustertui.drills.traffic import Request
from clustertui.drills.verdict import RunState, verdict
from clustertui.engine.events import Event, EventKind
from tests.support.paths import LAB_FILE

T = 1_000.0
APPLYING, FAULT, REVERT, END = T + 9.9, T + 10.0, T + 20.0, T + 30.0
PLAN = SimpleNamespace(id="f-00c0ffee", summary="kill nginx on web2", apply_script="apply", revert_script="revert")


def traffic(rate: float = 20, *failing: tuple[float, float], start: float = T, end: float = END) -> list[Request]:
    """Requests every 1/rate s; those inside a `failing` (from, to) window fail."""
    requests, i = [], 0
    while (t := start + i / rate) < end:
        bad = any(a <= t < b for a, b in failing)
        requests.append(Request(t, not bad, 1000.0 if bad else 5.0, "timed out" if bad else ""))
        i += 1
    return requests


def down(t: float, node: str | None = "web2", kind: EventKind = EventKind.SERVICE_DOWN) -> Event:
    return Event(t, kind, node, "nginx")


def up(t: float, node: str = "web2") -> Event:
    return Event(t, EventKind.SERVICE_UP, node, "nginx")


def timings(requests, events=(), target_down_at_revert=False, threshold=0.99):
    return measure(list(requests), list(events), "web2", threshold, APPLYING, FAULT, REVERT, END, target_down_at_revert)


# --- detect ----------------------------------------------------------------------------


def test_detect_is_the_first_failed_request() -> None:
    assert timings(traffic(20, (T + 10.5, T + 11))).detect == pytest.approx(0.5)


def test_detect_is_an_engine_event_about_the_target_when_traffic_never_fails() -> None:
    assert timings(traffic(20), [down(T + 10.8)]).detect == pytest.approx(0.8)


def test_detect_takes_node_down_and_endpoint_down_events() -> None:
    assert timings(traffic(20), [down(T + 11.2, kind=EventKind.NODE_DOWN)]).detect == pytest.approx(1.2)
    assert timings(traffic(20), [down(T + 10.7, None, EventKind.ENDPOINT_DOWN)]).detect == pytest.approx(0.7)


def test_detect_ignores_other_nodes_and_up_events() -> None:
    result = timings(traffic(20), [down(T + 10.5, "web1"), up(T + 10.6)])
    assert result.detect is None


def test_a_sign_while_the_fault_was_being_applied_is_detect_zero() -> None:
    assert timings(traffic(20), [down(T + 9.95)]).detect == 0.0


def test_a_sign_before_the_apply_is_not_a_detection() -> None:
    assert timings(traffic(20, (T + 5, T + 5.2))).detect is None


def test_a_sign_after_the_revert_is_not_a_detection() -> None:
    result = timings(traffic(20, (T + 20.5, T + 20.7)))
    assert result.detect is None and result.failover is None


# --- failover --------------------------------------------------------------------------


def test_failover_is_when_the_last_bad_window_has_passed() -> None:
    # Failing T+10.2..T+12.5: the last 1 s window holding a failure ends at T+13.5.
    result = timings(traffic(20, (T + 10.2, T + 12.5)))
    assert result.detect == pytest.approx(0.2)
    assert result.failover == pytest.approx(3.5, abs=0.11)


def test_seamless_failover_is_as_fast_as_detection() -> None:
    result = timings(traffic(20), [down(T + 10.8)])
    assert result.failover == pytest.approx(0.8)


def test_no_failover_while_traffic_fails_until_the_revert() -> None:
    result = timings(traffic(20, (T + 10.1, T + 20.3)))
    assert result.detect is not None and result.failover is None


def test_a_relapse_late_in_the_fault_moves_failover_there() -> None:
    result = timings(traffic(20, (T + 10.2, T + 11), (T + 15, T + 15.5)))
    assert result.failover == pytest.approx(6.5, abs=0.11)


def test_no_failover_without_a_detection() -> None:
    assert timings(traffic(20)).failover is None


# --- recover ---------------------------------------------------------------------------


def test_recover_is_the_target_coming_back_when_it_was_down_at_the_revert() -> None:
    result = timings(traffic(20), [down(T + 10.5), up(T + 21.4)], target_down_at_revert=True)
    assert result.recover == pytest.approx(1.4)


def test_recover_waits_for_traffic_when_it_comes_back_after_the_service() -> None:
    result = timings(traffic(20, (T + 20, T + 22)), [up(T + 20.5)], target_down_at_revert=True)
    assert result.recover == pytest.approx(3.0, abs=0.11)


def test_a_service_the_revert_brought_back_before_it_returned_recovered_at_once() -> None:
    # The revert (start the service) runs from the hold's end to its verified return: the
    # monitor may see the service up in between, before the instant recovery counts from.
    events = [down(T + 10.5), up(REVERT - 0.05)]
    result = measure(list(traffic(20)), events, "web2", 0.99, APPLYING, FAULT, REVERT, END, True,
                     down_seen_at=REVERT - 1.0)
    assert result.recover == 0.0
    # Without the hold's end known, the same run never recovered (the race CI once hit).
    assert timings(traffic(20), events, target_down_at_revert=True).recover is None


def test_no_recover_when_the_target_never_comes_back() -> None:
    result = timings(traffic(20), [down(T + 10.5)], target_down_at_revert=True)
    assert result.recover is None


def test_no_recover_when_traffic_still_fails_at_the_end() -> None:
    assert timings(traffic(20, (T + 29, END))).recover is None


def test_recover_is_zero_when_nothing_was_down_and_traffic_was_fine() -> None:
    assert timings(traffic(20)).recover == 0.0


# --- availability and longest outage ---------------------------------------------------


def test_availability_counts_the_fault_window_only() -> None:
    # 2 s of 10 failing in the fault; failures outside it do not count.
    result = timings(traffic(20, (T + 5, T + 6), (T + 12, T + 14), (T + 25, T + 26)))
    assert result.availability == pytest.approx(0.8)


def test_availability_without_traffic_in_the_fault_is_unknown() -> None:
    assert timings(traffic(20, end=T + 9)).availability is None


def test_longest_outage_is_the_longest_gap_a_client_saw() -> None:
    requests = traffic(10, (T + 11, T + 11.5), (T + 13, T + 15.2), (T + 17, T + 17.3))
    assert longest_outage(requests, FAULT, REVERT) == pytest.approx(2.2)


def test_longest_outage_running_into_the_revert_ends_there() -> None:
    assert longest_outage(traffic(10, (T + 18, T + 25)), FAULT, REVERT) == pytest.approx(2.0)


def test_no_outage_when_every_request_succeeded() -> None:
    assert longest_outage(traffic(10), FAULT, REVERT) == 0.0


# --- the verdict -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return load_cluster(LAB_FILE, check_files=False)


@pytest.fixture(scope="module")
def drill(cluster: Cluster) -> Drill:
    """web-node-loss without its `expect: managers:` (judged on the managers' record:
    test_the_managers_reactions_are_judged_and_can_detect_first, test_managers_timeline.py)."""
    lab = cluster.drills["web-node-loss"]
    return lab.model_copy(update={"expect": lab.expect.model_copy(update={"managers": {}})})


def completed(**changes) -> RunState:
    run = RunState(started=T, steady_success=1.0, target="web2", plan=PLAN, applying=APPLYING, t_fault=FAULT,
                   t_revert=REVERT, ended=END)
    for key, value in changes.items():
        setattr(run, key, value)
    return run


def judge(cluster, drill, run, requests, events=()):
    return verdict(cluster, drill, run, [ProbeRecord("vip", tuple(requests))], list(events), now=END + 99)


def test_a_run_within_every_expectation_passes(cluster, drill) -> None:
    result = judge(cluster, drill, completed(), traffic(20, (T + 10.2, T + 10.6)), [down(T + 10.3)])
    assert result.verdict is Verdict.PASSED and result.exit_code == 0 and result.reason == ""
    assert [c.name for c in result.checks] == ["availability", "detect_within", "failover_within", "recover_within"]
    assert all(c.passed for c in result.checks)
    assert [p.name for p in result.phases] == ["steady", "fault", "recovery"]
    assert (result.fault_id, result.commands) == (PLAN.id, {"apply": "apply", "revert": "revert"})


@pytest.mark.parametrize(
    ("failing", "failed_check", "measured"),
    [
        ((T + 10.2, T + 11.5), "availability", "87.0%"),  # 1.3 s of 10 failing
        ((T + 12.5, T + 12.7), "detect_within", "2.5s"),
        ((T + 10.2, T + 13.2), None, None),  # failover 4.2 s, and availability too
    ],
)
def test_an_expectation_that_does_not_hold_fails_the_drill(cluster, drill, failing, failed_check, measured) -> None:
    result = judge(cluster, drill, completed(), traffic(20, failing))
    assert result.verdict is Verdict.FAILED and result.exit_code == 1
    failed = {c.name: c.measured for c in result.checks if not c.passed}
    if failed_check is None:
        assert set(failed) == {"availability", "failover_within"}
    else:
        assert failed == {failed_check: measured}
        assert result.reason == f"{failed_check}: expected {next(c.expected for c in result.checks if not c.passed)}, measured {measured}"


def test_no_failover_reads_never(cluster, drill) -> None:
    result = judge(cluster, drill, completed(), traffic(20, (T + 10.2, T + 20.5)))
    check = next(c for c in result.checks if c.name == "failover_within")
    assert (check.measured, check.passed) == ("never", False)


def test_a_slow_recovery_fails(cluster, drill) -> None:
    run = completed(target_down_at_revert=True)
    result = judge(cluster, drill, run, traffic(20, (T + 10.2, T + 10.4)), [down(T + 10.3), up(T + 26)])
    assert {c.name: c.measured for c in result.checks if not c.passed} == {"recover_within": "6.0s"}


def test_a_revert_that_could_not_be_verified_fails_a_run_that_met_its_expectations(cluster, drill) -> None:
    result = judge(cluster, drill, completed(revert_failed="nginx still not running"), traffic(20, (T + 10.2, T + 10.4)))
    assert result.verdict is Verdict.FAILED
    assert result.checks[-1].name == "revert" and not result.checks[-1].passed
    assert "revert: expected verified, measured nginx still not running" in result.reason


def test_no_expectations_no_checks_a_pass(cluster, drill) -> None:
    bare = drill.model_copy(update={"expect": Expectations()})
    result = judge(cluster, bare, completed(), traffic(20, (T + 10, T + 20)))
    assert result.verdict is Verdict.PASSED and result.checks == ()


def test_availability_without_traffic_in_the_fault_fails_as_no_traffic(cluster, drill) -> None:
    result = judge(cluster, drill, completed(), traffic(20, end=T + 9))
    check = next(c for c in result.checks if c.name == "availability")
    assert (check.measured, check.passed) == ("no traffic", False)


def test_an_aborted_run_says_why_and_measures_nothing(cluster, drill) -> None:
    run = RunState(started=T, aborted="steady state does not hold: nginx runs on 2 node(s), needs 3", ended=T + 3)
    result = judge(cluster, drill, run, traffic(20, end=T + 3))
    assert result.verdict is Verdict.ABORTED and result.exit_code == 3
    assert result.reason == "steady state does not hold: nginx runs on 2 node(s), needs 3"
    assert result.checks == () and result.time_to_detect_s is None and result.fault_id is None
    assert result.ended == T + 3


def test_an_abort_after_the_fault_was_applied_still_aborts_and_names_a_failed_revert(cluster, drill) -> None:
    run = completed(aborted="interrupted by the operator", revert_failed="connection lost")
    result = judge(cluster, drill, run, traffic(20))
    assert result.verdict is Verdict.ABORTED
    assert result.reason == "interrupted by the operator; revert: connection lost"
    assert result.fault_id == PLAN.id  # the report still says which fault it was


def test_a_fault_that_was_never_verified_aborts(cluster, drill) -> None:
    run = RunState(started=T, target="web2", plan=PLAN, applying=APPLYING)
    result = judge(cluster, drill, run, traffic(20, end=T + 11))
    assert (result.verdict, result.reason) == (Verdict.ABORTED, "the fault was never applied")
    assert result.ended == END + 99  # the run set no end: the verdict's "now"


def test_events_before_the_run_are_left_out(cluster, drill) -> None:
    result = judge(cluster, drill, completed(), traffic(20), [down(T - 5), down(T + 10.3)])
    assert [e.t for e in result.events] == [T + 10.3]


def test_the_managers_reactions_are_judged_and_can_detect_first(cluster) -> None:
    """The lab's own web-node-loss, with its `expect: managers:`: the balancers' reactions
    become checks, the window starts at the node-side action, and a balancer that marked the
    target down before any request failed or any event came is who detected it."""
    from clustertui.drills.managers_timeline import ManagersRecord
    from clustertui.managers.changes import Change, ManagerEvent

    def mark(t: float, lb: str, change: Change) -> ManagerEvent:
        return ManagerEvent(t, "lb", change, f"haproxy@{lb}", "web_nodes/web2", "web2", "UP", "DOWN")

    record = ManagersRecord((mark(T + 11.5, "lb1", Change.MARKED_DOWN), mark(T + 11.7, "lb2", Change.MARKED_DOWN),
                             mark(T + 21.0, "lb1", Change.MARKED_UP), mark(T + 21.2, "lb2", Change.MARKED_UP)),
                            None, {"lb": ("haproxy@lb1", "haproxy@lb2")})
    run = completed(t_action=T + 9.95, managers=record)
    result = judge(cluster, cluster.drills["web-node-loss"], run, traffic(20), [down(T + 12)])
    assert result.verdict is Verdict.PASSED, result.reason
    assert [(c.name, c.measured) for c in result.checks][-2:] == [
        ("managers.lb.down_within", "1.8s (haproxy@lb1 1.5s, haproxy@lb2 1.8s)"),
        ("managers.lb.up_within", "1.2s (haproxy@lb1 1.0s, haproxy@lb2 1.2s)")]
    assert (result.detected_by, result.time_to_detect_s) == ("haproxy@lb1", pytest.approx(1.55))
    assert result.phases[1].start == T + 9.95 and result.fault_start == T + 9.95 and result.t_fault == FAULT
    assert result.manager_events == record.events
    # Nothing read (a cluster whose managers could not be read at all): the expectations fail.
    unread = judge(cluster, cluster.drills["web-node-loss"], completed(), traffic(20), [down(T + 10.3)])
    assert unread.verdict is Verdict.FAILED and "managers.lb.down_within" in unread.reason
