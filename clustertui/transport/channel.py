"""The probe's SSH channel: frames handed on as they arrive, with no task switch per frame.

asyncssh's stream API (process.stdout.readuntil) costs a future, a task wake-up and a regex
scan per read.  At one frame per node per second that overhead is most of the controller's
budget, so the probe channel is a plain SSHClientSession whose data_received splits and
parses frames and hands each sample on synchronously, inside the packet that completed it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncssh

from clustertui.probe.errors import ProbeError
from clustertui.probe.limits import (
    FRAME_RATE,
    FRAME_START,
    MAX_FRAME,
    MAX_FRAME_BURST,
    MAX_LINE,
    MAX_WATCH_BURST,
    WATCH_RATE,
)
from clustertui.probe.parse import FRAME_END, WATCH_START, parse_frame, parse_watch, split_header
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import HostInfo, NodeSample, WatchReport


class FrameBuffer:
    """Cuts the probe's output into frames in time linear in its size, whatever the node sends.

    Packets are kept as a list and joined only when a frame end has arrived: joining (or
    searching) the whole pending text on every packet costs O(n^2) for a node that trickles
    a frame without end in small packets (100-byte packets up to 1 MiB blocked the event
    loop for 4.6 s). A frame end split across packets is found by searching each packet
    together with the last characters of the one before. Pending text over MAX_FRAME, or a
    line over MAX_LINE, is a ProbeError at once, so memory per node stays bounded too.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._tail = ""  # the last len(FRAME_END) - 1 characters received
        self._line = 0  # characters since the last newline

    def feed(self, data: str) -> list[str]:
        """The frames `data` completes (each ending in FRAME_END), oldest first."""
        self._parts.append(data)
        self._size += len(data)
        window = self._tail + data
        self._tail = window[-(len(FRAME_END) - 1):]
        newline = data.rfind("\n")
        self._line = self._line + len(data) if newline == -1 else len(data) - newline - 1
        if self._line > MAX_LINE:
            raise ProbeError(f"a line of over {MAX_LINE // 1024} KiB in the probe output")
        if FRAME_END not in window:
            if self._size > MAX_FRAME:
                raise ProbeError(f"no frame end in {MAX_FRAME // 1024} KiB of probe output")
            return []
        text = "".join(self._parts)
        frames = []
        start = 0
        while (end := text.find(FRAME_END, start)) != -1:
            end += len(FRAME_END)
            frames.append(text[start:end])
            start = end
        rest = text[start:]
        self._parts = [rest] if rest else []
        self._size = len(rest)
        if self._size > MAX_FRAME:
            raise ProbeError(f"no frame end in {MAX_FRAME // 1024} KiB of probe output")
        return frames

    def rest(self) -> str:
        """What arrived after the last frame end."""
        return "".join(self._parts)


class FrameRate:
    """A token bucket over frames: FRAME_RATE per interval, bursts up to MAX_FRAME_BURST.

    A frame at the bounds costs milliseconds to parse (docs/performance.md); a node that
    sent them back to back could otherwise keep the event loop busy for every other node.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._tokens = float(FRAME_START)
        self._last = time.monotonic()

    def take(self) -> None:
        now = time.monotonic()
        self._tokens = min(MAX_FRAME_BURST, self._tokens + (now - self._last) * FRAME_RATE / self.interval)
        self._last = now
        if self._tokens < 1:
            raise ProbeError(f"frames arrive faster than one per interval ({self.interval:g}s): the node floods")
        self._tokens -= 1


class WatchBudget:
    """A token bucket over watch events: WATCH_RATE a second, bursts up to MAX_WATCH_BURST;
    `take()` is False for an event past it, which is dropped (the next frame still tells)."""

    def __init__(self) -> None:
        self._tokens = float(MAX_WATCH_BURST)
        self._last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(MAX_WATCH_BURST, self._tokens + (now - self._last) * WATCH_RATE)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


SampleCallback = Callable[[NodeSample, "HostInfo | None"], None]
WatchCallback = Callable[[WatchReport], None]


class ProbeChannel(asyncssh.SSHClientSession[str]):
    def __init__(
        self, plan: ProbePlan, on_sample: SampleCallback, interval: float | None = None, max_frames: int | None = None,
        on_watch: WatchCallback | None = None,
    ) -> None:
        self._plan = plan
        self._on_sample = on_sample
        self._on_watch = on_watch
        self._watch_budget = WatchBudget()
        self._rate = FrameRate(interval) if interval else None
        self._frames_left = max_frames  # None: until the channel ends
        self.info: HostInfo | None = None  # from the probe's one-off header line
        self._pending = FrameBuffer()
        self._stderr_tail = ""
        self.exit_status: int | None = None
        self.exit_signal: str | None = None
        self._channel: asyncssh.SSHClientChannel[str] | None = None
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, chan: asyncssh.SSHClientChannel[str]) -> None:
        self._channel = chan

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            self._stderr_tail = (self._stderr_tail + data)[-200:]
            return
        if self.ended.done():  # failed already: whatever else the node floods in is dropped
            return
        try:
            for chunk in self._pending.feed(data):
                if chunk.startswith(WATCH_START):  # a watch event between frames
                    if self._on_watch is not None and self._watch_budget.take():
                        self._on_watch(parse_watch(chunk))
                    continue
                if self._rate is not None:
                    self._rate.take()
                if chunk.startswith("H "):
                    self.info, chunk = split_header(chunk)
                self._on_sample(parse_frame(chunk, self._plan, time.time()), self.info)
                if self._frames_left is not None:
                    self._frames_left -= 1
                    if self._frames_left == 0:  # all we asked for: whatever else the node sends is not read
                        raise ProbeError("probe ended")
        except ProbeError as exc:
            self._finish(exc)

    def exit_status_received(self, status: int) -> None:
        self.exit_status = status

    def exit_signal_received(self, signal: str, core_dumped: bool, msg: str, lang: str) -> None:
        self.exit_signal = signal

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(exc or self._why_ended())

    def _why_ended(self) -> Exception:
        if rest := self._pending.rest().strip():
            return ProbeError(f"probe output ended mid-frame: {rest[:60]!r}")
        if "password is required" in self._stderr_tail:
            return ProbeError("sudo asks for a password: allow this user NOPASSWD sudo, or drop `become: sudo`")
        detail = f": {self._stderr_tail.strip().splitlines()[-1][:120]}" if self._stderr_tail.strip() else ""
        if self.exit_status is not None:
            return ProbeError(f"probe exited (status {self.exit_status}){detail}")
        if self.exit_signal is not None:
            return ProbeError(f"probe killed by SIG{self.exit_signal}{detail}")
        return ProbeError(f"probe channel closed{detail}")

    def _finish(self, exc: Exception) -> None:
        if not self.ended.done():
            self.ended.set_exception(exc)
        if self._channel is not None:
            self._channel.close()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()

    def abandon(self) -> None:
        """The probe never started (its exec request failed, or the caller was cancelled
        while it was pending): nobody will await `ended`.  A channel already made is closed,
        and how it ended is dropped, not left in a future that asyncio would log at exit as
        "Future exception was never retrieved" (the connection closing mid-request, as when
        a monitor stops while nodes are still starting their probes)."""
        if self.ended.done():
            if not self.ended.cancelled():
                self.ended.exception()  # retrieved: the caller's own exception says what happened
        else:
            self.ended.cancel()
        self.close()


async def run_probe(
    conn: asyncssh.SSHClientConnection,
    command: str,
    plan: ProbePlan,
    on_sample: SampleCallback,
    interval: float | None = None,
    max_frames: int | None = None,
    on_watch: WatchCallback | None = None,
) -> None:
    """Run the probe until its channel ends, handing on each sample (and each watch event,
    to `on_watch`) as it arrives.

    Raises ConnectionResetError when the connection went, ProbeError when the probe failed
    or ended (the only way out: even a count=1 probe "ends"). With the probe's `interval`,
    frames faster than that are a ProbeError too (FrameRate); after `max_frames` frames the
    channel is closed.
    """
    probe = ProbeChannel(plan, on_sample, interval, max_frames, on_watch)
    try:
        await conn.create_session(lambda: probe, command, encoding="utf-8", errors="replace")
    except BaseException:
        probe.abandon()
        raise
    try:
        await probe.ended
    except (asyncssh.Error, OSError) as exc:
        raise ConnectionResetError(f"connection lost: {exc}") from None
    except ProbeError:
        if conn.is_closed():
            raise ConnectionResetError("connection lost") from None
        raise
    finally:
        probe.close()


async def probe_once(
    conn: asyncssh.SSHClientConnection, command: str, plan: ProbePlan
) -> tuple[HostInfo | None, NodeSample]:
    """Run the probe for one frame (`command` built with count=1) and return it parsed."""
    got: list[tuple[NodeSample, HostInfo | None]] = []
    try:
        await run_probe(conn, command, plan, lambda sample, info: got.append((sample, info)), max_frames=1)
    except ProbeError:
        if not got:
            raise
    if not got:
        raise ProbeError("probe printed no frame")
    sample, info = got[0]
    return info, sample
