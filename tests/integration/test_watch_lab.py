"""The service watch on the lab (issue 16): at a 5 s interval, a killed service is reported
by the node's watch within 0.5 s, long before the next frame; and an outage shorter than the
interval, which frames alone would miss, is reported as a down and an up event."""

from __future__ import annotations

import asyncio
import time

import pytest

from clustertui.config import load_cluster
from clustertui.engine.events import Event, EventKind, EventSource
from clustertui.engine.monitor import ClusterMonitor
from clustertui.lab import node_exec
from clustertui.transport.states import NodeState

pytestmark = pytest.mark.lab

INTERVAL = 5.0
NODE = "web2"


class Watching:
    """The monitor at a 5 s interval, with web2's frame arrivals and nginx events."""

    def __init__(self, monitor: ClusterMonitor) -> None:
        self.monitor = monitor
        self.frames: list[float] = []
        self.events: list[Event] = []
        monitor.on_sample(lambda node, _: self.frames.append(time.time()) if node == NODE else None)
        monitor.on_event(lambda e: self.events.append(e) if e.node == NODE and e.detail.startswith("nginx:") else None)

    async def after_a_frame(self) -> float:
        """Just after web2's next frame (so the following one is a whole interval away)."""
        seen = len(self.frames)
        while len(self.frames) == seen:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the watcher is armed right after the frame is printed
        return self.frames[-1]

    async def event(self, kind: EventKind, since: float, timeout: float) -> Event:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.kind is kind and event.t >= since:
                    return event
            await asyncio.sleep(0.01)
        raise AssertionError(f"no {kind} of nginx on {NODE} within {timeout}s: {self.events}")


async def started(lab) -> Watching:
    monitor = ClusterMonitor(load_cluster(lab.cluster_file), interval=INTERVAL)
    watching = Watching(monitor)
    await monitor.start()
    deadline = time.monotonic() + 20
    while monitor.nodes[NODE].state is not NodeState.UP or not monitor.nodes[NODE].services:
        assert time.monotonic() < deadline, monitor.nodes[NODE].detail
        await asyncio.sleep(0.1)
    assert monitor.nodes[NODE].sample is not None and monitor.nodes[NODE].sample.watch == "on"
    return watching


def kill_nginx() -> None:
    node_exec(NODE, ["pkill", "-KILL", "-x", "nginx"], check=True)


def start_nginx() -> None:
    node_exec(NODE, ["nginx"], check=True)


async def test_the_watch_reports_a_kill_before_the_next_frame(lab) -> None:
    watching = await started(lab)
    try:
        frame = await watching.after_a_frame()
        killed = time.time()
        await asyncio.to_thread(kill_nginx)
        down = await watching.event(EventKind.SERVICE_DOWN, killed, INTERVAL)
        assert down.source is EventSource.WATCH
        assert down.t - killed < 0.5, f"reported {down.t - killed:.2f}s after the kill"
        assert down.t < frame + INTERVAL - 1, "not before the next frame"
        assert "no nginx process" in down.detail
        # The next frame confirms it: no second event, and the verdict stays down.
        await asyncio.sleep(frame + INTERVAL + 1 - time.time())
        assert [e.kind for e in watching.events if e.t >= killed] == [EventKind.SERVICE_DOWN]
        assert watching.monitor.nodes[NODE].services["nginx"].up is False
        await asyncio.to_thread(start_nginx)
        await watching.event(EventKind.SERVICE_UP, killed, 2 * INTERVAL + 2)
    finally:
        await watching.monitor.stop()


async def test_an_outage_shorter_than_the_interval_is_reported_down_and_up(lab) -> None:
    watching = await started(lab)
    try:
        frame = await watching.after_a_frame()
        killed = time.time()
        await asyncio.to_thread(kill_nginx)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(start_nginx)
        assert time.time() < frame + INTERVAL - 1, "the outage outlived a frame: the case proves nothing"
        down = await watching.event(EventKind.SERVICE_DOWN, killed, INTERVAL)
        up = await watching.event(EventKind.SERVICE_UP, killed, 2 * INTERVAL + 2)
        assert down.source is EventSource.WATCH and down.t - killed < 0.5
        assert up.t > down.t
    finally:
        await watching.monitor.stop()
