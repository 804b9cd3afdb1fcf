"""`StopGuard` live, without a lab: a real `ClusterMonitor` fed as its sessions feed it
(node states through its sink API), traffic probes' request lists, a real command.

What is proved here is the timing contract: an engine event trips the guard inside the
engine's own callback (before any await: nothing waits for a poll), traffic is judged every
100 ms, a command on its own cadence, and a disarmed guard stops listening."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from clustertui.config import load_cluster
from clustertui.config.stop_text import parse_stop_text
from clustertui.drills.stopguard import StopGuard
from clustertui.drills.traffic import Request
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from tests.support.paths import LAB_FILE


@pytest.fixture
def monitor() -> ClusterMonitor:
    monitor = ClusterMonitor(load_cluster(LAB_FILE, check_files=False))
    for name in monitor.nodes:
        monitor.node_state(name, NodeState.UP, "")
    return monitor


async def test_a_node_going_down_trips_in_the_engines_own_callback(monitor: ClusterMonitor) -> None:
    seen = []
    guard = StopGuard(parse_stop_text("node_down=other"), monitor, target="web2", on_breach=seen.append)
    guard.arm()
    try:
        monitor.node_state("web2", NodeState.UNREACHABLE, "connection lost")  # the target: expected
        assert not guard.tripped.is_set()
        monitor.node_state("db3", NodeState.UNREACHABLE, "connection lost")
        assert guard.tripped.is_set()  # no await in between: judged on the event itself
        assert seen == [guard.breach] and guard.breach is not None
        assert guard.breach.observed == "db3 is unreachable"
    finally:
        await guard.disarm()


async def test_a_condition_that_holds_when_armed_trips_at_once(monitor: ClusterMonitor) -> None:
    monitor.node_state("lb1", NodeState.STALE, "no frame")
    guard = StopGuard(parse_stop_text("node_down=any"), monitor, target="web2")
    guard.arm()
    await guard.disarm()
    assert guard.breach is not None and guard.breach.observed == "lb1 is stale"


async def test_traffic_is_judged_on_100_ms_buckets_of_completed_requests(monitor: ClusterMonitor) -> None:
    probe = SimpleNamespace(requests=[Request(time.time() - 5, False, 1.0, "before arming: not counted")] * 50)
    guard = StopGuard(parse_stop_text("availability_below=0.5,over=500ms"), monitor, [probe], "web1")  # type: ignore[list-item]
    guard.arm()
    try:
        for _ in range(8):  # 0.8 s of requests that all succeed
            probe.requests += [Request(time.time(), True, 2.0)] * 2
            await asyncio.sleep(0.1)
        assert not guard.tripped.is_set()
        failing_since = time.monotonic()
        while not guard.tripped.is_set():
            probe.requests += [Request(time.time(), False, 1.0, "refused")] * 2
            await asyncio.sleep(0.05)
            assert time.monotonic() - failing_since < 5, "never tripped"
        assert guard.breach is not None and guard.breach.condition.text() == "availability_below=0.5,over=500ms"
    finally:
        await guard.disarm()


async def test_a_failing_command_trips_and_a_passing_one_does_not(monitor: ClusterMonitor) -> None:
    passing = StopGuard(parse_stop_text("command_fails=true,every=1s,timeout=1s"), monitor, target="web1")
    failing = StopGuard(parse_stop_text("command_fails='exit 3',every=100ms"), monitor, target="web1")
    passing.arm()
    failing.arm()
    try:
        await asyncio.wait_for(failing.tripped.wait(), 5)
        await asyncio.sleep(0.3)
        assert not passing.tripped.is_set()
        assert failing.breach is not None and failing.breach.observed == "the command failed: exit 3"
    finally:
        await passing.disarm()
        await failing.disarm()


async def test_a_disarmed_guard_no_longer_listens(monitor: ClusterMonitor) -> None:
    guard = StopGuard(parse_stop_text("quorum_lost"), monitor, target="web1")
    guard.arm()
    await guard.disarm()
    for name in ("lb1", "lb2", "web1", "web2", "web3"):
        monitor.node_state(name, NodeState.UNREACHABLE, "gone")
    assert not guard.tripped.is_set() and guard.breach is None
