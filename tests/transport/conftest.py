"""An SSH server in the test process, on 127.0.0.1: the other side, played for real.

`ssh_server(key=...)` starts an asyncssh server that accepts the test's client key, answers
every command with its own name, lets clients forward through it (a jump host) and records
what it saw. A test gives two servers the same name and different keys to play a
man-in-the-middle, or puts one in front of another to play a bastion.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from clustertui.config import JumpHop
from clustertui.transport.ssh import SSHTarget


@dataclass
class FakeServer:
    """What one in-process sshd saw: connections (by peer port) and forwarding requests."""

    name: str
    key: asyncssh.SSHKey
    port: int = 0
    connections: int = 0
    forwards: list[tuple[str, int]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    server: asyncssh.SSHAcceptor | None = None
    auth_delay: float = 0.0  # slow logins, to see how many handshakes run at once
    authenticating: int = 0
    most_authenticating: int = 0

    @property
    def known_name(self) -> str:
        return f"[127.0.0.1]:{self.port}"

    def known_line(self, key: asyncssh.SSHKey | None = None, marker: str = "") -> str:
        public = (key or self.key).export_public_key().decode().strip()
        return f"{marker + ' ' if marker else ''}{self.known_name} {public}\n"

    def hashed_line(self, key: asyncssh.SSHKey | None = None) -> str:
        salt = os.urandom(20)
        digest = hmac.new(salt, self.known_name.encode(), hashlib.sha1).digest()
        name = f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"
        return f"{name} {(key or self.key).export_public_key().decode().strip()}\n"

    def hop(self) -> JumpHop:
        return JumpHop(host="127.0.0.1", port=self.port, user="tester")

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


class _Handler(asyncssh.SSHServer):
    def __init__(self, record: FakeServer, client_key: asyncssh.SSHKey) -> None:
        self.record = record
        self.client_key = client_key

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.record.connections += 1

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        record = self.record
        record.authenticating += 1
        record.most_authenticating = max(record.most_authenticating, record.authenticating)
        try:
            await asyncio.sleep(record.auth_delay)
        finally:
            record.authenticating -= 1
        return key == self.client_key

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self.record.forwards.append((dest_host, dest_port))
        return True  # asyncssh opens the TCP connection onward: a jump host


@pytest.fixture
def client_key(tmp_path: Path) -> tuple[Path, asyncssh.SSHKey]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    key.write_private_key(str(path))
    return path, key


@pytest.fixture
async def ssh_server(client_key) -> AsyncIterator[Callable[..., Awaitable[FakeServer]]]:
    started: list[FakeServer] = []
    public = asyncssh.import_public_key(client_key[1].export_public_key())

    async def start(
        name: str = "node", key: asyncssh.SSHKey | None = None, port: int = 0, auth_delay: float = 0.0
    ) -> FakeServer:
        record = FakeServer(name, key or asyncssh.generate_private_key("ssh-ed25519"), auth_delay=auth_delay)

        async def answer(process: asyncssh.SSHServerProcess) -> None:
            record.commands.append(str(process.command))
            process.stdout.write(f"{record.name}\n")
            process.exit(0)

        record.server = await asyncssh.listen(
            "127.0.0.1", port, server_factory=lambda: _Handler(record, public), server_host_keys=[record.key],
            process_factory=answer,
        )
        record.port = record.server.sockets[0].getsockname()[1]
        started.append(record)
        return record

    yield start
    for record in started:
        record.close()


@pytest.fixture
def target_for(client_key, tmp_path: Path) -> Callable[..., SSHTarget]:
    """An SSHTarget for a fake server, with the test's key and a known_hosts in tmp_path."""

    def make(server: FakeServer, *, tofu: bool = False, jump: tuple[JumpHop, ...] = (),
             known_hosts: Path | None = None) -> SSHTarget:
        return SSHTarget(
            name=server.name, host="127.0.0.1", port=server.port, user="tester", identity=client_key[0],
            known_hosts=known_hosts or tmp_path / "known_hosts", connect_timeout=3.0,
            trust_on_first_use=tofu, jump=jump,
        )

    return make
