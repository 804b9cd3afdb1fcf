"""HTTP/1.1 to a port on the node, through the node's pooled SSH connection.

For managers that answer over HTTP on the node (etcd's JSON gateway): a forwarded TCP
channel to 127.0.0.1:PORT on the node, so the request goes where the manager listens
whatever the controller's own network path, costs the node no new process, and needs
nothing installed there. h11 parses the answer (as transport.netcheck does for the
controller's own checks, with the Prometheus client's reader: transport/http_answer.py);
the head and the body are bounded, and anything that is not a
whole HTTP response is `garbage` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncssh
import h11

from clustertui.managers.limits import MAX_OUTPUT, clip
from clustertui.managers.remote import send
from clustertui.managers.state import Garbage
from clustertui.transport.http_answer import AnswerTooLarge, ClosedEarly, read_answer

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
        return HttpAnswer(*await read_answer(http, reader.read, limit))
    except h11.ProtocolError as exc:
        raise Garbage(f"not an HTTP response ({clip(str(exc), 80)})") from None
    except AnswerTooLarge:
        raise Garbage(f"an answer of over {limit // 1024} KiB") from None
    except ClosedEarly:
        raise Garbage("the connection closed before a whole HTTP response") from None
    finally:
        writer.close()
