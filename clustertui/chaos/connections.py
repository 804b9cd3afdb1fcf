"""SSH connections for chaos commands: one per node, opened on first use, kept.

Chaos runs its commands on channels of its own.  Inside the TUI or a drill the monitor
already holds a verified connection to every node; `existing` hands those over, so a fault
costs one channel, not a key exchange.  Connections this object opened itself are closed
by `close()`; borrowed ones are left to their owner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncssh

from clustertui.config import Node
from clustertui.transport.bastion import BastionPool
from clustertui.transport.ssh import SSHTarget, connect

HANDSHAKE_CONCURRENCY = 10  # below sshd's default MaxStartups of 10:30:100

Borrow = Callable[[str], "asyncssh.SSHClientConnection | None"]


class SSHConnector:
    def __init__(self, existing: Borrow | None = None, concurrency: int = HANDSHAKE_CONCURRENCY) -> None:
        self._existing = existing
        self._handshakes = asyncio.Semaphore(concurrency)
        self._bastions = BastionPool()
        self._own: dict[str, asyncssh.SSHClientConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def connection(self, node: Node) -> asyncssh.SSHClientConnection:
        """A live connection to `node`; raises what `transport.ssh.connect` raises."""
        borrowed = self._existing(node.name) if self._existing else None
        if borrowed is not None and not borrowed.is_closed():
            return borrowed
        async with self._locks.setdefault(node.name, asyncio.Lock()):
            conn = self._own.get(node.name)
            if conn is None or conn.is_closed():
                target = SSHTarget.from_node(node)
                tunnel = await self._bastions.tunnel_for(target, node.ssh.proxy_jump)
                async with self._handshakes:
                    conn = await connect(target, tunnel)
                self._own[node.name] = conn
            return conn

    def forget(self, node: str) -> None:
        """Drop a connection that failed, so that the next command reconnects."""
        conn = self._own.pop(node, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for conn in self._own.values():
            conn.close()
        self._own.clear()
        self._bastions.close()
