"""The adapters' parsers on what the lab's real daemons print (recorded with
`show stat -1 4 -1` on lb1's stats socket, HAProxy 2.6, and `ip -o addr show` on lb1), and
on the states real daemons go through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.managers.command import parse_role_output
from clustertui.managers.haproxy import ServerStatus, parse_show_stat, parse_status
from clustertui.managers.keepalived import parse_ip_addr
from clustertui.managers.nodes import NodeIndex, split_address
from clustertui.managers.resp import RespError
from clustertui.managers.sentinel import RedisRole, parse_master, parse_role
from clustertui.managers.state import Garbage, ReadState, SourceRead
from clustertui.managers.vrrp import Instance, VrrpState, parse_vrrp, split_output
from tests.support.paths import LAB_FILE

DATA = Path(__file__).parent / "data"
INDEX = NodeIndex(load_cluster(LAB_FILE, check_files=False))
SHOW_STAT = (DATA / "haproxy_show_stat.csv").read_text()


def test_show_stat_of_the_lab() -> None:
    servers = parse_show_stat(SHOW_STAT, INDEX)
    assert [(s.backend, s.server, s.node, s.address) for s in servers] == [
        ("web_nodes", f"web{i}", f"web{i}", f"198.18.0.1{i}:80") for i in (1, 2, 3)]
    first = servers[0]
    assert (first.status, first.status_text, first.transition, first.routes) == (ServerStatus.UP, "UP", "", True)
    assert (first.check, first.check_ms, first.since_change_s, first.sessions) == ("L7OK", 5, 4, 0)
    assert first.describe() == "web1 UP"
    assert parse_show_stat(SHOW_STAT, INDEX, frozenset({"other"})) == ()


@pytest.mark.parametrize(
    ("status", "parsed", "transition", "routes"),
    [
        ("UP", ServerStatus.UP, "", True),
        ("UP 1/2", ServerStatus.UP, "going down", True),
        ("DOWN", ServerStatus.DOWN, "", False),
        ("DOWN 1/2", ServerStatus.DOWN, "going up", False),
        ("MAINT", ServerStatus.MAINT, "", False),
        ("MAINT (via web_nodes/web1)", ServerStatus.MAINT, "", False),
        ("MAINT (resolution)", ServerStatus.MAINT, "", False),
        ("DRAIN", ServerStatus.DRAIN, "", False),
        ("NOLB", ServerStatus.NOLB, "", False),
        ("no check", ServerStatus.NO_CHECK, "", True),
        ("[red]??", ServerStatus.UNKNOWN, "", False),
    ],
)
def test_every_server_state(status: str, parsed: ServerStatus, transition: str, routes: bool) -> None:
    assert parse_status(status) == (parsed, transition)
    text = SHOW_STAT.replace(",UP,1,1,0,0,0,4,", f",{status},1,1,0,0,0,4,", 1).replace("L7OK", "L4CON", 1)
    server = parse_show_stat(text, INDEX)[0]
    assert (server.status, server.status_text, server.routes) == (parsed, status, routes)
    if parsed is not ServerStatus.UP:
        assert server.describe() == f"web1 {status} (L4CON, 4s ago)"


def test_a_server_that_is_no_node_is_kept_unmapped() -> None:
    text = SHOW_STAT.replace("web_nodes,web1,", "web_nodes,edge7,", 1).replace("198.18.0.11:80", "203.0.113.9:80", 1)
    assert parse_show_stat(text, INDEX)[0].node is None
    by_address = SHOW_STAT.replace("web_nodes,web1,", "web_nodes,srv-a,", 1)
    assert parse_show_stat(by_address, INDEX)[0].node == "web1"


@pytest.mark.parametrize(
    ("address", "split"),
    [("198.18.0.11:80", ("198.18.0.11", 80)), ("[2001:db8::1]:443", ("2001:db8::1", 443)),
     ("2001:db8::1", ("2001:db8::1", None)), ("unix@/run/x", ("unix@/run/x", None)), ("h:999999", ("h", None))],
)
def test_split_address(address: str, split: tuple[str, int | None]) -> None:
    assert split_address(address) == split


def test_ip_addr_of_the_vip_holder() -> None:
    addresses = parse_ip_addr((DATA / "ip_addr_lb1.txt").read_text())
    assert addresses == {"127.0.0.1", "::1", "198.18.0.2", "198.18.0.100", "fe80::7c58:b6ff:fe4f:4de3"}
    assert parse_ip_addr("") == frozenset()
    with pytest.raises(Garbage, match="line 1: not an address: 'nonsense'"):
        parse_ip_addr("2: eth0 inet nonsense scope global\n")
    with pytest.raises(Garbage, match="no inet or inet6 line"):
        parse_ip_addr("<html>hello</html>\n")


def vrrp(text: str) -> tuple[Instance, ...]:
    addr, lines = split_output(text)
    assert addr == "2: eth0    inet 198.18.0.2/24 scope global eth0"
    return parse_vrrp("lb1", lines, "/run/keepalived-state")


IP_LINE = "2: eth0    inet 198.18.0.2/24 scope global eth0\n"


def test_vrrp_state_written_by_the_running_keepalived() -> None:
    (instance,) = vrrp(IP_LINE + "@vrrp now 1000\n@vrrp up 30\n@vrrp state 990 VI_WEB MASTER 150\n")
    assert instance == Instance("lb1", "VI_WEB", VrrpState.MASTER, 150, 10.0)
    assert instance.to_json() == {"node": "lb1", "instance": "VI_WEB", "state": "MASTER", "priority": 150,
                                  "since_s": 10.0, "note": ""}
    # Written within keepalived's first second: still this keepalived's.
    (fresh,) = vrrp(IP_LINE + "@vrrp now 1000\n@vrrp up 30\n@vrrp state 969 VI_WEB BACKUP\n")
    assert (fresh.state, fresh.priority) == (VrrpState.BACKUP, None)


@pytest.mark.parametrize(
    ("lines", "state", "note"),
    [
        # keepalived was killed (no STOP from its notify) and started again, and its notify
        # has not run yet: the file is an earlier keepalived's.
        ("@vrrp up 5\n@vrrp state 900 VI_WEB MASTER 150\n", VrrpState.UNKNOWN,
         "written before this keepalived started (an earlier one said MASTER)"),
        ("@vrrp up -\n@vrrp state 900 VI_WEB MASTER 150\n", VrrpState.UNKNOWN,
         "keepalived is not running (it last said MASTER)"),
        ("@vrrp up -\n@vrrp state 900 VI_WEB STOP 150\n", VrrpState.STOP, ""),
        ("@vrrp up ?\n@vrrp state 990 VI_WEB FAULT 150\n", VrrpState.FAULT,
         "cannot tell whether keepalived runs (no pgrep)"),
        ("@vrrp up 30\n", VrrpState.UNKNOWN, "no state file in /run/keepalived-state (is the notify script configured?)"),
        ("@vrrp up -\n", VrrpState.UNKNOWN, "keepalived is not running"),
    ],
)
def test_vrrp_state_that_cannot_be_trusted_says_why(lines: str, state: VrrpState, note: str) -> None:
    (instance,) = vrrp(IP_LINE + "@vrrp now 1000\n" + lines)
    assert (instance.state, instance.note) == (state, note)


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ("@vrrp up 30\n", "no VRRP state lines"),
        ("@vrrp now 1000\n@vrrp up 3e5\n", "line 3: keepalived's age is not a number: '3e5'"),
        ("@vrrp now 1000\n@vrrp state 990 VI_WEB\n", "line 3: expected TIME INSTANCE STATE"),
        ("@vrrp now 1000\n@vrrp state 990 VI_WEB \x1b[31mMASTER\n", "line 3: not a VRRP state: '\\x1b[31mMASTER'"),
        ("@vrrp now 1000\n@vrrp state 990 VI_WEB MASTER high\n", "line 3: the priority is not a number: 'high'"),
    ],
)
def test_vrrp_state_garbage(lines: str, reason: str) -> None:
    with pytest.raises(Garbage, match=re.escape(reason)):
        vrrp(IP_LINE + lines)


@pytest.mark.parametrize(
    ("output", "role", "fields"),
    [
        ('{"state": "running", "role": "Leader", "timeline": 3, "members": [1, 2]}', "leader",
         {"state": "running", "role": "Leader", "timeline": "3", "members": "[1, 2]"}),
        ("# mysql\nrole=replica\nlag=0\n\n", "replica", {"role": "replica", "lag": "0"}),
        ("state = ACTIVE\n", "active", {"state": "ACTIVE"}),
    ],
)
def test_role_output(output: str, role: str, fields: dict[str, str]) -> None:
    parsed_role, parsed_fields = parse_role_output(output)
    assert (parsed_role, dict(parsed_fields)) == (role, fields)


@pytest.mark.parametrize(
    ("output", "reason"),
    [("", "printed nothing"), ("[1, 2]", "expected key=value"), ('{"a": 1}', "no role or state key"),
     ("{not json", "not JSON"), ('["role"]', "expected key=value")],
)
def test_role_output_garbage(output: str, reason: str) -> None:
    with pytest.raises(Garbage, match=reason):
        parse_role_output(output)


OK = SourceRead("db1", ReadState.OK)
# What the lab's db1 answered (ROLE on 6379; SENTINEL MASTER, REPLICAS, CKQUORUM on 26379).
ROLE_MASTER = ["master", 3736, [["198.18.0.22", "6379", "3736"], ["198.18.0.23", "6379", "3700"]]]
MASTER = ["name", "mymaster", "ip", "198.18.0.21", "port", "6379", "flags", "master", "num-slaves", "2",
          "num-other-sentinels", "2", "quorum", "2"]


def replica(ip: str, offset: str) -> list[str]:
    return ["name", f"{ip}:6379", "ip", ip, "port", "6379", "flags", "slave", "master-link-status", "ok",
            "slave-repl-offset", offset]


def test_sentinel_master_with_replica_lag_from_the_masters_role() -> None:
    primary = parse_role("db1", 6379, OK, ROLE_MASTER)
    assert primary.is_primary and primary.offset == 3736
    replies = [MASTER, [replica("198.18.0.23", "1804"), replica("198.18.0.22", "1804")],
               "OK 3 usable Sentinels. Quorum and failover authorization can be reached"]
    seen = parse_master("mymaster", replies, INDEX, {"198.18.0.21": primary})
    assert (seen.address, seen.node, seen.quorum, seen.other_sentinels, seen.quorum_ok) == (
        "198.18.0.21:6379", "db1", 2, 2, True)
    # Sentinel's offsets (1804) are 10 s old; the master's ROLE says db2 is in sync, db3 36 bytes behind.
    assert [(r.node, r.link, r.offset, r.lag) for r in seen.replicas] == [("db2", "ok", 3736, 0), ("db3", "ok", 3700, 36)]
    assert [r.lag for r in parse_master("mymaster", replies, INDEX, {}).replicas] == [None, None]


def test_role_of_a_replica_and_a_sentinel() -> None:
    assert parse_role("db2", 6379, OK, ["slave", "198.18.0.21", 6379, "connected", 3736]) == RedisRole(
        "db2", 6379, OK, "slave", "198.18.0.21:6379", "connected", 3736)
    assert parse_role("db2", 26379, OK, ["sentinel", ["mymaster"]]).role == "sentinel"
    with pytest.raises(Garbage, match="expected an array starting with the role"):
        parse_role("db2", 6379, OK, "PONG")


def test_sentinel_that_does_not_know_the_name() -> None:
    seen = parse_master("other", [RespError("ERR No such master with that name"), [], ""], INDEX, {})
    assert seen.error == "ERR No such master with that name" and not seen.address
    with pytest.raises(Garbage, match="flat key/value array"):
        parse_master("mymaster", [["name"], [], ""], INDEX, {})
