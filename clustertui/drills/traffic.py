"""Traffic probes that run all through a drill: HTTP GET, TCP connect, or a command.

Open-loop: requests start on a fixed cadence whether or not earlier ones have answered,
so an outage shows as failed or timed-out requests at the rate a real client would have
sent them, instead of quietly slowing the load down.
"""

from __future__ import annotations

import asyncio
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


async def _command(command: str, timeout: float) -> CheckOutcome:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(timeout):
            _out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return CheckOutcome(False, (time.perf_counter() - started) * 1000, error=f"timed out after {timeout:g}s")
    latency = (time.perf_counter() - started) * 1000
    if process.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
        return CheckOutcome(False, latency, error=f"exit {process.returncode}" + (f": {last[0][:100]}" if last else ""))
    return CheckOutcome(True, latency)


class TrafficProbe:
    def __init__(self, traffic: Traffic) -> None:
        self.traffic = traffic
        self.label = describe(traffic)
        self.requests: list[Request] = []
        self._in_flight: set[asyncio.Task] = set()
        self._http_options = HttpOptions.of(traffic)

    async def _one(self) -> None:
        sent = time.time()
        spec = self.traffic
        if spec.http:
            outcome = await http_check(spec.http, spec.expect_status, spec.timeout, self._http_options)
        elif spec.tcp:
            host, _, port = spec.tcp.rpartition(":")
            outcome = await tcp_check(host.strip("[]"), int(port), spec.timeout)
        else:
            outcome = await _command(spec.command, spec.timeout)
        self.requests.append(Request(sent, outcome.ok, outcome.latency_ms, outcome.error or ""))

    async def run(self) -> None:
        """Send at `rate` per second until cancelled; then wait out what is in flight."""
        period = 1.0 / self.traffic.rate
        next_at = time.monotonic()
        try:
            while True:
                if len(self._in_flight) < MAX_IN_FLIGHT:
                    task = asyncio.create_task(self._one())
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                else:
                    self.requests.append(Request(time.time(), False, 0.0, "too many requests in flight"))
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except asyncio.CancelledError:
            if self._in_flight:
                await asyncio.wait(self._in_flight, timeout=self.traffic.timeout + 1)
            raise


def success_ratio(requests: list[Request], start: float, end: float) -> tuple[float | None, int]:
    """Share of requests sent in [start, end) that succeeded, and how many were sent."""
    window = [r for r in requests if start <= r.t < end]
    if not window:
        return None, 0
    return sum(1 for r in window if r.ok) / len(window), len(window)
