"""`managers:` in the cluster file: each kind's keys, defaults, and one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clustertui.config import ConfigError, ManagerKind, load_cluster
from tests.support.cli import run_cli

Write = Callable[..., Path]
HEAD = (
    "name: t\ntype: majority\n"
    "nodes:\n"
    "  - {name: 'lb[1-2]', host: '127.0.0.[2-3]', roles: [lb]}\n"
    "  - {name: db1, host: 127.0.0.4, roles: [db]}\n"
)


def test_every_kind_loads_with_its_defaults(write: Write) -> None:
    cluster = load_cluster(write(
        HEAD + "managers:\n"
        "  lb: {kind: haproxy, roles: [lb]}\n"
        "  vip: {kind: keepalived, roles: [lb], addresses: ['198.18.0.100', '2001:db8::0:1'], state_dir: /run/ka}\n"
        "  redis: {kind: redis-sentinel, nodes: [db1], masters: [mymaster], redis_ports: [6379, 6380], interval: 5s}\n"
        "  patroni: {kind: command, nodes: [db1, lb2], command: 'curl -s localhost:8008/patroni', timeout: 500ms}\n"
        "  etcd: {kind: etcd, roles: [db]}\n"
        "  etcd2: {kind: etcd, nodes: [db1], client_port: 12379}\n"
    ), check_files=False)
    lb, vip, redis, patroni = (cluster.managers[n] for n in ("lb", "vip", "redis", "patroni"))
    assert lb.kind is ManagerKind.HAPROXY and lb.stats_socket == "/run/haproxy/admin.sock" and lb.grace_s == 5.0
    assert [n.name for n in cluster.manager_nodes(lb)] == ["lb1", "lb2"]
    assert vip.addresses == ["198.18.0.100", "2001:db8::1"]  # normalised
    assert vip.state_dir == "/run/ka"
    assert redis.sentinel == 26379 and redis.redis == (6379, 6380)
    assert redis.every(1.0) == 5.0 and redis.deadline(1.0) == 2.0
    assert lb.every(1.0) == 1.0 and lb.deadline(1.0) == 1.0  # never longer than the interval
    assert patroni.deadline(1.0) == 0.5
    assert [n.name for n in cluster.manager_nodes(patroni)] == ["lb2", "db1"]  # file order
    assert cluster.managers["etcd"].etcd_port == 2379 and cluster.managers["etcd2"].etcd_port == 12379


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        ("{kind: zookeeper, roles: [lb]}", "managers.m.kind",
         "expected one of 'haproxy', 'keepalived', 'redis-sentinel', 'command', 'etcd' or 'pacemaker', found 'zookeeper'"),
        ("{kind: haproxy, roles: [lb], client_port: 2379}", "managers.m",
         "expected client_port only with kind etcd, found it with kind haproxy"),
        ("{kind: haproxy}", "managers.m", "expected nodes or roles to read the manager on, found neither"),
        ("{kind: haproxy, roles: [web]}", "managers.m.roles[0]", "expected a role that some node has"),
        ("{kind: haproxy, nodes: [lb9]}", "managers.m.nodes[0]", "expected a node name"),
        ("{kind: keepalived, roles: [lb]}", "managers.m", "expected addresses for kind keepalived, found none"),
        ("{kind: keepalived, roles: [lb], addresses: [vip.example]}", "managers.m.addresses[0]",
         "expected an IPv4 or IPv6 address, found 'vip.example'"),
        ("{kind: haproxy, roles: [lb], masters: [x]}", "managers.m",
         "expected masters only with kind redis-sentinel, found it with kind haproxy"),
        ("{kind: haproxy, roles: [lb], socket: 'run/x.sock'}", "managers.m.socket",
         "expected an absolute path of a unix socket"),
        ("{kind: haproxy, roles: [lb], socket: '/run/$(reboot)'}", "managers.m.socket",
         "expected an absolute path of a unix socket"),
        ("{kind: command, roles: [lb]}", "managers.m", "expected command for kind command, found none"),
        ("{kind: keepalived, roles: [lb], addresses: [198.18.0.100], state_dir: 'run/ka'}", "managers.m.state_dir",
         "expected an absolute path of a directory"),
        ("{kind: keepalived, roles: [lb], addresses: [198.18.0.100], state_dir: '/run/x y'}", "managers.m.state_dir",
         "expected an absolute path of a directory"),
        ("{kind: haproxy, roles: [lb], state_dir: /run/ka}", "managers.m",
         "expected state_dir only with kind keepalived, found it with kind haproxy"),
        ("{kind: haproxy, roles: [lb], intreval: 1s}", "managers.m.intreval", "unknown field, did you mean 'interval'?"),
        ("{kind: haproxy, roles: [lb], interval: 10ms}", "managers.m.interval", "expected a duration from 100ms to 1h"),
    ],
)
def test_bad_manager_is_one_line_with_line_and_field(write: Write, entry: str, where: str, message: str) -> None:
    path = write(HEAD + "managers:\n" + f"  m: {entry}\n")
    with pytest.raises(ConfigError) as info:
        load_cluster(path, check_files=False)
    assert str(info.value).startswith(f"{path}:7: {where}: {message}"), str(info.value)


def test_bad_manager_exits_2_from_the_cli(write: Write) -> None:
    path = write(HEAD + "managers:\n  m: {kind: keepalived, roles: [lb]}\n")
    result = run_cli("check", "--offline", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"clustertui: error: {path}:7: managers.m: expected addresses for kind keepalived, found none")
    assert "Traceback" not in result.stderr
