"""A hostile HTTP server (issue 9, defect 7): whatever it answers, an HTTP check is a failed
check with its reason (never an exception), the monitor's check loop keeps judging every
round, and drill traffic records every request it sent: `sent == ok + failed`, per probe.

The server is a real asyncio server on 127.0.0.1 whose answer the test picks per connection:
oversized status lines and headers (over 64 KiB, the size that raised ValueError before),
floods without a newline, garbage, NUL and control bytes, invalid UTF-8, truncated heads,
absurd status codes, and random bytes from hypothesis.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustertui.config import Traffic, load_cluster
from clustertui.drills.traffic import TrafficProbe
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.netcheck import HttpOptions, http_check
from tests.hostile.cluster import CONTROL, write_cluster
from tests.support.servers import tcp_server

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#: name -> what the server writes after reading the request (None: hang until the client goes).
ANSWERS: dict[str, bytes | None] = {
    "status-line-over-64KiB": b"HTTP/1.1 200 " + b"O" * (65 * 1024) + b"\r\n\r\n",
    "header-over-64KiB": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (65 * 1024) + b"\r\n\r\n",
    "1-MiB-without-newline": b"H" * (1 << 20),
    "many-small-headers": b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 20_000 + b"\r\n",
    "garbage": b"\x00\xff\xfe\x1b]0;owned\x07 not http\r\n\r\n",
    "truncated-head": b"HTTP/1.1 200 OK\r\nContent-Le",
    "status-400-digits": b"HTTP/1.1 " + b"9" * 400 + b" OK\r\n\r\n",
    "status-fullwidth-digits": "HTTP/1.1 ２００ OK\r\n\r\n".encode(),  # noqa: RUF001 (the point of the case)
    "negative-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "control-in-reason": b"HTTP/1.1 500 \x1b[2J\x1b]0;x\x07\r\n\r\n",
    "redirect-to-control-bytes": b"HTTP/1.1 302 Found\r\nLocation: http://\x1b[31m\xff/\r\n\r\n",
    "redirect-to-port-99999": b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/\r\n\r\n",
    "redirect-to-bad-ipv6": b"HTTP/1.1 302 Found\r\nLocation: http://[::1/\r\n\r\n",
    "nothing": b"",
    "hang": None,
}


@asynccontextmanager
async def hostile_http(answer: Callable[[], bytes | None]) -> AsyncIterator[int]:
    """Serve `answer()` (picked per connection) on 127.0.0.1; yields the port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            data = answer()
            if data is None:
                await reader.read()
                return
            for start in range(0, len(data), 65536):
                writer.write(data[start : start + 65536])
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async with tcp_server(handle) as port:
        yield port


def _assert_a_failed_check_with_a_reason(outcome) -> None:
    assert not outcome.ok
    assert outcome.error, outcome
    assert len(outcome.error) <= 200 and not CONTROL.search(outcome.error), outcome.error


@pytest.mark.parametrize("name", sorted(ANSWERS))
async def test_every_hostile_answer_is_a_failed_check_with_its_reason(name: str) -> None:
    async with hostile_http(lambda: ANSWERS[name]) as port:
        options = HttpOptions(max_redirects=3)
        outcome = await http_check(f"http://127.0.0.1:{port}/", 200, 1.0, options)
    _assert_a_failed_check_with_a_reason(outcome)
    if "64KiB" in name or name == "many-small-headers":
        assert "response head over" in outcome.error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.builds(lambda status, rest: b"HTTP/1.1 " + status + b" X\r\n" + rest, st.binary(max_size=8), st.binary(max_size=200)),
        st.builds(lambda head, junk: OK[: len(OK) // 2] + head + junk, st.binary(max_size=50), st.binary(max_size=50)),
    )
)
def test_random_answers_never_raise(answer: bytes) -> None:
    async def one() -> None:
        async with hostile_http(lambda: answer) as port:
            outcome = await http_check(f"http://127.0.0.1:{port}/", 200, 0.5, HttpOptions(max_redirects=2))
        if not outcome.ok:
            _assert_a_failed_check_with_a_reason(outcome)

    asyncio.run(one())


async def test_drill_traffic_records_every_request_it_sent() -> None:
    """Open-loop traffic against a server that rotates through every hostile answer (and some
    good ones): every request sent is recorded once, ok or failed with its reason."""
    rotation = itertools.cycle([OK, *ANSWERS.values(), OK])
    async with hostile_http(lambda: next(rotation)) as port:
        probes = [
            TrafficProbe(Traffic(http=f"http://127.0.0.1:{port}/", rate=40, timeout=0.3)),
            TrafficProbe(Traffic(http=f"http://127.0.0.1:{port}/", rate=40, timeout=0.3, follow_redirects=True)),
            # The name fails to resolve at once, but getaddrinfo runs in a thread: on a busy
            # machine that alone can pass 0.3 s, which is not what this probe is about.
            TrafficProbe(Traffic(tcp="xn--a:80", rate=20, timeout=2)),
            TrafficProbe(Traffic(command="sleep 0.8", rate=5, timeout=2)),  # in flight when the drill ends
            TrafficProbe(Traffic(command="sleep 5", rate=5, timeout=0.3)),
        ]
        tasks = [asyncio.create_task(p.run()) for p in probes]
        await asyncio.sleep(2.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for probe in probes:
        ok = sum(1 for r in probe.requests if r.ok)
        failed = sum(1 for r in probe.requests if not r.ok)
        assert probe.sent == ok + failed == len(probe.requests), (probe.label, probe.sent, ok, failed)
        assert probe.sent >= 5
        assert all(r.error and not CONTROL.search(r.error) for r in probe.requests if not r.ok)
    assert any(r.ok for r in probes[0].requests) and any(not r.ok for r in probes[0].requests)
    assert all(r.ok for r in probes[3].requests)  # the last ones were waited for, not dropped
    assert {r.error for r in probes[4].requests} == {"timed out after 0.3s"}
    assert {r.error for r in probes[2].requests} == {"name or service not known"}


async def test_the_monitor_keeps_checking_an_endpoint_that_answers_garbage(tmp_path: Path) -> None:
    """The monitor's checks task must survive a hostile endpoint: after rounds of oversized
    heads, the endpoint's state follows the server again when it answers well."""
    answers = {"now": ANSWERS["status-line-over-64KiB"]}
    async with hostile_http(lambda: answers["now"]) as port:
        cluster_file = write_cluster(
            tmp_path / "c.yaml",
            [{"name": "nobody", "host": "127.0.0.1", "port": 9, "ssh": {"user": "root", "connect_timeout": "1s"}}],
            interval="300ms",
            endpoints={"vip": {"http": f"http://127.0.0.1:{port}/"}},
        )
        monitor = ClusterMonitor(load_cluster(cluster_file, check_files=False))
        await monitor.start()
        try:
            deadline = time.monotonic() + 5
            while monitor.endpoints["vip"] is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            bad = monitor.endpoints["vip"]
            assert bad is not None and not bad.ok and "response head over" in (bad.error or "")
            await asyncio.sleep(1.0)  # a few more rounds of garbage
            answers["now"] = OK
            while not (monitor.endpoints["vip"] and monitor.endpoints["vip"].ok) and time.monotonic() < deadline + 3:
                await asyncio.sleep(0.05)
            assert monitor.endpoints["vip"] is not None and monitor.endpoints["vip"].ok
        finally:
            await monitor.stop()
