"""Controller-side HTTP and TCP checks against real sockets on loopback.

HTTPS servers use a CA made for the test (with `cryptography`, which asyncssh pulls in), as
an internal CA would sign an internal endpoint's certificate. Misbehaving servers (trickling,
flooding, oversized heads, garbage) are real asyncio servers doing exactly that.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clustertui.config import load_cluster
from clustertui.engine.judge import check_endpoint
from clustertui.transport.netcheck import MAX_HEAD, HttpOptions, http_check, tcp_check
from tests.support.servers import tcp_server


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


async def test_http_status_and_latency(server: int) -> None:
    ok = await http_check(f"http://127.0.0.1:{server}/health")
    assert ok.ok and ok.status == 200 and ok.latency_ms > 0
    bad = await http_check(f"http://127.0.0.1:{server}/other")
    assert not bad.ok and bad.status == 503 and "expected 200" in bad.describe()
    assert (await http_check(f"http://127.0.0.1:{server}/other", expect_status=503)).ok


async def test_refused_and_hanging_peers_fail_cleanly(unused_tcp_port: int) -> None:
    refused = await http_check(f"http://127.0.0.1:{unused_tcp_port}/")
    assert not refused.ok and "refused" in refused.describe()
    with socket.socket() as silent:  # accepts (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        hung = await http_check(f"http://127.0.0.1:{port}/", timeout=0.3)
        assert not hung.ok and "timed out" in hung.describe()
        assert (await tcp_check("127.0.0.1", port, timeout=0.5)).ok
    assert not (await tcp_check("127.0.0.1", unused_tcp_port, timeout=0.5)).ok


async def test_non_http_url_is_refused_without_a_connection() -> None:
    assert not (await http_check("ftp://example.invalid/")).ok
    bad_port = await http_check("http://127.0.0.1:99999/")
    assert not bad_port.ok and bad_port.describe().startswith("bad URL: ")


# -- servers that misbehave ----------------------------------------------------------------

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Seen:
    """What a test server received: one dict of lower-cased headers per request."""

    requests: list[tuple[str, dict[str, str]]]


@asynccontextmanager
async def serving(behaviour: Behaviour, context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await behaviour(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # the client hung up on a misbehaving server: that is the point
        finally:
            writer.close()

    async with tcp_server(handle, context) as port:
        yield port


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if line)
    return head[0].split()[1], {k.lower(): v for k, v in headers.items()}


def answer(status: int, *extra: str, seen: Seen | None = None) -> Behaviour:
    async def behaviour(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if seen is not None:
            seen.requests.append(request)
        writer.write(f"HTTP/1.1 {status} X\r\n{''.join(h + chr(13) + chr(10) for h in extra)}Content-Length: 0\r\n\r\n".encode())
        await writer.drain()

    return behaviour


async def test_garbage_answer_is_not_http() -> None:
    async def garbage(reader, writer):
        writer.write(b"\x00\xffnot http\r\n")
        await writer.drain()

    async with serving(garbage) as port:
        outcome = await http_check(f"http://127.0.0.1:{port}/")
    assert not outcome.ok and outcome.describe() == "not an HTTP response"


async def test_oversized_status_line_and_headers_fail_with_their_reason() -> None:
    async def long_status(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 " + b"O" * (MAX_HEAD + 10) + b"\r\n\r\n")
        await writer.drain()

    async def endless_headers(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(100_000):  # ~3 MB of headers, unless the client hangs up first
            writer.write(f"X-Flood-{i}: {'y' * 20}\r\n".encode())
            await writer.drain()

    for behaviour in (long_status, endless_headers):
        async with serving(behaviour) as port:
            outcome = await http_check(f"http://127.0.0.1:{port}/", timeout=5)
        assert not outcome.ok and outcome.describe() == f"response head over {MAX_HEAD} bytes", behaviour.__name__


async def test_trickling_server_is_cut_by_the_whole_check_timeout() -> None:
    async def trickle(reader, writer):  # a byte every 50 ms beats any per-read timeout
        await read_request(reader)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    async with serving(trickle) as port:
        started = time.monotonic()
        outcome = await http_check(f"http://127.0.0.1:{port}/", timeout=0.5)
    assert not outcome.ok and outcome.describe() == "timed out after 0.5s"
    assert time.monotonic() - started < 2


async def test_body_flood_is_not_read_and_closed_before_the_answer_fails() -> None:
    async def flood_body(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
        while True:
            writer.write(b"b" * 65536)
            await writer.drain()

    async def hang_up(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 20")

    async with serving(flood_body) as port:
        assert (await http_check(f"http://127.0.0.1:{port}/", timeout=2)).ok
    async with serving(hang_up) as port:
        cut = await http_check(f"http://127.0.0.1:{port}/", timeout=2)
    assert not cut.ok and cut.status is None and cut.describe() == "connection closed before a complete response"


async def test_informational_answer_is_followed_by_the_real_one() -> None:
    async def continue_then_204(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()

    async with serving(continue_then_204) as port:
        outcome = await http_check(f"http://127.0.0.1:{port}/", expect_status=204)
    assert outcome.ok and outcome.status == 204


# -- headers and redirects -----------------------------------------------------------------


async def test_configured_headers_replace_the_defaults() -> None:
    seen = Seen([])
    async with serving(answer(200, seen=seen)) as port:
        options = HttpOptions(headers=(("Host", "api.internal"), ("Authorization", "Bearer s3cret")))
        assert (await http_check(f"http://127.0.0.1:{port}/ready?x=1", options=options)).ok
        assert (await http_check(f"http://127.0.0.1:{port}/")).ok
    (path, configured), (_, plain) = seen.requests
    assert path == "/ready?x=1"
    assert configured["host"] == "api.internal" and configured["authorization"] == "Bearer s3cret"
    assert plain["host"] == f"127.0.0.1:{port}" and "authorization" not in plain


async def test_redirects_are_judged_unless_followed_within_a_bound() -> None:
    seen = Seen([])

    async def site(reader, writer):
        path, headers = await read_request(reader)
        seen.requests.append((path, headers))
        hops = {"/": "/a", "/a": "b", "/b": "/health", "/loop": "/loop"}
        if path in hops:
            writer.write(f"HTTP/1.1 302 Found\r\nLocation: {hops[path]}\r\nContent-Length: 0\r\n\r\n".encode())
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with serving(site) as port:
        base = f"http://127.0.0.1:{port}"
        judged = await http_check(f"{base}/")
        assert not judged.ok and judged.status == 302
        assert judged.describe() == "HTTP 302, expected 200 (a redirect; follow_redirects is off)"
        assert (await http_check(f"{base}/", expect_status=302)).ok
        seen.requests.clear()
        followed = await http_check(f"{base}/", options=HttpOptions(headers=(("Authorization", "t"),), max_redirects=3))
        assert followed.ok and followed.status == 200
        assert [p for p, _ in seen.requests] == ["/", "/a", "/b", "/health"]
        assert all(h["authorization"] == "t" for _, h in seen.requests)  # same origin: kept
        bounded = await http_check(f"{base}/", options=HttpOptions(max_redirects=2))
        assert not bounded.ok and bounded.describe() == "more than 2 redirects"
        loop = await http_check(f"{base}/loop", options=HttpOptions(max_redirects=5))
        assert not loop.ok and loop.describe() == "more than 5 redirects"


async def test_credentials_and_host_do_not_follow_a_redirect_to_another_origin() -> None:
    other = Seen([])
    async with serving(answer(200, seen=other)) as other_port:
        away = answer(301, f"Location: http://127.0.0.1:{other_port}/landing")
        async with serving(away) as port:
            options = HttpOptions(headers=(("Authorization", "Bearer s3cret"), ("X-Trace", "1")), max_redirects=1)
            assert (await http_check(f"http://127.0.0.1:{port}/", options=options)).ok
    ((path, headers),) = other.requests
    assert path == "/landing" and headers["x-trace"] == "1"
    assert "authorization" not in headers and headers["host"] == f"127.0.0.1:{other_port}"


# -- HTTPS behind an internal CA -----------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    context: ssl.SSLContext  # the server's: a certificate for DNS api.internal and IP 127.0.0.1


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("test internal CA")).issuer_name(_name("test internal CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder().subject_name(_name("api.internal")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("api.internal"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(leaf.public_bytes(pem))
    (directory / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return Pki(directory / "ca.pem", context)


async def test_https_behind_an_internal_ca(pki: Pki) -> None:
    async with serving(answer(200), pki.context) as port:
        url = f"https://127.0.0.1:{port}/health"
        trusted = await http_check(url, options=HttpOptions(ca_file=str(pki.ca_file)))
        assert trusted.ok and trusted.status == 200
        untrusted = await http_check(url)  # the system's CAs do not know the internal CA
        assert not untrusted.ok and untrusted.describe() == "TLS: unable to get local issuer certificate"
        assert (await http_check(url, options=HttpOptions(insecure=True))).ok
        named = await http_check(url, options=HttpOptions(ca_file=str(pki.ca_file), server_name="api.internal"))
        assert named.ok
        wrong = await http_check(url, options=HttpOptions(ca_file=str(pki.ca_file), server_name="db.internal"))
        assert not wrong.ok and "hostname mismatch" in wrong.describe().lower()


async def test_tls_failures_are_checks_that_failed(pki: Pki, tmp_path: Path) -> None:
    async def plain_http(reader, writer):  # answers a TLS hello as nginx's plain port does
        await reader.read(1)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with serving(plain_http) as plain_port:  # not TLS at all
        outcome = await http_check(f"https://127.0.0.1:{plain_port}/", timeout=2, options=HttpOptions(insecure=True))
    assert not outcome.ok and outcome.describe() == "TLS: wrong version number"
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    async with serving(answer(200), pki.context) as port:
        for ca_file in (not_pem, tmp_path / "missing.pem"):
            bad = await http_check(f"https://127.0.0.1:{port}/", options=HttpOptions(ca_file=str(ca_file)))
            assert not bad.ok and bad.describe().startswith(f"ca_file {ca_file}: "), bad.describe()


async def test_endpoint_from_the_cluster_file_with_ca_headers_and_env(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public path: cluster file -> Endpoint -> the same check the monitor and `check` run."""
    monkeypatch.setenv("CLUSTERTUI_TEST_TOKEN", "tok-123")
    seen = Seen([])
    async with serving(answer(200, seen=seen), pki.context) as port:
        path = tmp_path / "cluster.yaml"
        path.write_text(
            "name: t\ntype: single-node\nnodes: [{name: n1, host: 127.0.0.1}]\n"
            "endpoints:\n"
            f"  api: {{http: 'https://127.0.0.1:{port}/health', ca_file: {pki.ca_file}, server_name: api.internal,\n"
            "        headers: {Host: api.internal, Authorization: 'Bearer ${CLUSTERTUI_TEST_TOKEN}'}}\n"
        )
        cluster = load_cluster(path, check_files=False)
        outcome = await check_endpoint(cluster.endpoints["api"])
    assert outcome.ok, outcome.describe()
    ((_, headers),) = seen.requests
    assert headers["host"] == "api.internal" and headers["authorization"] == "Bearer tok-123"


async def test_service_urls_and_drill_traffic_send_their_options(pki: Pki, tmp_path: Path) -> None:
    """The other two users of the http keys: a service's health URL per node, a drill's traffic."""
    from clustertui.drills.traffic import TrafficProbe
    from clustertui.engine.judge import check_service_url

    seen = Seen([])
    async with serving(answer(200, seen=seen), pki.context) as port:
        path = tmp_path / "cluster.yaml"
        path.write_text(
            "name: t\ntype: single-node\nnodes: [{name: n1, host: 127.0.0.1, roles: [web]}]\n"
            f"services:\n  api: {{roles: [web], http: 'https://{{host}}:{port}/health', ca_file: {pki.ca_file},\n"
            "        headers: {X-Probe: service}}\n"
            "drills:\n  d:\n    fault: {kind: cpu-hog}\n    target: {node: n1}\n"
            f"    traffic: [{{http: 'https://127.0.0.1:{port}/', rate: 50, ca_file: {pki.ca_file}, headers: {{X-Probe: drill}}}}]\n"
        )
        cluster = load_cluster(path, check_files=False)
        outcome = await check_service_url(cluster.services["api"], "127.0.0.1", timeout=2)
        assert outcome is not None and outcome.ok, outcome
        probe = TrafficProbe(cluster.drills["d"].traffic[0])
        task = asyncio.create_task(probe.run())
        await asyncio.sleep(0.3)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert probe.requests and all(r.ok for r in probe.requests), probe.requests[:3]
    probes = [headers["x-probe"] for _, headers in seen.requests]
    assert probes[0] == "service" and probes[1:] and set(probes[1:]) == {"drill"}


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("ftp://127.0.0.1/x", "not an http(s) URL: ftp://127.0.0.1/x"),
        ("http://[::1/", "redirect to an invalid URL: http://[::1/"),
        ("http://127.0.0.1:99999/", "redirect to an invalid URL: http://127.0.0.1:99999/"),
        ("/a b\x01\u00fc", "redirect to an invalid URL: /a b?\u00fc"),
    ],
)
async def test_hostile_redirects_are_failed_checks(location: str, reason: str) -> None:
    async def redirect(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: " + location.encode("latin-1") + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with serving(redirect) as port:
        outcome = await http_check(f"http://127.0.0.1:{port}/", options=HttpOptions(max_redirects=3))
    assert not outcome.ok and outcome.describe().startswith(reason), outcome.describe()
    assert outcome.describe().isprintable()
