"""The cluster's side of a drill without a cluster: views cut into facts, facts folded into
changes, changes judged against `expect: managers:`, and the fault's two instants on our
clock.  The lab runs the same code for real in test_drills_lab.py."""

from __future__ import annotations

import pytest

from clustertui.chaos.instants import NodeInstants
from clustertui.config import ManagerKind
from clustertui.config.manager_expect import ManagerExpect
from clustertui.drills.fault_clock import fault_instants
from clustertui.drills.manager_checks import manager_checks, manager_signs
from clustertui.managers.changes import Change, ManagerEvent, facts, fold, routed
from clustertui.managers.command import CommandView, NodeRole
from clustertui.managers.haproxy import HaproxyRead, HaproxyServer, HaproxyView, ServerStatus
from clustertui.managers.keepalived import Holding, KeepalivedView
from clustertui.managers.sentinel import MasterSeen, RedisRole, SentinelSeen, SentinelView
from clustertui.managers.state import ReadState, SourceRead
from clustertui.transport.clock import ClockOffset, best_offset, parse_node_time

T0 = 1_790_000_000.0


def ok(node: str, t: float) -> SourceRead:
    return SourceRead(node, ReadState.OK, "", t, 3.0)


def haproxy(t: float, web2: str, lb2: ReadState = ReadState.OK) -> HaproxyView:
    def server(status: str) -> HaproxyServer:
        return HaproxyServer("web_nodes", "web2", ServerStatus(status.split()[0]), status, "", "L4CON", 1, 0, 0,
                             "198.18.0.12:80", "web2")

    second = (HaproxyRead(ok("lb2", t), (server(web2),)) if lb2 is ReadState.OK
              else HaproxyRead(SourceRead("lb2", lb2, "connect failed", t)))
    return HaproxyView("lb", (HaproxyRead(ok("lb1", t), (server(web2),)), second))


def test_a_balancer_marking_the_target_down_and_up_is_two_changes_per_balancer() -> None:
    latest: dict = {}
    assert fold(latest, facts("lb", haproxy(T0, "UP"))) == []  # the first read is the baseline
    assert routed(latest, "lb", "web2") == ("haproxy@lb1", "haproxy@lb2")
    assert fold(latest, facts("lb", haproxy(T0 + 1, "UP 1/2"))) == []  # on its way down: still routed
    downs = fold(latest, facts("lb", haproxy(T0 + 2, "DOWN")))
    assert [(e.change, e.by, e.node, e.before, e.after) for e in downs] == [
        (Change.MARKED_DOWN, "haproxy@lb1", "web2", "UP", "DOWN"), (Change.MARKED_DOWN, "haproxy@lb2", "web2", "UP", "DOWN")]
    assert downs[0].describe() == "haproxy@lb1 marked web2 DOWN (web_nodes/web2, was UP)"
    # lb2 cannot be read: its facts stay as they were (no change to "unknown"), its read says why.
    ups = fold(latest, facts("lb", haproxy(T0 + 5, "UP", lb2=ReadState.DOWN)))
    assert [(e.change, e.by) for e in ups] == [(Change.UNREADABLE, "haproxy@lb2"), (Change.MARKED_UP, "haproxy@lb1")]
    assert ups[0].after == "down (connect failed)"


def test_an_address_moving_and_a_new_primary_are_changes() -> None:
    def vip(t: float, *holders: str, lb2_read: bool = True) -> KeepalivedView:
        reads = (ok("lb1", t), ok("lb2", t) if lb2_read else SourceRead("lb2", ReadState.SLOW, "late", t))
        return KeepalivedView("vip", reads, (Holding("198.18.0.100", holders),))

    latest: dict = {}
    fold(latest, facts("vip", vip(T0, "lb1")))
    assert fold(latest, facts("vip", vip(T0 + 1, "lb2", lb2_read=False))) == [
        ManagerEvent(T0 + 1, "vip", Change.UNREADABLE, "keepalived@lb2", "lb2", "lb2", "ok", "slow (late)")]
    readable, left = fold(latest, facts("vip", vip(T0 + 2)))
    assert readable.change is Change.READABLE
    assert (left.change, left.before, left.after, left.node) == (Change.MOVED, "lb1", "", None)
    moved, = [e for e in fold(latest, facts("vip", vip(T0 + 3, "lb2"))) if e.change is Change.MOVED]
    assert (moved.node, moved.describe()) == ("lb2", "keepalived: 198.18.0.100 moved from nobody to lb2")

    def sentinel(t: float, master: str, role2: str) -> SentinelView:
        seen = tuple(SentinelSeen(ok(n, t), (MasterSeen("mymaster", f"{master}:6379", master),)) for n in ("db2", "db3"))
        return SentinelView("redis", ("mymaster",), seen, (RedisRole("db2", 6379, ok("db2", t), role2),))

    latest = {}
    fold(latest, facts("redis", sentinel(T0, "db1", "slave")))
    changes = fold(latest, facts("redis", sentinel(T0 + 3, "db2", "master")))
    assert {(e.change, e.by, e.node) for e in changes} == {
        (Change.PROMOTED, "sentinel@db2", "db2"), (Change.PROMOTED, "sentinel@db3", "db2"),
        (Change.PROMOTED, "redis@db2", "db2")}
    role = CommandView("pg", (NodeRole(ok("db1", T0), "primary"),))
    latest = {}
    fold(latest, facts("pg", role))
    demoted, = fold(latest, facts("pg", CommandView("pg", (NodeRole(ok("db1", T0 + 1), "replica"),))))
    assert demoted.change is Change.DEMOTED


def event(after: float, change: Change, by: str, node: str | None, before: str = "", now: str = "",
          manager: str = "lb") -> ManagerEvent:
    return ManagerEvent(T0 + after, manager, change, by, "web_nodes/web2", node, before, now)


def test_expectations_judge_the_slowest_balancer_and_the_first_move_away() -> None:
    events = [
        event(1.8, Change.MARKED_DOWN, "haproxy@lb1", "web2"), event(2.2, Change.MARKED_DOWN, "haproxy@lb2", "web2"),
        event(11.0, Change.MARKED_UP, "haproxy@lb1", "web2"), event(12.5, Change.MARKED_UP, "haproxy@lb2", "web2"),
        event(1.0, Change.MOVED, "keepalived", None, "web2", "", "vip"),
        event(2.4, Change.MOVED, "keepalived", "lb2", "", "lb2", "vip"),
    ]
    routing = {"lb": ("haproxy@lb1", "haproxy@lb2")}
    expected = {"lb": ManagerExpect(down_within=2.0, up_within=3.0), "vip": ManagerExpect(moves_within=3.0)}
    checks = manager_checks(expected, events, routing, "web2", T0, T0 + 10, T0 + 20)
    assert [(c.name, c.measured, c.passed) for c in checks] == [
        ("managers.lb.down_within", "2.2s (haproxy@lb1 1.8s, haproxy@lb2 2.2s)", False),
        ("managers.lb.up_within", "2.5s (haproxy@lb1 1.0s, haproxy@lb2 2.5s)", True),
        ("managers.vip.moves_within", "2.4s (lb2, by keepalived)", True),
    ]
    # A balancer that never marks it down fails down_within, and one still down at the end up_within.
    late = manager_checks({"lb": ManagerExpect(down_within=5.0, up_within=5.0)}, events[:1], routing, "web2",
                          T0, T0 + 10, T0 + 20)
    assert [(c.measured, c.passed) for c in late] == [
        ("never (haproxy@lb1 1.8s, haproxy@lb2 never)", False), ("never (haproxy@lb1 never, haproxy@lb2 0.0s)", False)]
    # Nothing routed to the target: nothing can mark it down.
    assert not manager_checks({"lb": ManagerExpect(down_within=5.0)}, events, {}, "web2", T0, T0 + 10, T0 + 20)[0].passed
    # The first sign among them: the address leaving the target, before any balancer.
    assert manager_signs(events, "web2", T0, T0 + 10)[:2] == [(T0 + 1.8, "haproxy@lb1"), (T0 + 2.2, "haproxy@lb2")]
    assert min(manager_signs(events, "web2", T0, T0 + 10)) == (T0 + 1.0, "keepalived")


def test_a_promotion_of_the_target_itself_is_not_a_failover() -> None:
    events = [event(0.5, Change.PROMOTED, "sentinel@db2", "db1", "db0", "db1", "redis"),
              event(3.0, Change.PROMOTED, "redis@db2", "db2", "slave", "master", "redis")]
    check, = manager_checks({"redis": ManagerExpect(promotes_within=2.0)}, events, {}, "db1", T0, T0 + 10, T0 + 12)
    assert (check.measured, check.passed) == ("3.0s (db2, by redis@db2)", False)


def test_expectations_name_the_kinds_they_fit() -> None:
    from clustertui.config.manager_expect import KEYS

    assert set(KEYS["promotes_within"]) == {ManagerKind.REDIS_SENTINEL, ManagerKind.COMMAND, ManagerKind.ETCD}
    with pytest.raises(ValueError, match="at least one of"):
        ManagerExpect()


def test_the_nodes_clock_offset_takes_the_shortest_round_trip() -> None:
    # (sent, node, received): the node runs 2 s ahead; the slow exchange would say 2.4 s.
    offset = best_offset([(100.0, 102.9, 101.0), (200.0, 202.01, 200.02)])
    assert offset.offset == pytest.approx(2.0) and offset.uncertainty == pytest.approx(0.01)
    assert parse_node_time("1790000000.123456789\n") == pytest.approx(1790000000.123456789)
    for garbage in ("1790000000.N", "1790000000.%N", "-1.5", "1e9", "\uff11\uff17\uff19" + "0" * 7 + ".1", ""):
        assert parse_node_time(garbage) is None


def test_the_fault_instants_stay_between_the_apply_and_its_answer() -> None:
    clock = ClockOffset(2.0, 0.001)  # the node is 2 s ahead
    acted, verified = fault_instants(NodeInstants(T0 + 2.1, T0 + 2.3), clock, T0, T0 + 0.5)
    assert (acted, verified) == (pytest.approx(T0 + 0.1), pytest.approx(T0 + 0.3))
    # A wrong offset cannot place the action outside what we saw; no stamp or no clock: unknown.
    assert fault_instants(NodeInstants(T0 + 50, None), clock, T0, T0 + 0.5) == (T0 + 0.5, T0 + 0.5)
    assert fault_instants(NodeInstants(T0, T0), None, T0, T0 + 0.5) == (None, T0 + 0.5)


def test_a_pacemaker_resource_moving_is_a_move() -> None:
    """Where Pacemaker runs a resource, in its quorate view: a move to another node is a
    `moved` change, so `moves_within` fits the shared-disk cluster's owner-loss drill."""
    from clustertui.managers.pacemaker import MemberView, PacemakerView
    from clustertui.managers.pacemaker_parse import CrmStatus, PcmkResource

    def view(t: float, owner: str) -> PacemakerView:
        status = CrmStatus(True, "ha2", (), (PcmkResource("fs", "ocf:heartbeat:Filesystem", "Started", (owner,)),))
        return PacemakerView("ha", (MemberView(ok("ha2", t), status),))

    latest: dict = {}
    fold(latest, facts("ha", view(T0, "ha1")))
    moved, = fold(latest, facts("ha", view(T0 + 4, "ha3")))
    assert (moved.change, moved.by, moved.node, moved.describe()) == (
        Change.MOVED, "pacemaker", "ha3", "pacemaker: fs moved from ha1 to ha3")
    check, = manager_checks({"ha": ManagerExpect(moves_within=5.0)}, [moved], {}, "ha1", T0, T0 + 10, T0 + 12)
    assert (check.measured, check.passed) == ("4.0s (ha3, by pacemaker)", True)
