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
from clustertui.probe.parse import FRAME_END, derive_sample, parse_frame, split_header
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import HostInfo, NodeSample, RawFrame
from clustertui.transport.backoff import Backoff
from clustertui.transport.bastion import BastionPool
from clustertui.transport.ssh import SSHTarget, connect
from clustertui.transport.states import NodeState, classify

STALE_AFTER_INTERVALS = 3


class SessionSink(Protocol):
    """Where a session reports; the engine implements it."""

    def node_state(self, node: str, state: NodeState, detail: str) -> None: ...

    def node_sample(self, node: str, sample: NodeSample) -> None: ...


class NodeSession:
    def __init__(
        self,
        target: SSHTarget,
        plan: ProbePlan,
        interval: float,
        sink: SessionSink,
        handshakes: asyncio.Semaphore,
        bastions: BastionPool | None = None,
        proxy_jump: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.target = target
        self.plan = plan
        self.interval = interval
        self.sink = sink
        self.handshakes = handshakes
        self.bastions = bastions or BastionPool()
        self.proxy_jump = proxy_jump
        self.backoff = backoff or Backoff()
        self.state = NodeState.CONNECTING
        self.detail = ""
        self.info: HostInfo | None = None
        self.connection: asyncssh.SSHClientConnection | None = None
        self.last_frame = 0.0  # monotonic time of the last good frame
        self._retry = asyncio.Event()
        self._stopping = False

    # -- state -------------------------------------------------------------------------

    def _set_state(self, state: NodeState, detail: str = "") -> None:
        if state != self.state or detail != self.detail:
            self.state, self.detail = state, detail
            self.sink.node_state(self.target.name, state, detail)

    def retry(self) -> None:
        """The user's go-ahead to reconnect after a host-key alert (or to skip a backoff)."""
        self._retry.set()

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
                tunnel = await self.bastions.tunnel_for(self.target, self.proxy_jump)
                async with self.handshakes:
                    self.connection = await connect(self.target, tunnel)
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
        command = self.target.privileged(self.plan.command(self.interval))
        process = await conn.create_process(command, encoding="utf-8", errors="replace")
        watchdog = asyncio.create_task(self._watch(conn))
        previous: RawFrame | None = None
        self.last_frame = time.monotonic()
        try:
            while True:
                try:
                    chunk = await process.stdout.readuntil(FRAME_END)
                except asyncio.IncompleteReadError as exc:
                    raise self._ended(process, exc.partial) from None
                info, body = split_header(chunk)
                if info is not None:
                    self.info = info
                frame = parse_frame(body)
                page_size = self.info.page_size if self.info else 4096
                sample = derive_sample(self.plan, previous, frame, time.time(), page_size)
                previous = frame
                self.last_frame = time.monotonic()
                self.backoff.reset()
                self._set_state(NodeState.UP)
                self.sink.node_sample(self.target.name, sample)
        finally:
            watchdog.cancel()
            process.close()

    def _ended(self, process: asyncssh.SSHClientProcess, partial: str) -> Exception:
        """Why the probe channel ended: the connection went, or the probe itself died."""
        if self.connection is None or self.connection.is_closed():
            return ConnectionResetError("connection lost")
        if partial.strip():
            return ProbeError(f"probe output ended mid-frame: {partial.strip()[:60]!r}")
        status = process.exit_status
        return ProbeError(f"probe exited (status {status})" if status is not None else "probe channel closed")

    async def _watch(self, conn: asyncssh.SSHClientConnection) -> None:
        """Mark the node stale after 3 silent intervals; drop a connection that stays silent.

        A hung sshd or a firewall that drops packets keeps TCP open for minutes; closing
        the connection after the connect timeout more turns that into a reconnect whose
        failure names the real state (unreachable).
        """
        stale_after = STALE_AFTER_INTERVALS * self.interval
        give_up_after = stale_after + max(self.target.connect_timeout, 2 * self.interval)
        while True:
            await asyncio.sleep(self.interval / 2)
            silent = time.monotonic() - self.last_frame
            if silent > give_up_after:
                conn.close()
                return
            if silent > stale_after and self.state == NodeState.UP:
                self._set_state(NodeState.STALE, f"no sample for {silent:.1f}s")
