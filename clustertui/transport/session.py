"""One node's live session: a persistent connection and one long-lived probe channel.

The session owns its node's state machine.  It reconnects by itself with jittered backoff,
except after a host-key failure, which is a security alert and waits for `retry()`.  Each
node is its own task: a slow or dead node never delays another node's samples.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import asyncssh

from clustertui.probe.errors import ProbeError
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import HostInfo, NodeSample, WatchReport
from clustertui.transport.channel import SampleCallback, WatchCallback, run_probe
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import NodeState, classify

STALE_AFTER_INTERVALS = 3
#: A frame this late (beyond its interval) marks the node stale even before 3 intervals: at
#: long intervals 3 of them is a long silence (15 s at 5 s), while the probe's frames come
#: within milliseconds of their time (a ticker on the node).  2 s covers a loaded node and
#: a busy controller; at 1 s the 3 intervals come first (docs/performance.md).
STALE_GRACE = 2.0
#: The silence watch wakes at least this often, so staleness is seen within a second.
SILENCE_TICK = 1.0


def stale_after(interval: float) -> float:
    """Seconds without a frame after which a node is stale."""
    return min(STALE_AFTER_INTERVALS * interval, interval + max(STALE_GRACE, interval / 2))


class SessionSink(Protocol):
    """Where a session reports; the engine implements it."""

    def node_state(self, node: str, state: NodeState, detail: str) -> None: ...

    def node_sample(self, node: str, sample: NodeSample) -> None: ...

    def node_watch(self, node: str, report: WatchReport) -> None: ...


class NodeSession:
    def __init__(
        self,
        target: SSHTarget,
        plan: ProbePlan,
        interval: float,
        sink: SessionSink,
        pool: ConnectionPool,
    ) -> None:
        self.target = target
        self.plan = plan
        self.interval = interval
        self.sink = sink
        self.pool = pool
        self.backoff = pool.backoff()
        self.state = NodeState.CONNECTING
        self.detail = ""
        self.info: HostInfo | None = None
        self.connection: asyncssh.SSHClientConnection | None = None
        self.last_frame = 0.0  # monotonic time of the last good frame
        self._retry = asyncio.Event()
        self._wake = asyncio.Event()  # set_interval asked for a new probe, or a new probe took over
        self._restart_wanted = False
        self._stopping = False
        self._streaming = False

    # -- state -------------------------------------------------------------------------

    def _set_state(self, state: NodeState, detail: str = "") -> None:
        if state != self.state or detail != self.detail:
            self.state, self.detail = state, detail
            self.sink.node_state(self.target.name, state, detail)

    def retry(self) -> None:
        """The user's go-ahead to reconnect after a host-key alert (or to skip a backoff)."""
        self._retry.set()

    def set_interval(self, interval: float) -> None:
        """Sample every `interval` from now on: a streaming probe is replaced on the same
        connection (its interval is an argument of the remote program); `_stream` hands
        over from the old probe to the new one without a frame that lacks rates when the
        interval gets shorter."""
        self.interval = interval
        self._restart_wanted = True
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self._retry.set()
        if self.connection is not None:
            self.connection.close()

    # -- the loop ----------------------------------------------------------------------

    async def run(self) -> None:
        # A failed node keeps its failure state while it retries, so a dead node does not
        # flap between "connecting" and "unreachable" on every backoff cycle.
        while not self._stopping:
            try:
                # Lent to the pool: chaos in the same process runs its commands on it.
                self.connection = await self.pool.open(self.target, keepalive=False, lend=True)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                state, detail = classify(exc)
                self._set_state(state, detail)
                await self._pause(state)
                continue
            try:
                await self._stream(self.connection)
            except asyncio.CancelledError:
                raise
            except ProbeError as exc:
                self._set_state(NodeState.PROBE_ERROR, str(exc))
            except Exception as exc:
                self._set_state(*classify(exc))
            finally:
                self.connection.close()
                self.connection = None
            if not self._stopping:
                await self._pause(self.state)

    async def _pause(self, state: NodeState) -> None:
        self._retry.clear()
        if state.retried:
            try:
                await asyncio.wait_for(self._retry.wait(), self.backoff.next_delay())
            except TimeoutError:
                pass
        else:
            await self._retry.wait()

    async def _stream(self, conn: asyncssh.SSHClientConnection) -> None:
        def on_sample(sample: NodeSample, info: HostInfo | None) -> None:
            self.info = info
            self.last_frame = time.monotonic()
            if self.state is not NodeState.UP:
                self.backoff.reset()
                self._set_state(NodeState.UP)
            self.sink.node_sample(self.target.name, sample)

        self.last_frame = time.monotonic()
        self._streaming = True
        probes: dict[int, asyncio.Future[object]] = {}
        live = 0  # the generation whose frames are delivered
        running_interval = self.interval  # of the newest probe

        def deliver(generation: int, patient: bool) -> SampleCallback:
            """A new probe's first frame has no CPU or network rates (nothing to compare
            with yet).  When the interval got shorter (`patient`), the old probe keeps
            sampling until the new one's second frame, one short interval later, so the
            change leaves no gap; when it got longer, the new probe takes over at once."""
            frames = 0

            def on_frame(sample: NodeSample, info: HostInfo | None) -> None:
                nonlocal live, frames
                frames += 1
                if generation < live or (generation > live and patient and frames == 1 and sample.cpu is None):
                    return
                if generation > live:
                    live = generation
                    self._wake.set()  # retire the old probe now
                on_sample(sample, info)

            return on_frame

        def watch_of(generation: int) -> WatchCallback:
            """A watch event from a retired probe is old news: the live one reports."""

            def on_watch(report: WatchReport) -> None:
                if generation >= live and self.state is NodeState.UP:
                    self.sink.node_watch(self.target.name, report)

            return on_watch

        try:
            while True:
                for generation in [g for g in probes if g < live]:  # taken over: stop it
                    retired = probes.pop(generation)
                    retired.cancel()
                    await asyncio.gather(retired, return_exceptions=True)
                for probe in probes.values():
                    if probe.done():
                        probe.result()  # a probe ended by itself: its error says why
                        return
                if not probes or self._restart_wanted:
                    self._restart_wanted = False
                    patient = bool(probes) and self.interval < running_interval
                    running_interval = self.interval
                    command = self.target.privileged(self.plan.command(self.interval))
                    generation = max(probes, default=-1) + 1
                    probes[generation] = asyncio.ensure_future(
                        run_probe(conn, command, self.plan, deliver(generation, patient), interval=self.interval,
                                  on_watch=watch_of(generation)))
                self._wake.clear()
                if self._restart_wanted or any(g < live for g in probes):
                    continue
                waiter: asyncio.Future[object] = asyncio.ensure_future(self._wake.wait())
                watched: set[asyncio.Future[object]] = {waiter, *probes.values()}
                try:
                    await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
        finally:
            for probe in probes.values():
                probe.cancel()
            await asyncio.gather(*probes.values(), return_exceptions=True)
            self._streaming = False

    def check_silence(self, now: float) -> None:
        """Mark the node stale after `stale_after`; drop a connection that stays silent.

        A hung sshd or a firewall that drops packets keeps TCP open for minutes; closing
        the connection after the connect timeout more turns that into a reconnect whose
        failure names the real state (unreachable).
        """
        if not self._streaming or self.connection is None:
            return
        silent = now - self.last_frame
        stale = stale_after(self.interval)
        if silent > stale + max(self.target.connect_timeout, 2 * self.interval):
            self.connection.close()
        elif silent > stale and self.state == NodeState.UP:
            self._set_state(NodeState.STALE, f"no sample for {silent:.1f}s")


async def watch_silence(sessions: list[NodeSession], idle: float = 1.0) -> None:
    """One timer for all sessions: a per-session watchdog would wake the loop N times as often.
    It wakes every half interval (the sessions' current one: it can change live), and at
    least every SILENCE_TICK."""
    while True:
        await asyncio.sleep(min(SILENCE_TICK, min((session.interval for session in sessions), default=idle) / 2))
        now = time.monotonic()
        for session in sessions:
            session.check_silence(now)
