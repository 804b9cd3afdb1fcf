"""One whole HTTP/1.1 answer read with h11, bounded: for our clients that need the body.

The Prometheus API client (the controller's own HTTP) and the managers' HTTP through a
forwarded channel (managers/http.py) read answers the same way: feed h11 whatever the
stream gives, keep the status, collect the body up to a limit. Each caller turns the two
failures into its own words; an `h11.ProtocolError` (not HTTP) passes through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import h11


class AnswerTooLarge(Exception):
    """The body went past the limit."""


class ClosedEarly(Exception):
    """The connection closed before the whole answer."""


async def read_answer(connection: h11.Connection, read: Callable[[int], Awaitable[bytes]], limit: int,
                      chunk: int = 65536) -> tuple[int, bytes]:
    """(status, body) of the answer to the request already sent on `connection`; `read(n)`
    gives the stream's next bytes (b"" at its end)."""
    status = 0
    body: list[bytes] = []
    size = 0
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await read(chunk))
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            size += len(event.data)
            if size > limit:
                raise AnswerTooLarge(limit)
            body.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return status, b"".join(body)
        elif isinstance(event, h11.ConnectionClosed):
            raise ClosedEarly()
        # an InformationalResponse (1xx) is followed by the real one
