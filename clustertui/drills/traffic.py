"""Traffic probes that run all through a drill: HTTP GET, TCP connect, or a command.

Open-loop: requests start on a fixed cadence whether or not earlier ones have answered,
so an outage shows as failed or timed-out requests at the rate a real client would have
sent them, instead of quietly slowing the load down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass

from clustertui.config import Traffic
from clustertui.transport.netcheck import CheckOutcome, HttpOptions, http_check, tcp_check

MAX_IN_FLIGHT = 200  # per probe: a hung target must not pile up tasks without bound


@dataclass(frozen=True, slots=True)
class Request:
    t: float  # when it was sent (epoch seconds)
    ok: bool
    latency_ms: float
    error: str = ""


def describe(traffic: Traffic) -> str:
    if traffic.http:
        return f"GET {traffic.http}"
    if traffic.tcp:
        return f"TCP {traffic.tcp}"
    return f"$ {traffic.command}"


async def run_command(command: str, timeout: float) -> CheckOutcome:
    """Run `command` in its own process group: on timeout the whole group is killed, since
    a child that outlives the shell (`sh -c 'sleep 5; x'`) keeps the stderr pipe open and
    would hold the request (and the drill's end) until it exits."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(timeout):
            _out, err = await process.communicate()
    except TimeoutError:
        await _kill_group(process)
        return CheckOutcome(False, (time.perf_counter() - started) * 1000, error=f"timed out after {timeout:g}s")
    except asyncio.CancelledError:  # the drill ended: nothing of the command outlives it
        await _kill_group(process)
        raise
    latency = (time.perf_counter() - started) * 1000
    if process.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
        return CheckOutcome(False, latency, error=f"exit {process.returncode}" + (f": {last[0][:100]}" if last else ""))
    return CheckOutcome(True, latency)


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


class TrafficProbe:
    """One probe's requests. Every request sent is recorded exactly once, ok or failed with
    its reason, so that `sent == len(requests) == ok + failed` always holds: a request that
    raised, or was still in flight when the drill ended, is a failure, never a gap that
    would raise the measured availability."""

    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic
        self.label = describe(traffic)
        self.requests: list[Request] = []
        self.sent = 0
        self._in_flight: set[asyncio.Task[None]] = set()
        self._http_options = HttpOptions.of(traffic)

    async def _send(self) -> CheckOutcome:
        spec = self.traffic
        if spec.http:
            return await http_check(spec.http, spec.expect_status, spec.timeout, self._http_options)
        if spec.tcp:
            host, _, port = spec.tcp.rpartition(":")
            return await tcp_check(host.strip("[]"), int(port), spec.timeout)
        if spec.command:
            return await run_command(spec.command, spec.timeout)
        raise ValueError(f"traffic {self.label!r} has no http, tcp or command")  # the cluster file rules this out

    async def _one(self) -> None:
        sent = time.time()
        try:
            outcome = await self._send()
        except asyncio.CancelledError:
            self._record(sent, CheckOutcome(False, _since(sent), error="still in flight when the drill ended"))
            raise
        except Exception as exc:
            outcome = CheckOutcome(False, _since(sent), error=f"could not send: {type(exc).__name__}: {exc}"[:160])
        self._record(sent, outcome)

    def _record(self, sent: float, outcome: CheckOutcome) -> None:
        self.requests.append(Request(sent, outcome.ok, outcome.latency_ms, outcome.error or ""))

    async def run(self) -> None:
        """Send at `rate` per second until cancelled; then wait out what is in flight (a
        request still unanswered after its timeout and a grace second is cancelled, and
        counted as failed)."""
        period = 1.0 / self.traffic.rate
        next_at = time.monotonic()
        try:
            while True:
                self.sent += 1
                if len(self._in_flight) < MAX_IN_FLIGHT:
                    task = asyncio.create_task(self._one())
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                else:
                    self._record(time.time(), CheckOutcome(False, 0.0, error="too many requests in flight"))
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except asyncio.CancelledError:
            if self._in_flight:
                _done, late = await asyncio.wait(self._in_flight, timeout=self.traffic.timeout + 1)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            raise


def _since(epoch: float) -> float:
    return max(0.0, (time.time() - epoch) * 1000)


def success_ratio(requests: list[Request], start: float, end: float) -> tuple[float | None, int]:
    """Share of requests sent in [start, end) that succeeded, and how many were sent."""
    window = [r for r in requests if start <= r.t < end]
    if not window:
        return None, 0
    return sum(1 for r in window if r.ok) / len(window), len(window)
