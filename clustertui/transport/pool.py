"""The connection pool: every SSH connection clustertui opens goes through here.

One place decides how a node is reached, so a rule is written once for the monitor, `check`,
chaos, drills and the benches:

- jump-host chains (`proxy_jump: a@b1,a@b2`): each prefix of a chain is one connection,
  opened on first use and shared by every node behind it, reopened if it closed;
- handshake concurrency: one semaphore below sshd's default MaxStartups (10:30:100), which
  drops handshakes past ten at once; jump hosts count too. Handshakes never nest (a chain
  is opened hop by hop, before the node's own handshake), so the limit cannot deadlock;
- host-key policy (transport.hostkeys), the same for nodes and jump hosts;
- backoff: the reconnect policy sessions take from `backoff()`.

Two kinds of connections: `open()` gives the caller a connection of its own (the monitor's
probe stream, `check`'s one-shot probe); `connection()` gives a shared one for commands
(chaos, a drill's primary lookup), reusing a connection the monitor lent (`lend=True`),
so that a fault applied from the TUI costs a channel, not a key exchange.
"""

from __future__ import annotations

import asyncio
import time

import asyncssh

from clustertui.transport.backoff import Backoff
from clustertui.transport.clock import ClockError, ClockOffset, measure_offset
from clustertui.transport.ssh import SSHTarget, connect
from clustertui.transport.states import JumpHostError

HANDSHAKE_CONCURRENCY = 10  # below sshd's default MaxStartups of 10:30:100

Chain = tuple[SSHTarget, ...]


class ConnectionPool:
    def __init__(self, handshake_concurrency: int = HANDSHAKE_CONCURRENCY) -> None:
        self._handshakes = asyncio.Semaphore(handshake_concurrency)
        self._jumps: dict[Chain, asyncssh.SSHClientConnection] = {}
        self._shared: dict[str, asyncssh.SSHClientConnection] = {}  # opened by connection()
        self._lent: dict[str, asyncssh.SSHClientConnection] = {}  # owned by someone else
        self._locks: dict[object, asyncio.Lock] = {}
        self._failures: dict[Chain, tuple[float, JumpHostError]] = {}  # when, and how, a hop last failed
        self._clocks: dict[str, tuple[asyncssh.SSHClientConnection, ClockOffset]] = {}  # per connection

    def backoff(self) -> Backoff:
        """A fresh reconnect schedule for one node (see transport.backoff for why jittered)."""
        return Backoff()

    async def open(self, target: SSHTarget, *, keepalive: bool = True, lend: bool = False) -> asyncssh.SSHClientConnection:
        """A new connection, the caller's to close; raises what transport.ssh.connect raises.

        A failure on the way (a jump host) raises JumpHostError naming the hop. `lend=True`
        lets `connection()` run commands on it while it is open.
        """
        tunnel = await self._tunnel(target.hop_targets())
        async with self._handshakes:
            conn = await connect(target, tunnel, keepalive=keepalive)
        if lend:
            self._lent[target.name] = conn
        return conn

    async def connection(self, target: SSHTarget) -> asyncssh.SSHClientConnection:
        """A live connection to run commands on, shared: a lent one, or one the pool keeps."""
        lent = self._lent.get(target.name)
        if lent is not None and not lent.is_closed():
            return lent
        async with self._lock(target.name):
            conn = self._shared.get(target.name)
            if conn is None or conn.is_closed():
                conn = await self.open(target)
                self._shared[target.name] = conn
            return conn

    async def clock(self, target: SSHTarget) -> ClockOffset | None:
        """The node's clock offset (transport.clock), measured once per connection: again
        only when the connection was replaced.  None when it cannot be read (the caller
        then times by its own clock)."""
        try:
            conn = await self.connection(target)
        except Exception:  # the caller's own command on this connection says why
            return None
        known = self._clocks.get(target.name)
        if known is not None and known[0] is conn:
            return known[1]
        try:
            offset = await measure_offset(conn)
        except ClockError:
            return None
        self._clocks[target.name] = (conn, offset)
        return offset

    def forget(self, name: str) -> None:
        """Drop the shared connection of a node whose command failed, so the next one reconnects.

        A lent connection is left to its owner: a chaos command timing out must not cut the
        monitor's probe stream.
        """
        conn = self._shared.pop(name, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close the shared and jump connections; the pool stays usable (it reopens on demand)."""
        for conn in (*self._shared.values(), *self._jumps.values()):
            conn.close()
        self._shared.clear()
        self._jumps.clear()
        self._lent.clear()

    def _lock(self, key: object) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def _tunnel(self, hops: Chain) -> asyncssh.SSHClientConnection | None:
        """The connection to the last hop of the chain, each hop reached through the one before.

        Nodes behind one hop wait for one attempt to reach it: if that attempt fails, they all
        get its failure instead of trying again one after the other (50 nodes behind a
        bastion that times out would otherwise wait 50 connect timeouts).
        """
        tunnel: asyncssh.SSHClientConnection | None = None
        for depth in range(1, len(hops) + 1):
            chain = hops[:depth]
            asked = time.monotonic()
            async with self._lock(chain):
                conn = self._jumps.get(chain)
                if conn is None or conn.is_closed():
                    failed = self._failures.get(chain)
                    if failed is not None and failed[0] >= asked:
                        raise failed[1]
                    try:
                        async with self._handshakes:
                            conn = await connect(chain[-1], tunnel)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:
                        error = JumpHostError(chain[-1].name, exc)
                        self._failures[chain] = (time.monotonic(), error)
                        raise error from exc
                    self._jumps[chain] = conn
            tunnel = conn
        return tunnel
