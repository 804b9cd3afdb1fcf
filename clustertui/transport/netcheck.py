"""HTTP and TCP checks from the controller, timed to the millisecond.

Service health URLs and cluster endpoints are judged from where clustertui runs, the way a
client sees them. Each check is one fresh connection (a kept-alive connection to a VIP
would stay on one backend and hide a failed connect), timed to the response head; the body
is never read. h11 parses the response with a bound on the head, asyncio streams carry it:
measured against httpx (bench/http_check.py, docs/performance.md), this costs a fraction
of the controller CPU per check and of the import time, for checks that run every interval
for every service.

Whatever the server does (refuses, hangs, trickles, floods, answers garbage, oversized
headers, a bad certificate), the result is a failed `CheckOutcome` with its reason: no
exception leaves `http_check` or `tcp_check` except cancellation.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import h11

if TYPE_CHECKING:
    from clustertui.config.model import HttpSettings

#: Bound on the status line and headers together; a longer head is a failed check.
MAX_HEAD = 16 * 1024
_READ = 4096
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Headers that must not follow a redirect to another origin (credentials, the virtual host).
_ORIGIN_BOUND = frozenset({"authorization", "cookie", "host", "proxy-authorization"})


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


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """How to talk to the server beyond the URL: headers, TLS trust, redirects."""

    headers: tuple[tuple[str, str], ...] = ()
    ca_file: str | None = None  # trust only this CA bundle (an internal CA)
    insecure: bool = False  # no certificate verification at all
    server_name: str | None = None  # TLS SNI and certificate name, when the URL holds an IP
    max_redirects: int = 0  # 0: a redirect is the answer judged

    @classmethod
    def of(cls, spec: HttpSettings) -> HttpOptions:
        """The options a service, endpoint or traffic entry of the cluster file sets."""
        return cls(
            headers=tuple(spec.headers.items()),
            ca_file=str(spec.ca_file) if spec.ca_file is not None else None,
            insecure=spec.insecure,
            server_name=spec.server_name,
            max_redirects=spec.max_redirects if spec.follow_redirects else 0,
        )


_PLAIN = HttpOptions()


class _Failed(Exception):
    """A check failed for a reason already phrased for the user."""


async def http_check(
    url: str, expect_status: int = 200, timeout: float = 2.0, options: HttpOptions = _PLAIN
) -> CheckOutcome:
    """GET `url` and compare the final status with `expect_status`, all within `timeout`."""
    started = time.perf_counter()
    status: int | None = None
    try:
        async with asyncio.timeout(timeout):
            hops, origin = 0, _origin(url)
            while True:
                status, location = await _exchange(url, options, _origin(url) == origin)
                if status not in _REDIRECTS or options.max_redirects == 0:
                    break
                if location is None:
                    raise _Failed(f"HTTP {status} redirect without a Location header")
                if hops == options.max_redirects:
                    raise _Failed(f"more than {options.max_redirects} redirects")
                url = _redirect_target(url, location)
                hops += 1
    except TimeoutError:
        return CheckOutcome(False, _ms(started), status, f"timed out after {timeout:g}s")
    except _Failed as failed:
        return CheckOutcome(False, _ms(started), status, str(failed))
    except ssl.SSLCertVerificationError as exc:
        return CheckOutcome(False, _ms(started), error=f"TLS: {exc.verify_message or exc.reason or 'verify failed'}")
    except ssl.SSLError as exc:
        reason = exc.reason.replace("_", " ").lower() if exc.reason else _printable(str(exc))  # WRONG_VERSION_NUMBER
        return CheckOutcome(False, _ms(started), error=f"TLS: {reason}")
    except OSError as exc:
        return CheckOutcome(False, _ms(started), error=_reason(exc))
    except h11.ProtocolError as exc:
        return CheckOutcome(False, _ms(started), error=_protocol_reason(exc))
    except ValueError as exc:  # a URL no connection can be made to (a port out of range, a bad IDNA name)
        return CheckOutcome(False, _ms(started), error=f"bad URL: {_printable(str(exc))}")
    latency = _ms(started)
    if status != expect_status:
        hint = " (a redirect; follow_redirects is off)" if status in _REDIRECTS and not options.max_redirects else ""
        return CheckOutcome(False, latency, status, f"HTTP {status}, expected {expect_status}{hint}")
    return CheckOutcome(True, latency, status)


async def _exchange(url: str, options: HttpOptions, same_origin: bool) -> tuple[int, str | None]:
    """One GET on a fresh connection: (status, Location header or None). Raises on failure.

    The configured headers go along, except that credentials and `Host` never follow a
    redirect to another origin.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Failed(f"not an http(s) URL: {_printable(url)}")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    host = parts.hostname
    context = _tls_context(options.ca_file, options.insecure) if tls else None
    server_name = (options.server_name or host) if tls else None
    reader, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=server_name)
    try:
        connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        authority = f"[{host}]" if ":" in host else host
        if parts.port:
            authority += f":{parts.port}"
        headers = [("Host", authority), ("User-Agent", "clustertui"), ("Connection", "close")]
        sent = [(k, v) for k, v in options.headers if same_origin or k.lower() not in _ORIGIN_BOUND]
        given = {name.lower() for name, _ in sent}
        headers = [(k, v) for k, v in headers if k.lower() not in given] + sent
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        writer.write(connection.send(h11.Request(method="GET", target=target, headers=headers)))
        writer.write(connection.send(h11.EndOfMessage()))
        received = 0
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                if received >= MAX_HEAD:
                    raise _Failed(f"response head over {MAX_HEAD} bytes")
                data = await reader.read(min(_READ, MAX_HEAD - received))
                received += len(data)
                connection.receive_data(data)
            elif isinstance(event, h11.Response):
                location = next((value for name, value in event.headers if name == b"location"), None)
                return event.status_code, location.decode("latin-1") if location is not None else None
            elif isinstance(event, h11.ConnectionClosed):
                raise _Failed("connection closed before a complete response")
            # an InformationalResponse (1xx) is followed by the real one
    finally:
        writer.close()


class FetchError(Exception):
    """A page that could not be fetched, with why (phrased for the user); `down`: it is not
    served (refused, unreachable, an HTTP error status), rather than answered wrongly."""

    def __init__(self, reason: str, down: bool = False) -> None:
        super().__init__(reason)
        self.down = down


async def http_body(url: str, limit: int) -> bytes:
    """GET `url` (http) on a fresh connection: the body of a 200 answer, at most `limit`
    bytes. The caller bounds the time. Raises FetchError for every failure."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise FetchError(f"not an http URL: {_printable(url)}")
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    except OSError as exc:
        raise FetchError(_reason(exc), down=True) from None
    try:
        connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        writer.write(connection.send(h11.Request(method="GET", target=target, headers=[
            ("Host", parts.netloc), ("User-Agent", "clustertui"), ("Connection", "close")])))
        writer.write(connection.send(h11.EndOfMessage()))
        body, status = bytearray(), None
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                if status != 200:
                    raise FetchError(f"HTTP {status}", down=True)
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > limit:
                    raise FetchError(f"a page of over {limit // 1024} KiB")
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                if status is None:
                    raise FetchError("connection closed before a complete response")
                return bytes(body)
    except OSError as exc:
        raise FetchError(_reason(exc), down=True) from None
    except h11.ProtocolError as exc:
        raise FetchError(_protocol_reason(exc)) from None
    finally:
        writer.close()


@lru_cache(maxsize=32)
def _context(ca_file: str | None, insecure: bool, _mtime: int) -> ssl.SSLContext:
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    # With a ca_file, only that bundle is trusted: an internal CA's endpoints, nothing else.
    return ssl.create_default_context(cafile=ca_file)


def _tls_context(ca_file: str | None, insecure: bool) -> ssl.SSLContext:
    """One SSL context per trust setting (building one loads a CA bundle: milliseconds).

    The CA file's mtime is part of the key, so that a rotated CA is picked up.
    """
    try:
        mtime = os.stat(ca_file).st_mtime_ns if ca_file else 0
        return _context(ca_file, insecure, mtime)
    except (OSError, ssl.SSLError) as exc:
        raise _Failed(f"ca_file {ca_file}: {_printable(getattr(exc, 'strerror', None) or str(exc)).lower()}") from exc


async def tcp_check(host: str, port: int, timeout: float = 2.0) -> CheckOutcome:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return CheckOutcome(False, _ms(started), error=f"timed out after {timeout:g}s")
    except OSError as exc:
        return CheckOutcome(False, _ms(started), error=_reason(exc))
    except ValueError as exc:  # a host the resolver cannot even encode (IDNA: an empty or long label)
        return CheckOutcome(False, _ms(started), error=f"bad address: {_printable(str(exc))}")
    writer.close()
    return CheckOutcome(True, _ms(started))


def _redirect_target(base: str, location: str) -> str:
    """The absolute URL a Location header points to, if it is one we can request."""
    try:
        target = urljoin(base, location)
        parts = urlsplit(target)
        parts.port  # noqa: B018 -- raises ValueError for a port outside 0..65535
    except ValueError:
        target = ""
    if not target or not all("!" <= ch <= "~" for ch in target):  # printable ASCII, no spaces
        raise _Failed(f"redirect to an invalid URL: {_printable(location)}")
    return target


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


def _protocol_reason(exc: h11.ProtocolError) -> str:
    message = str(exc)
    if "too long" in message:
        return f"response head over {MAX_HEAD} bytes"
    if "closed" in message:
        return "connection closed before a complete response"
    return "not an HTTP response"


def _reason(exc: OSError) -> str:
    # asyncio's own messages ("Connect call failed (...)") hide the cause; errno names it.
    if isinstance(exc, socket.gaierror):  # its errno is a negative EAI_* code, not an errno
        return _printable(exc.strerror or str(exc)).lower()
    if exc.errno:
        return os.strerror(exc.errno).lower()
    return _printable(str(exc)).lower() or type(exc).__name__


def _printable(text: str, limit: int = 120) -> str:
    """Server-provided text (a Location, a parser message) as one short printable line."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
