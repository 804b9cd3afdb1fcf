"""Reading a manager over a node's pooled SSH connection, bounded in time and size.

Three ways in, all on the connection the monitor already holds (a channel each, never a
new login): a command whose output is read up to a bound, a unix socket on the node (the
HAProxy stats socket) and a TCP port on the node (Sentinel, Redis), both forwarded by the
node's sshd, so nothing has to be installed there. `read_on` runs one node's read under a
deadline and turns every outcome into a `SourceRead`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import asyncssh

from clustertui.config import Node
from clustertui.managers.limits import MAX_OUTPUT, MAX_REASON
from clustertui.managers.state import Garbage, ReadFailure, ReadState, SourceRead
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import classify

T = TypeVar("T")

Read = Callable[[asyncssh.SSHClientConnection], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class Reach:
    """How a read reaches the nodes: the pool, the deadline of each node's read, and the
    nodes known to be down (the monitor's view), which are not tried: a handshake per
    manager per interval to a dead node would cost more than it tells."""

    pool: ConnectionPool
    deadline: float
    unavailable: Mapping[str, str] = field(default_factory=dict)  # node -> why


async def read_on(reach: Reach, node: Node, read: Read[T]) -> tuple[SourceRead, T | None]:
    """Run `read` on `node`'s pooled connection within the deadline: its value and an OK
    read, or None and the state and reason of what went wrong."""
    started = time.monotonic()
    if node.name in reach.unavailable:
        return _read(node, ReadState.UNREACHABLE, reach.unavailable[node.name], started), None
    try:
        # The connection is the transport's business (its own connect timeout; the monitor's
        # is already open): the deadline is the manager's, from the request to its answer.
        conn = await _connection(reach.pool, node)
    except ReadFailure as exc:
        return _read(node, exc.state, exc.reason, started), None

    async def on_connection() -> T:
        try:
            return await read(conn)
        except (asyncssh.ChannelOpenError, ReadFailure):
            raise
        except (asyncssh.Error, OSError) as exc:  # the connection went while reading
            reach.pool.forget(node.name)
            raise ReadFailure(ReadState.UNREACHABLE, f"connection lost: {exc}") from None

    return await _bounded(node, reach.deadline, on_connection)


async def read_here(reach: Reach, node: Node, fetch: Callable[[], Awaitable[T]]) -> tuple[SourceRead, T | None]:
    """A read the controller makes itself (a manager's HTTP page on the node), with the same
    deadline, states and skipping of nodes known down as `read_on`; `fetch` raises
    ReadFailure for what it knows (refused: down)."""
    started = time.monotonic()
    if node.name in reach.unavailable:
        return _read(node, ReadState.UNREACHABLE, reach.unavailable[node.name], started), None
    return await _bounded(node, reach.deadline, fetch)


async def _bounded(node: Node, deadline: float, call: Callable[[], Awaitable[T]]) -> tuple[SourceRead, T | None]:
    """`call()` within `deadline`, every outcome a SourceRead."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(deadline):
            try:
                value = await call()
            except (asyncssh.ChannelOpenError, ReadFailure, TimeoutError, asyncio.CancelledError):
                raise
            except Exception as exc:  # a parser tripped on something no bound foresaw: still data
                raise Garbage(f"unreadable answer ({type(exc).__name__}: {exc})") from None
    except TimeoutError:
        return _read(node, ReadState.SLOW, f"no whole answer within {deadline:g}s", started), None
    except asyncssh.ChannelOpenError as exc:
        return _read(node, ReadState.DOWN, str(exc.reason or exc).lower(), started), None
    except ReadFailure as exc:
        return _read(node, exc.state, exc.reason, started), None
    return _read(node, ReadState.OK, "", started), value


def _read(node: Node, state: ReadState, reason: str, started: float) -> SourceRead:
    return SourceRead(node.name, state, ReadFailure(state, reason).reason, time.time(),
                      (time.monotonic() - started) * 1000.0)


async def _connection(pool: ConnectionPool, node: Node) -> asyncssh.SSHClientConnection:
    try:
        return await pool.connection(SSHTarget.from_node(node))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # every connection failure is a state and a reason
        pool.forget(node.name)
        state, reason = classify(exc)
        raise ReadFailure(ReadState.UNREACHABLE, f"{state}: {reason}") from None


async def read_bounded(reader: asyncssh.SSHReader[bytes], limit: int = MAX_OUTPUT) -> bytes:
    """Everything `reader` sends until EOF, refusing more than `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise Garbage(f"an answer of over {limit // 1024} KiB")
        parts.append(chunk)


async def run_command(conn: asyncssh.SSHClientConnection, command: str, limit: int = MAX_OUTPUT) -> str:
    """`command`'s stdout (up to `limit` bytes); a non-zero exit is DOWN with its stderr."""
    process = await conn.create_process(command, encoding=None)
    try:
        out, err = await asyncio.gather(read_bounded(process.stdout, limit), read_bounded(process.stderr, limit))
        await process.wait_closed()
    finally:
        process.close()
    status = process.exit_status
    if status != 0:
        why = err.decode(errors="replace").strip().splitlines()
        detail = f": {why[-1][:MAX_REASON]}" if why else ""
        raise ReadFailure(ReadState.DOWN, f"exit status {status}{detail}" if status is not None else f"killed{detail}")
    return decode(out)


async def unix_request(conn: asyncssh.SSHClientConnection, path: str, request: bytes, limit: int = MAX_OUTPUT) -> str:
    """Send `request` to the unix socket `path` on the node and read its answer to EOF."""
    reader, writer = await conn.open_unix_connection(path, encoding=None)
    try:
        send(writer, request)
        return decode(await read_bounded(reader, limit))
    finally:
        writer.close()


def send(writer: asyncssh.SSHWriter[bytes], request: bytes) -> None:
    """Write a request; a peer that already closed its side is no error here: what it said
    before closing is still read (and its silence, if any, is judged there)."""
    try:
        writer.write(request)
    except (asyncssh.Error, OSError):
        pass


def decode(data: bytes) -> str:
    """Text of an answer: invalid UTF-8 replaced (it is data, shown escaped later)."""
    return data.decode("utf-8", errors="replace")
