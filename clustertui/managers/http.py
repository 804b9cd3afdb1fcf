"""HTTP/1.1 to a port on the node, through the node's pooled SSH connection.

For managers that answer over HTTP on the node (etcd's JSON gateway): a forwarded TCP
channel to 127.0.0.1:PORT on the node, so the request goes where the manager listens
whatever the controller's own network path, costs the node no new process, and needs
nothing installed there. h11 parses the answer (as transport.netcheck does for the
controller's own checks); the head and the body are bounded, and anything that is not a
whole HTTP response is `garbage` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncssh
import h11

from clustertui.managers.limits import MAX_OUTPUT, clip
from clustertui.managers.remote import send
from clustertui.managers.state import Garbage

#: Bound on the status line and headers together.
MAX_HEAD = 16 * 1024


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes


async def http_request(
    conn: asyncssh.SSHClientConnection, port: int, method: str, target: str, body: bytes = b"",
    limit: int = MAX_OUTPUT,
) -> HttpAnswer:
    """One request on a fresh forwarded channel (`Connection: close`); the whole answer."""
    reader, writer = await conn.open_connection("127.0.0.1", port, encoding=None)
    try:
        http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        headers = [("Host", f"127.0.0.1:{port}"), ("User-Agent", "clustertui"), ("Connection", "close"),
                   ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        send(writer, http.send(h11.Request(method=method, target=target, headers=headers))
             + (http.send(h11.Data(data=body)) or b"") + (http.send(h11.EndOfMessage()) or b""))
        return await _answer(http, reader, limit)
    except h11.ProtocolError as exc:
        raise Garbage(f"not an HTTP response ({clip(str(exc), 80)})") from None
    finally:
        writer.close()


async def _answer(http: h11.Connection, reader: asyncssh.SSHReader[bytes], limit: int) -> HttpAnswer:
    status: int | None = None
    parts: list[bytes] = []
    size = 0
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            http.receive_data(await reader.read(65536))  # b"" at EOF: h11 judges it
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            size += len(event.data)
            if size > limit:
                raise Garbage(f"an answer of over {limit // 1024} KiB")
            parts.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            assert status is not None  # h11 yields the Response first
            return HttpAnswer(status, b"".join(parts))
        elif isinstance(event, h11.ConnectionClosed):
            raise Garbage("the connection closed before a whole HTTP response")
        # an InformationalResponse (1xx) is followed by the real one
