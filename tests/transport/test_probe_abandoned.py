"""A probe whose start fails or is cancelled leaves no future behind for asyncio to log.

asyncssh makes the probe's channel (`connection_made`) before it sends the exec request and
waits for the answer.  When the connection closes in that window (a monitor stopping while
nodes still start their probes) the request fails and, separately, the channel reports its
loss: the probe's `ended` future then held ProbeError('probe channel closed') that nobody
awaited, and asyncio logged "Future exception was never retrieved" when it was collected.
The connection here plays exactly that sequence; the fleet test does it for real.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Coroutine

import asyncssh
import pytest

from clustertui.probe.plan import ProbePlan
from clustertui.transport.channel import run_probe


class Channel:
    closed = False

    def close(self) -> None:
        self.closed = True


class Connection:
    """Makes the channel, then loses the connection while the exec request is pending
    (`hang`: the request never answers, the caller gives up by cancelling)."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.channel = Channel()
        self.session: asyncssh.SSHClientSession[str] | None = None

    async def create_session(self, factory, command: str, **options: object) -> None:
        self.session = factory()
        self.session.connection_made(self.channel)
        if self.hang:
            await asyncio.Event().wait()
        await asyncio.sleep(0)
        self.session.connection_lost(None)
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED, "connection lost")

    def is_closed(self) -> bool:
        return True


async def failure(probe: Coroutine[object, object, None]) -> type[BaseException] | None:
    """The type of what `probe` raised; the exception itself (and the frames its traceback
    holds, the probe's among them) is dropped, so that the garbage collector sees the rest."""
    try:
        await probe
    except Exception as exc:
        return type(exc)
    return None


def never_retrieved(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()
    return [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_probe_whose_exec_request_fails_leaves_nothing_to_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    conn = Connection()
    assert await failure(run_probe(conn, "probe", ProbePlan(), lambda sample, info: None)) is asyncssh.ChannelOpenError  # type: ignore[arg-type]
    conn.session = None  # as asyncssh drops a channel that failed to open
    assert never_retrieved(caplog) == []
    assert conn.channel.closed


async def test_a_probe_cancelled_while_starting_closes_its_channel_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="asyncio")
    conn = Connection(hang=True)
    samples: list[object] = []
    task = asyncio.ensure_future(run_probe(conn, "probe", ProbePlan(), lambda s, i: samples.append(s)))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert conn.channel.closed  # not left streaming into a probe nobody reads
    assert conn.session is not None
    conn.session.data_received("F 1 1.00\nm 1 1 1.0 0 0\nl 0 0 0\nE\n", None)  # type: ignore[arg-type]
    conn.session.connection_lost(None)  # the connection closes later
    await asyncio.sleep(0)
    assert samples == []
    conn.session = None
    assert never_retrieved(caplog) == []
