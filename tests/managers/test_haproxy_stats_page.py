"""HAProxy's CSV stats page (`stats_url`), read by the controller over HTTP: a real page
parses as the socket's `show stat` does; a refused port, an error status, a page that is no
CSV, one that hangs or floods, each end in a clear read state with its reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.managers.haproxy import read_haproxy, stats_page
from clustertui.managers.remote import Reach
from clustertui.managers.state import ReadState

CSV = (b"# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,"
       b"weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,"
       b"rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,addr,\n"
       b"stats,FRONTEND,,,1,1,2000,5,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,1,0,1,,,,0,,\n"
       b"web_nodes,web1,0,0,2,5,,9,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,812,0,,1,3,1,,9,,2,0,,1,L7OK,200,1,0,198.18.0.11:80,\n"
       b"web_nodes,web2,0,0,0,5,,9,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,3,3,,1,3,2,,9,,2,0,,1,L4CON,,0,0,198.18.0.12:80,\n"
       b"web_nodes,BACKEND,0,0,2,5,200,9,0,0,0,0,,0,0,0,0,UP,2,2,0,,0,812,0,,1,3,0,,9,,1,0,,1,,,,0,,\n")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def answer(status: str, body: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()
    return handle


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(40):
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()


def cluster(tmp_path: Path, port: int):
    path = tmp_path / "c.yaml"
    path.write_text(f"""name: page
type: single-node
nodes:
  - {{name: lb1, host: 127.0.0.1, roles: [lb]}}
  - {{name: web1, host: 198.18.0.11, roles: [web]}}
  - {{name: web2, host: 198.18.0.12, roles: [web]}}
managers:
  lb: {{kind: haproxy, roles: [lb], stats_url: "http://{{host}}:{port}/;csv"}}
""")
    return load_cluster(path, check_files=False)


async def read(tmp_path: Path, port: int):
    loaded = cluster(tmp_path, port)
    reach = Reach(pool=None, deadline=1.0)  # type: ignore[arg-type]  # no SSH: the controller reads the page
    return await read_haproxy(loaded.managers["lb"], loaded, reach)


async def test_the_stats_page_reads_as_the_socket_does(tmp_path: Path, serve) -> None:
    view = await read(tmp_path, await serve(answer("200 OK", CSV)))
    (balancer,) = view.balancers
    assert balancer.read.state is ReadState.OK
    assert [(s.server, s.node, str(s.status), s.check, s.since_change_s, s.sessions) for s in balancer.servers] == [
        ("web1", "web1", "UP", "L7OK", 812, 2), ("web2", "web2", "DOWN", "L4CON", 3, 0)]
    assert view.roles() == {"web2": ("DOWN@lb1",)}


@pytest.mark.parametrize(("handler", "state", "reason"), [
    pytest.param(answer("503 Service Unavailable", b"no"), ReadState.DOWN, "HTTP 503", id="error-status"),
    pytest.param(answer("200 OK", b"<html>[b]stats[/b]</html>"), ReadState.GARBAGE, "not HAProxy stats CSV",
                 id="not-csv"),
    pytest.param(hang, ReadState.SLOW, "no whole answer within 1s", id="hang"),
    pytest.param(flood, ReadState.GARBAGE, "a page of over 1024 KiB", id="flood"),
])
async def test_a_page_that_fails_is_a_clear_state(tmp_path: Path, serve, handler, state, reason) -> None:
    view = await read(tmp_path, await serve(handler))
    (balancer,) = view.balancers
    assert (balancer.read.state, reason in balancer.read.reason) == (state, True), balancer.read


async def test_a_closed_port_is_down(tmp_path: Path) -> None:
    view = await read(tmp_path, 1)  # port 1 on loopback: nothing listens
    (balancer,) = view.balancers
    assert balancer.read.state is ReadState.DOWN and balancer.read.reason == "connection refused"


def test_an_ipv6_host_goes_in_brackets() -> None:
    assert stats_page("http://{host}:8404/;csv", "fd00::2") == "http://[fd00::2]:8404/;csv"
