"""A hostile node: a real SSH server on 127.0.0.1 whose answers the test chooses.

The lab gives real, honest nodes; what it cannot give is a node that lies: one whose probe
prints markup, terminal control, invalid UTF-8, numbers too big for arithmetic, or floods
without a frame end. This server plays that node for real: clustertui connects to it over
SSH with a key and a verified host key, exactly as to any node, and every byte it reads was
chosen by the test.

How it answers: the read-only commands clustertui sends (the probe and the chaos survey) are
run on this machine for real, so that by default the node is honest and plausible, and their
output passes through the test's mutators on the way out (``frame``: each probe frame,
``survey``: the whole survey). A test can also replace a reply entirely with ``reply`` (a
generator of chunks, with pauses, floods and hangs). Anything else (applying or reverting a
fault) is never run here: ``other`` answers it, by default with a refusal, so a test can
never fault the machine the suite runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import asyncssh


class Kind(StrEnum):
    PROBE = "probe"
    SURVEY = "survey"
    LOCK = "lock"
    OTHER = "other"
    #: A forwarded stream (a cluster manager's socket or port, `direct-tcpip` or
    #: `direct-streamlocal`): refused unless the test gives a ``reply`` for it; the "command"
    #: is the destination, ``127.0.0.1:26379`` or ``/run/haproxy/admin.sock``.
    FORWARD = "forward"


def kind_of(command: str) -> Kind:
    """What clustertui asked for, from the command text it sent."""
    if "uid %s" in command and "nproc" in command:
        return Kind.SURVEY
    if "exec awk" in command and "interval=" in command:
        return Kind.PROBE
    if "flock -n 9" in command and ".lock" in command:
        return Kind.LOCK
    return Kind.OTHER


#: A whole reply made by the test: chunks of bytes; ``None`` in the stream means "hang here".
Script = Callable[[Kind, str], AsyncIterator[bytes | None]]
Mutator = Callable[[bytes], bytes]


def identity(data: bytes) -> bytes:
    return data


async def refuse(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
    yield b"hostile test node: this command is not run here\n"


async def grant_lock(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
    """The chaos lock as an honest node grants it (clustertui/chaos/nodelock.py): "locked",
    then held until the controller closes the channel. Played, never run here."""
    yield b"locked\n"
    yield None


@dataclass
class Behaviour:
    """What the node does; tests change it while clustertui is connected."""

    frame: Mutator = identity
    survey: Mutator = identity
    #: Replaces the reply to every command of the given kinds (the mutators are then unused).
    reply: dict[Kind, Script] = field(default_factory=dict)
    #: The node-side chaos lock; a test may make the node refuse or hang instead.
    lock: Script = grant_lock
    other: Script = refuse
    exit_status: int = 0


@dataclass
class KeyFiles:
    """Where served nodes keep the client key and known_hosts a cluster file names."""

    workdir: Path

    @property
    def identity(self) -> Path:
        return self.workdir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.workdir / "known_hosts"


@dataclass
class HostileNode(KeyFiles):
    """Serve one hostile node; ``start()`` returns once it listens."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    host: str = "127.0.0.1"
    port: int = 0
    commands: list[str] = field(default_factory=list)
    _server: asyncssh.SSHAcceptor | None = None
    _serving: set[asyncio.Task] = field(default_factory=set)  # replies in progress, ended by stop()


    async def start(self) -> HostileNode:
        self.workdir.mkdir(parents=True, exist_ok=True)
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = client_identity(self.identity)
        self._server = await asyncssh.create_server(
            lambda: _Forwarding(self),
            self.host,
            self.port,
            server_host_keys=[host_key],
            authorized_client_keys=asyncssh.import_authorized_keys(
                client_key.export_public_key().decode()
            ),
            process_factory=self._serve,
            encoding=None,
            allow_scp=False,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        public = host_key.export_public_key().decode().strip()
        self.known_hosts.write_text(f"[{self.host}]:{self.port} {public}\n")
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        # A reply still running (a relayed probe, a hang) would outlive the loop: end it here,
        # so that its local probe process is killed and reaped.
        for task in list(self._serving):
            task.cancel()
        await asyncio.gather(*self._serving, return_exceptions=True)

    def node_yaml(self, name: str = "evil", roles: tuple[str, ...] = ("web",)) -> dict[str, object]:
        """The cluster-file entry for this node (its own key, known_hosts and port)."""
        return {
            "name": name,
            "host": self.host,
            "port": self.port,
            "roles": list(roles),
            "ssh": {"user": "root", "identity": str(self.identity), "known_hosts": str(self.known_hosts)},
        }

    # -- serving ---------------------------------------------------------------------------

    async def _serve(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        command = process.command or ""
        self.commands.append(command)
        task = asyncio.current_task()
        if task is not None:
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)
        kind = kind_of(command)
        try:
            script = self.behaviour.reply.get(kind)
            if script is not None:
                await self._play(process, script(kind, command))
            elif kind is Kind.PROBE:
                await self._relay_frames(process, command)
            elif kind is Kind.LOCK:
                await self._play(process, self.behaviour.lock(kind, command))
            elif kind is Kind.SURVEY:
                out = await _run_local(command, ssh_connection(process))
                process.stdout.write(self.behaviour.survey(out))
            else:
                await self._play(process, self.behaviour.other(kind, command))
            process.exit(self.behaviour.exit_status)
        except (asyncssh.Error, OSError, BrokenPipeError, ConnectionError):
            process.close()
        except asyncio.CancelledError:
            process.close()
            raise

    async def _play(self, process: asyncssh.SSHServerProcess[bytes], chunks: AsyncIterator[bytes | None]) -> None:
        async for chunk in chunks:
            if chunk is None:  # hang until the client gives up
                await process.stdin.read()
                return
            if process.is_closing():  # the client gave up: a flood stops here, not in a dead socket
                return
            process.stdout.write(chunk)
            await process.stdout.drain()
            await asyncio.sleep(0)  # drain() need not yield: let the loop see the client close

    async def _relay_frames(self, process: asyncssh.SSHServerProcess[bytes], command: str) -> None:
        """Run the real probe here and pass each frame through the frame mutator."""
        local = await asyncio.create_subprocess_exec(
            "sh", "-c", command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            stdin=asyncio.subprocess.DEVNULL,
        )
        assert local.stdout is not None
        buffer = b""
        try:
            while chunk := await local.stdout.read(65536):
                buffer += chunk
                while (end := buffer.find(b"\nE\n")) != -1:
                    frame, buffer = buffer[: end + 3], buffer[end + 3 :]
                    process.stdout.write(self.behaviour.frame(frame))
                    await process.stdout.drain()
        finally:
            if local.returncode is None:
                local.kill()
            await local.wait()


class _Forwarding(asyncssh.SSHServer):
    """Accepts forwarded streams only when the test scripted a FORWARD reply; the script's
    chunks are what the "manager" at that destination answers."""

    def __init__(self, node: HostileNode) -> None:
        self._node = node

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> object:
        return self._handler(f"{dest_host}:{dest_port}")

    def unix_connection_requested(self, dest_path: str) -> object:
        return self._handler(dest_path)

    def _handler(self, destination: str) -> object:
        self._node.commands.append(f"forward {destination}")
        script = self._node.behaviour.reply.get(Kind.FORWARD)
        if script is None:
            return False

        async def play(reader: asyncssh.SSHReader[bytes], writer: asyncssh.SSHWriter[bytes]) -> None:
            try:
                async for chunk in script(Kind.FORWARD, destination):
                    if chunk is None:
                        await reader.read()
                        return
                    writer.write(chunk)
                    await writer.drain()
                    await asyncio.sleep(0)
            except (asyncssh.Error, OSError, ConnectionError):
                pass
            finally:
                writer.close()

        return play


def ssh_connection(process: asyncssh.SSHServerProcess[bytes]) -> str:
    """$SSH_CONNECTION as sshd would set it: client address and port, server address and port."""
    peer = process.get_extra_info("peername") or ("127.0.0.1", 0)
    sock = process.get_extra_info("sockname") or ("127.0.0.1", 0)
    return f"{peer[0]} {peer[1]} {sock[0]} {sock[1]}"


async def _run_local(command: str, ssh_connection: str) -> bytes:
    local = await asyncio.create_subprocess_exec(
        "sh", "-c", command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        stdin=asyncio.subprocess.DEVNULL, env={**os.environ, "SSH_CONNECTION": ssh_connection},
    )
    out, _ = await local.communicate()
    return out


def client_identity(path: Path) -> asyncssh.SSHKey:
    """A new client key, written where a cluster file's `ssh.identity` points (and `.pub`)."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path))
    os.chmod(path, 0o600)
    key.write_public_key(str(path) + ".pub")
    return key


def replace_line(prefix: bytes, line: bytes) -> Mutator:
    """A mutator that replaces every line starting with ``prefix`` by ``line``."""

    def mutate(data: bytes) -> bytes:
        return b"\n".join(line if old.startswith(prefix) else old for old in data.split(b"\n"))

    return mutate
