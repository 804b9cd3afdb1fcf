"""A TCP test server on 127.0.0.1 that leaves no handler behind.

`asyncio.start_server` closes its listening socket on exit but, before Python 3.12, does not
wait for the connections it handed out: a handler still blocked (a server told to hang) is
then destroyed after the event loop closed, and pytest reports "Event loop is closed" as an
unraisable exception in whichever test runs next.  Here every handler is a tracked task,
cancelled and awaited before the server goes away.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def tcp_server(handle: Handler, context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """Serve `handle` on 127.0.0.1 (TLS with `context`); yields the port."""
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handle(reader, writer)
        finally:
            tasks.discard(task)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=context)
    try:
        async with server:
            yield server.sockets[0].getsockname()[1]
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
