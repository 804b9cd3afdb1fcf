"""A managers' view for the TUI tests: what the adapters would read on the recorded lab on a
bad day (haproxy has taken web2 out; keepalived split brain), built from their dataclasses."""

from __future__ import annotations

import dataclasses

from clustertui.engine.findings import Finding, FindingKind
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.managers.haproxy import HaproxyRead, HaproxyServer, HaproxyView, parse_status
from clustertui.managers.keepalived import Holding, KeepalivedView
from clustertui.managers.sentinel import MasterSeen, RedisRole, Replica, SentinelSeen, SentinelView
from clustertui.managers.state import ReadState, SourceRead


def ok(node: str) -> SourceRead:
    return SourceRead(node, ReadState.OK, "", 1.0, 2.0)


def server(name: str, status: str, check: str, since: int) -> HaproxyServer:
    parsed, transition = parse_status(status)
    return HaproxyServer("web_nodes", name, parsed, status, transition, check, 1, since, 0,
                         f"198.18.0.1{name[-1]}:80", name)


def servers() -> tuple[HaproxyServer, ...]:
    return (server("web1", "UP", "L7OK", 900), server("web2", "DOWN", "L7STS", 3), server("web3", "UP", "L7OK", 900))


def views() -> tuple:
    lb = HaproxyView("lb", (HaproxyRead(ok("lb1"), servers()),
                            HaproxyRead(SourceRead("lb2", ReadState.SLOW, "no whole answer within 1s"), ())))
    vip = KeepalivedView("vip", (ok("lb1"), ok("lb2")), (Holding("198.18.0.100", ("lb1", "lb2")),))
    replicas = tuple(Replica(f"198.18.0.2{i}:6379", f"db{i}", "ok", "slave", 4000, 0) for i in (2, 3))
    master = MasterSeen("mymaster", "198.18.0.21:6379", "db1", "master", 2, 2, replicas, "OK 3 usable Sentinels", True)
    redis = SentinelView("redis", ("mymaster",), tuple(SentinelSeen(ok(f"db{i}"), (master,)) for i in (1, 2, 3)),
                         (RedisRole("db1", 6379, ok("db1"), "master", offset=4000,
                                    replica_offsets=(("198.18.0.22", 4000), ("198.18.0.23", 4000))),
                          *(RedisRole(f"db{i}", 6379, ok(f"db{i}"), "slave", "198.18.0.21:6379", "connected", 4000)
                            for i in (2, 3))))
    return (lb, vip, redis)


SPLIT = Finding(FindingKind.VIP_TWO_HOLDERS, "vip", "198.18.0.100", ("lb1", "lb2"),
                "198.18.0.100 is held by lb1 and lb2 (split brain)")


def with_managers(snapshot: ClusterSnapshot, findings: tuple[Finding, ...] = (SPLIT,)) -> ClusterSnapshot:
    """The snapshot with the managers' view, and each node's roles from it."""
    seen = views()
    roles: dict[str, list[str]] = {}
    for view in seen:
        for node, given in view.roles().items():
            roles.setdefault(node, []).extend(given)
    nodes = tuple(dataclasses.replace(v, manager_roles=tuple(roles.get(v.name, ()))) for v in snapshot.nodes)
    return dataclasses.replace(snapshot, nodes=nodes, managers=seen, findings=findings)
