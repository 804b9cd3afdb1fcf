"""Cluster managers that lie, flood, hang or refuse (issue 12, item 7): each read ends in a
clear state with its reason, within its deadline, as data (no control byte, no markup);
and the node's own samples go on whatever a manager on it does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.managers.state import ReadState
from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, Kind


def chunks(*parts: bytes | None):
    async def script(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
        for part in parts:
            yield part
    return script


def flood(total: int, piece: bytes = b"role=" + b"x" * 65531):
    async def script(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
        for _ in range(total // len(piece) + 1):
            yield piece
    return script


def managers_file(tmp_path: Path, hostile: HostileNode, **manager: object) -> Path:
    return write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()],
                         managers={"m": {"nodes": ["evil"], "timeout": "1s", **manager}})


def check_json(path: Path) -> tuple[int, dict, str]:
    result = run_cli("check", str(path), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stdout + result.stderr


@pytest.mark.parametrize(
    ("kind", "reply", "state", "reason"),
    [
        pytest.param("command", chunks(b"[bold red]role=\x1b]0;owned\x07primary[/]\n"), "garbage",
                     "no role or state key", id="markup-and-osc"),
        pytest.param("command", chunks(b"{\"role\": " * 5000), "garbage", "not JSON", id="deep-json"),
        pytest.param("command", chunks(b"\xff\xfe role \x00\n"), "garbage", "expected key=value", id="binary"),
        pytest.param("command", chunks(b"state=ok\n"), "ok", "", id="state-key-names-the-role"),
        pytest.param("command", flood(2 * 1024 * 1024), "garbage", "an answer of over 64 KiB", id="flood"),
        pytest.param("command", chunks(None), "slow", "no whole answer within 1s", id="hang"),
        pytest.param("haproxy", chunks(b"<html>[red]stats[/red]</html>\n"), "garbage", "not HAProxy stats CSV",
                     id="haproxy-not-csv"),
        pytest.param("haproxy", chunks(b"# pxname,svname\nweb,web1\n"), "garbage", "without the status column",
                     id="haproxy-no-status"),
        pytest.param("haproxy", chunks(b"# pxname,svname,status\n" + b"x" * 20000 + b"\n"), "garbage",
                     "a stats line of over 16 KiB", id="haproxy-long-line"),
        pytest.param("haproxy", chunks(b"# pxname,svname,status\n", None), "slow", "within 1s", id="haproxy-hang"),
        pytest.param("haproxy", None, "down", "", id="haproxy-socket-refused"),
    ],
)
def test_a_lying_manager_is_a_clear_state(hostile: HostileNode, tmp_path: Path, kind, reply, state, reason) -> None:
    extra = {"command": "patronictl role"} if kind == "command" else {}
    if reply is not None:
        hostile.behaviour.reply[Kind.FORWARD if kind == "haproxy" else Kind.OTHER] = reply
    started = time.monotonic()
    code, data, text = check_json(managers_file(tmp_path, hostile, kind=kind, **extra))
    assert time.monotonic() - started < 30
    (manager,) = data["managers"]["managers"]
    (read,) = manager["reads"]
    assert read["state"] == state and reason in read["reason"], read
    assert code == (0 if state == "ok" else 1)
    assert data["managers"]["ok"] is (state == "ok")
    assert not CONTROL.search(text)


def test_a_role_in_markup_and_escapes_is_shown_as_data(hostile: HostileNode, tmp_path: Path) -> None:
    hostile.behaviour.reply[Kind.OTHER] = chunks(b"role=[red]primary[/red]\x1b[2J\x1b]0;owned\x07\n")
    result = run_cli("check", str(managers_file(tmp_path, hostile, kind="command", command="x")))
    assert "Traceback" not in result.stderr and not CONTROL.search(result.stdout + result.stderr)
    assert "evil [red]primary[/red]" in result.stdout  # literally: never markup


def resp_script(*replies: bytes | None):
    """Sentinel and Redis answers: the same script for every forwarded port."""
    return chunks(*replies)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        pytest.param(b"*1\r\n" * 50 + b":1\r\n", "RESP arrays nested over 4 deep", id="deep-arrays"),
        pytest.param(b"$999999999\r\n", "a RESP bulk string of 999999999 bytes", id="huge-bulk"),
        pytest.param(b"*99999999\r\n", "a RESP array of 99999999 items", id="huge-array"),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n", "not a RESP reply", id="not-resp"),
        pytest.param(b":" + b"9" * 40 + b"\r\n", "is not an integer", id="long-integer"),
        pytest.param(b"+" + b"a" * 40000, "a RESP line of over 16 KiB", id="endless-line"),
    ],
)
def test_a_lying_sentinel_is_garbage(hostile: HostileNode, tmp_path: Path, reply: bytes, reason: str) -> None:
    hostile.behaviour.reply[Kind.FORWARD] = resp_script(reply, None)
    code, data, text = check_json(managers_file(tmp_path, hostile, kind="redis-sentinel", masters=["mymaster"]))
    assert code == 1
    reads = data["managers"]["managers"][0]["reads"]
    assert [r["state"] for r in reads] == ["garbage", "garbage"], reads  # the redis ROLE and the sentinel
    assert all(reason in r["reason"] for r in reads), reads
    assert not CONTROL.search(text)


def test_a_sentinel_that_closes_early_is_down(hostile: HostileNode, tmp_path: Path) -> None:
    hostile.behaviour.reply[Kind.FORWARD] = resp_script(b"+OK\r\n")
    _, data, _ = check_json(managers_file(tmp_path, hostile, kind="redis-sentinel", masters=["mymaster"]))
    reads = {r["state"]: r["reason"] for r in data["managers"]["managers"][0]["reads"]}
    assert "closed the connection after 1 of 3 replies" in reads["down"], reads


async def test_samples_go_on_while_a_manager_on_the_node_hangs(
    hostile: HostileNode, honest: HostileNode, tmp_path: Path
) -> None:
    """The hostile node's manager never answers; both nodes' samples keep their pace."""
    hostile.behaviour.reply[Kind.OTHER] = chunks(None)
    hostile.behaviour.reply[Kind.FORWARD] = chunks(None)
    honest.behaviour.reply[Kind.OTHER] = chunks(b"role=replica\n")
    path = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml(), honest.node_yaml("good")], managers={
        "role": {"kind": "command", "nodes": ["evil", "good"], "command": "echo role=replica", "timeout": "2s"},
        "lb": {"kind": "haproxy", "nodes": ["evil"], "timeout": "2s"},
        "etcd": {"kind": "etcd", "nodes": ["evil"], "timeout": "2s"},
    })
    monitor = ClusterMonitor(load_cluster(path), interval=0.5)
    await monitor.start()
    try:
        await asyncio.sleep(1.5)  # connected, first samples in
        before = {name: status.samples for name, status in monitor.nodes.items()}
        await asyncio.sleep(4.0)
        gained = {name: monitor.nodes[name].samples - before[name] for name in before}
        snapshot = monitor.snapshot()
    finally:
        await monitor.stop()
    assert all(n >= 5 for n in gained.values()), gained  # 8 intervals: a hung manager delays no sample
    views = {view.manager: view for view in snapshot.managers}
    reads = {(view.manager, r.node): r for view in views.values() for r in view.reads}
    assert reads[("lb", "evil")].state is ReadState.SLOW
    assert reads[("etcd", "evil")].state is ReadState.SLOW
    assert reads[("role", "evil")].state is ReadState.SLOW
    assert reads[("role", "good")].state is ReadState.OK
    assert views["role"].roles() == {"good": ("replica",)}


def http(status: str, body: bytes, headers: bytes = b"") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n".encode() + headers
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def http_flood(total: int):
    async def script(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
        yield b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        piece = b"ffff\r\n" + b"[" * 0xFFFF + b"\r\n"
        for _ in range(total // 0xFFFF + 1):
            yield piece
    return script


@pytest.mark.parametrize(
    ("reply", "state", "reason"),
    [
        pytest.param(chunks(http("200 OK", b"[red]leader[/red]\x1b]0;owned\x07")), "garbage", "status: not JSON",
                     id="markup-and-osc"),
        pytest.param(chunks(b"+OK\r\n"), "garbage", "not an HTTP response", id="not-http"),
        pytest.param(chunks(http("200 OK", b'{"header": {"member_id": "1"}, "leader": "-5"}')), "garbage",
                     "not a member ID: '-5'", id="lying-leader"),
        pytest.param(chunks(http("503 Service Unavailable", b'{"error": "etcdserver: no leader", "code": 14}')),
                     "down", "status: HTTP 503 (etcdserver: no leader)", id="refuses"),
        pytest.param(http_flood(2 * 1024 * 1024), "garbage", "an answer of over 1024 KiB", id="flood"),
        pytest.param(chunks(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 40000), "garbage", "not an HTTP response",
                     id="endless-head"),
        pytest.param(chunks(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"), "garbage",
                     "not an HTTP response", id="closes-mid-body"),
        pytest.param(chunks(None), "slow", "no whole answer within 1s", id="hang"),
        pytest.param(chunks(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", None), "slow",
                     "no whole answer within 1s", id="hang-mid-body"),
        pytest.param(None, "down", "", id="port-refused"),
    ],
)
def test_a_lying_etcd_is_a_clear_state(hostile: HostileNode, tmp_path: Path, reply, state, reason) -> None:
    if reply is not None:
        hostile.behaviour.reply[Kind.FORWARD] = reply
    started = time.monotonic()
    code, data, text = check_json(managers_file(tmp_path, hostile, kind="etcd"))
    assert time.monotonic() - started < 30
    (manager,) = data["managers"]["managers"]
    (read,) = manager["reads"]
    assert read["state"] == state and reason in read["reason"], read
    assert manager["leader"] is None and manager["members"] == [{"node": "evil", "state": state, "healthy": False}]
    assert code == 1 and data["managers"]["findings"] == []  # an unread member is no finding
    assert not CONTROL.search(text)
