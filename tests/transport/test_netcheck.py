"""Controller-side HTTP and TCP checks against real sockets on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clustertui.transport.netcheck import http_check, tcp_check


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
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


async def test_garbage_answer_is_not_http() -> None:
    async def garbage(reader, writer):
        writer.write(b"\x00\xffnot http\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        outcome = await http_check(f"http://127.0.0.1:{port}/")
    assert not outcome.ok and outcome.describe() == "not an HTTP response"


async def test_non_http_url_is_refused_without_a_connection() -> None:
    assert not (await http_check("ftp://example.invalid/")).ok
