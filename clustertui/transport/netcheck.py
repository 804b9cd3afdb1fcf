"""HTTP and TCP checks from the controller, timed to the millisecond.

Service health URLs and cluster endpoints are judged from where clustertui runs, the way
a client sees them.  A minimal HTTP/1.1 GET over asyncio streams keeps each check a single
connection with a precise latency and no thread pool; only the status line is read.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    ok: bool
    latency_ms: float
    status: int | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return self.error
        if self.status is not None:
            return f"HTTP {self.status} in {self.latency_ms:.0f} ms"
        return f"connected in {self.latency_ms:.0f} ms"


async def http_check(url: str, expect_status: int = 200, timeout: float = 2.0) -> CheckOutcome:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckOutcome(False, 0.0, error=f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                parts.hostname, port, ssl=parts.scheme == "https" or None
            )
            request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: clustertui\r\nConnection: close\r\n\r\n"
            writer.write(request.encode("ascii", "replace"))
            status_line = await reader.readline()
    except TimeoutError:
        return CheckOutcome(False, _ms(started), error=f"timed out after {timeout:g}s")
    except OSError as exc:
        return CheckOutcome(False, _ms(started), error=_reason(exc))
    finally:
        if writer is not None:
            writer.close()
    latency = _ms(started)
    fields = status_line.split()
    if len(fields) < 2 or not fields[0].startswith(b"HTTP/") or not fields[1].isdigit():
        return CheckOutcome(False, latency, error="not an HTTP response")
    status = int(fields[1])
    if status != expect_status:
        return CheckOutcome(False, latency, status, f"HTTP {status}, expected {expect_status}")
    return CheckOutcome(True, latency, status)


async def tcp_check(host: str, port: int, timeout: float = 2.0) -> CheckOutcome:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return CheckOutcome(False, _ms(started), error=f"timed out after {timeout:g}s")
    except OSError as exc:
        return CheckOutcome(False, _ms(started), error=_reason(exc))
    writer.close()
    return CheckOutcome(True, _ms(started))


def _reason(exc: OSError) -> str:
    # asyncio's own messages ("Connect call failed (...)") hide the cause; errno names it.
    if exc.errno:
        return os.strerror(exc.errno).lower()
    return str(exc).lower() or type(exc).__name__


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
