"""ProxyJump: every node behind the same bastion shares one connection to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh

from clustertui.transport.ssh import SSHTarget, connect


def parse_jump(spec: str, known_hosts: Path | None, identity: Path | None, timeout: float) -> SSHTarget:
    """`[user@]host[:port]`, as ssh -J takes it."""
    user, _, hostport = spec.rpartition("@")
    host, port = hostport, 22
    if hostport.count(":") == 1:
        host, _, port_text = hostport.partition(":")
        port = int(port_text)
    return SSHTarget(
        name=f"bastion {spec}",
        host=host,
        port=port,
        user=user or None,
        identity=identity,
        known_hosts=known_hosts,
        connect_timeout=timeout,
    )


class BastionPool:
    """Opens each bastion once, on first use, and reopens it if it has closed."""

    def __init__(self) -> None:
        self._connections: dict[str, asyncssh.SSHClientConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def tunnel_for(self, target: SSHTarget, jump: str | None) -> asyncssh.SSHClientConnection | None:
        if not jump:
            return None
        async with self._locks.setdefault(jump, asyncio.Lock()):
            conn = self._connections.get(jump)
            if conn is None or conn.is_closed():
                bastion = parse_jump(jump, target.known_hosts, target.identity, target.connect_timeout)
                conn = await connect(bastion)
                self._connections[jump] = conn
            return conn

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
