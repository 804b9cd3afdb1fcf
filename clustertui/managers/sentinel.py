"""Redis Sentinel: the master of each name as every sentinel sees it, its replicas with link
state and lag, whether the sentinels agree and can reach their quorum; and `ROLE` of every
redis on the members.

Sentinel and Redis are spoken to in RESP through a port forwarded by the node's sshd
(resp.exchange), so nothing is run on the node and nothing is scraped from redis-cli's
human output. A sentinel and a redis are read separately: one down does not hide the other.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.limits import clip
from clustertui.managers.nodes import NodeIndex
from clustertui.managers.remote import Reach, read_on
from clustertui.managers.resp import Reply, RespError, exchange
from clustertui.managers.rows import DetailRow, Level
from clustertui.managers.secrets import password
from clustertui.managers.state import Garbage, SourceRead
from clustertui.managers.view import reads_json


def _pairs(reply: Reply, what: str) -> dict[str, str]:
    """A flat [key, value, ...] array (Sentinel's maps in RESP2) as a dict of text."""
    if not isinstance(reply, list) or len(reply) % 2:
        raise Garbage(f"{what}: expected a flat key/value array")
    return {clip(str(k)): clip(str(v)) for k, v in zip(reply[::2], reply[1::2], strict=True)}


def _int(text: object) -> int | None:
    if isinstance(text, int):
        return text
    if isinstance(text, str) and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


@dataclass(frozen=True, slots=True)
class RedisRole:
    """`ROLE` of one redis: master (with its replication offset) or replica (of whom)."""

    node: str
    port: int
    read: SourceRead
    role: str = ""  # master, slave, sentinel; "" when unread
    master: str = ""  # a replica's master, "ip:port"
    link: str = ""  # a replica's link: connect, connecting, sync, connected
    offset: int | None = None
    replica_offsets: tuple[tuple[str, int], ...] = ()  # a master's replicas, (ip, offset)

    @property
    def is_primary(self) -> bool:
        return self.read.ok and self.role == "master"


def parse_role(node: str, port: int, read: SourceRead, reply: Reply) -> RedisRole:
    if not isinstance(reply, list) or not reply or not isinstance(reply[0], str):
        raise Garbage(f"ROLE on port {port}: expected an array starting with the role")
    role = clip(reply[0])
    if role == "master" and len(reply) >= 3 and isinstance(reply[2], list):
        replicas = tuple(
            (clip(str(r[0])), _int(r[2]) or 0) for r in reply[2] if isinstance(r, list) and len(r) >= 3
        )
        return RedisRole(node, port, read, role, offset=_int(reply[1]), replica_offsets=replicas)
    if role == "slave" and len(reply) >= 5:
        return RedisRole(node, port, read, role, master=f"{clip(str(reply[1]))}:{reply[2]}", link=clip(str(reply[3])),
                         offset=_int(reply[4]))
    return RedisRole(node, port, read, role)


@dataclass(frozen=True, slots=True)
class Replica:
    address: str
    node: str | None
    link: str  # Sentinel's master-link-status: ok or err
    flags: str
    offset: int | None
    lag: int | None  # bytes behind the master's offset, when both are known


@dataclass(frozen=True, slots=True)
class MasterSeen:
    """One master name as one sentinel sees it."""

    name: str
    address: str = ""  # "ip:port"
    node: str | None = None
    flags: str = ""
    quorum: int | None = None
    other_sentinels: int | None = None
    replicas: tuple[Replica, ...] = ()
    ckquorum: str = ""  # Sentinel's CKQUORUM answer
    quorum_ok: bool = False
    error: str = ""  # the sentinel does not know this name, or refused


@dataclass(frozen=True, slots=True)
class SentinelSeen:
    read: SourceRead
    masters: tuple[MasterSeen, ...] = ()

    def master(self, name: str) -> MasterSeen | None:
        return next((m for m in self.masters if m.name == name), None)


@dataclass(frozen=True, slots=True)
class SentinelView:
    manager: str
    names: tuple[str, ...]
    sentinels: tuple[SentinelSeen, ...]
    redis: tuple[RedisRole, ...]
    kind: ManagerKind = ManagerKind.REDIS_SENTINEL

    @property
    def reads(self) -> tuple[SourceRead, ...]:
        return tuple(s.read for s in self.sentinels) + tuple(r.read for r in self.redis)

    def seen(self, name: str) -> dict[str, MasterSeen]:
        """What each sentinel that answered says of `name`, by its node."""
        out = {}
        for sentinel in self.sentinels:
            master = sentinel.master(name) if sentinel.read.ok else None
            if master is not None and master.address:
                out[sentinel.read.node] = master
        return out

    def masters_of(self, name: str) -> tuple[str, ...]:
        """The distinct master addresses the sentinels name for `name` (one when they agree)."""
        return tuple(dict.fromkeys(m.address for m in self.seen(name).values()))

    def primaries(self) -> tuple[RedisRole, ...]:
        return tuple(r for r in self.redis if r.is_primary)

    def roles(self) -> dict[str, tuple[str, ...]]:
        roles: dict[str, list[str]] = {}
        for redis in self.redis:
            if redis.read.ok and redis.role in ("master", "slave"):
                roles.setdefault(redis.node, []).append("primary" if redis.role == "master" else "replica")
        return {node: tuple(dict.fromkeys(values)) for node, values in roles.items()}

    def rows(self) -> list[DetailRow]:
        """Per master name: the primary the sentinels name, whether they agree, the quorum;
        what each sentinel says when they do not; its replicas with link and lag. Then the
        `ROLE` of every redis."""
        rows = []
        for name in self.names:
            seen, masters = self.seen(name), self.masters_of(name)
            if not masters:
                rows.append(DetailRow(f"master/{name}", "", name, "no master", "no sentinel names a master", Level.BAD))
                continue
            first = next(m for m in seen.values() if m.address == masters[0])
            agree = len(masters) == 1
            rows.append(DetailRow(
                f"master/{name}", "", name, f"primary {first.node or first.address}" if agree else "DISAGREE",
                f"{first.address} · sentinels {len(seen)}/{len(self.sentinels)} "
                f"{'agree' if agree else 'disagree'} · quorum {first.quorum} {first.ckquorum or '?'}",
                Level.OK if agree and first.quorum_ok else Level.BAD, first.node or ""))
            if not agree:
                rows += [DetailRow(f"seen/{name}/{node}", node, name, f"says {m.node or m.address}",
                                   f"{m.address} · flags {m.flags}", Level.BAD, node) for node, m in seen.items()]
            rows += [DetailRow(
                f"replica/{name}/{r.address}", "", f"{name} replica {r.node or r.address}", f"link {r.link or '?'}",
                f"lag {'?' if r.lag is None else r.lag} B · offset {'?' if r.offset is None else r.offset} · {r.flags}",
                Level.OK if r.link == "ok" else Level.BAD, r.node or "") for r in first.replicas]
        for r in self.redis:
            if not r.read.ok:
                continue
            offset = "?" if r.offset is None else r.offset
            detail = (f"of {r.master or '?'} · link {r.link or '?'} · offset {offset}" if r.role == "slave"
                      else f"offset {offset} · {len(r.replica_offsets)} replicas")
            level = Level.WARN if r.role == "slave" and r.link != "connected" else Level.PLAIN
            rows.append(DetailRow(f"role/{r.node}:{r.port}", r.node, f"redis :{r.port}", r.role, detail, level, r.node))
        return rows

    def summary(self) -> str:
        parts = []
        for name in self.names:
            seen = self.seen(name)
            masters = self.masters_of(name)
            if not masters:
                parts.append(f"redis {name}: no sentinel names a master")
                continue
            first = next(m for m in seen.values() if m.address == masters[0])
            who = first.node or first.address
            agree = (f"sentinels {len(seen)}/{len(self.sentinels)} agree" if len(masters) == 1
                     else "sentinels DISAGREE: " + ", ".join(
                         f"{node}→{m.node or m.address}" for node, m in seen.items()))
            replicas = " ".join(f"{r.node or r.address} ({r.link}{'' if r.lag is None else f', lag {r.lag}'})"
                                for r in first.replicas)
            quorum = "quorum ok" if first.quorum_ok else f"quorum NOT reachable ({first.ckquorum})"
            parts.append(f"redis {name}: primary {who}, replicas {replicas or 'none'}, {agree}, {quorum}")
        roles = ", ".join(f"{r.node}:{r.port} {r.role if r.read.ok else r.read.describe()}" for r in self.redis)
        return " │ ".join([*parts, f"ROLE {roles}"]) if self.redis else " │ ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
            "masters": [
                {"name": name, "agree": len(self.masters_of(name)) == 1, "addresses": list(self.masters_of(name)),
                 "seen_by": {node: _master_json(m) for node, m in self.seen(name).items()}}
                for name in self.names
            ],
            "redis": [{"node": r.node, "port": r.port, "state": str(r.read.state), "role": r.role,
                       "master": r.master, "link": r.link, "offset": r.offset} for r in self.redis],
        }


def _master_json(m: MasterSeen) -> dict[str, Any]:
    return {"address": m.address, "node": m.node, "flags": m.flags, "quorum": m.quorum,
            "other_sentinels": m.other_sentinels, "quorum_ok": m.quorum_ok, "ckquorum": m.ckquorum,
            "replicas": [{"address": r.address, "node": r.node, "link": r.link, "flags": r.flags,
                          "offset": r.offset, "lag": r.lag} for r in m.replicas]}


def parse_master(name: str, replies: list[Reply], index: NodeIndex, primaries: dict[str, RedisRole]) -> MasterSeen:
    """SENTINEL MASTER, REPLICAS and CKQUORUM of one name. A replica's lag comes from its
    master's own `ROLE` (`primaries`, by ip), read now: Sentinel's `slave-repl-offset` is
    refreshed only every 10 s, and would show a lag that is not there."""
    master, replicas, ckquorum = replies
    if isinstance(master, RespError):
        return MasterSeen(name, error=master.message)
    fields = _pairs(master, f"SENTINEL MASTER {name}")
    ip, port = fields.get("ip", ""), fields.get("port", "")
    if not ip:
        raise Garbage(f"SENTINEL MASTER {name}: no ip field")
    if not isinstance(replicas, list):
        raise Garbage(f"SENTINEL REPLICAS {name}: expected an array")
    seen = []
    for reply in replicas:
        r = _pairs(reply, f"SENTINEL REPLICAS {name}")
        offset = _int(r.get("slave-repl-offset"))
        master_role = primaries.get(ip)
        live = dict(master_role.replica_offsets) if master_role is not None else {}
        lag = None
        if master_role is not None and master_role.offset is not None and r.get("ip", "") in live:
            offset = live[r.get("ip", "")]
            lag = max(0, master_role.offset - offset)
        seen.append(Replica(f"{r.get('ip', '')}:{r.get('port', '')}", index.by_host(r.get("ip", "")),
                            r.get("master-link-status", ""), r.get("flags", ""), offset, lag))
    quorum_ok = isinstance(ckquorum, str) and ckquorum.startswith("OK")
    return MasterSeen(
        name, f"{ip}:{port}", index.by_host(ip), fields.get("flags", ""), _int(fields.get("quorum")),
        _int(fields.get("num-other-sentinels")), tuple(sorted(seen, key=lambda r: (r.node or "", r.address))),
        clip(ckquorum.message if isinstance(ckquorum, RespError) else str(ckquorum)), quorum_ok,
    )


async def read_sentinel(manager: Manager, cluster: Cluster, reach: Reach) -> SentinelView:
    index = NodeIndex(cluster)
    members = cluster.manager_nodes(manager)

    def role_reader(port: int) -> Any:
        async def one(conn: Any) -> Reply:
            return (await exchange(conn, port, [("ROLE",)], password(manager)))[0]
        return one

    async def sentinel_replies(conn: Any) -> list[Reply]:
        commands = [(*("SENTINEL", verb), name) for name in manager.masters for verb in ("MASTER", "REPLICAS", "CKQUORUM")]
        return await exchange(conn, manager.sentinel, commands, password(manager))

    role_jobs = [(node, port) for node in members for port in manager.redis]
    roles_raw, sentinels_raw = await asyncio.gather(
        asyncio.gather(*(read_on(reach, node, role_reader(port)) for node, port in role_jobs)),
        asyncio.gather(*(read_on(reach, node, sentinel_replies) for node in members)),
    )
    roles = [_role(node.name, port, dataclasses.replace(read, source=f"redis :{port}"), reply)
             for (node, port), (read, reply) in zip(role_jobs, roles_raw, strict=True)]
    primaries = {node.host: r for (node, _), r in zip(role_jobs, roles, strict=True) if r.is_primary}
    sentinels = [_sentinel(manager, dataclasses.replace(read, source=f"sentinel :{manager.sentinel}"), replies, index,
                           primaries) for read, replies in sentinels_raw]
    return SentinelView(manager.name, tuple(manager.masters), tuple(sentinels), tuple(roles))


def _role(node: str, port: int, read: SourceRead, reply: Reply | None) -> RedisRole:
    if not read.ok:
        return RedisRole(node, port, read)
    try:
        return parse_role(node, port, read, reply)
    except Garbage as exc:
        return RedisRole(node, port, _failed(read, exc))
    except Exception as exc:  # a shape no check foresaw: still data
        return RedisRole(node, port, _failed(read, Garbage(f"unreadable ROLE ({type(exc).__name__}: {exc})")))


def _sentinel(manager: Manager, read: SourceRead, replies: list[Reply] | None, index: NodeIndex,
              primaries: dict[str, RedisRole]) -> SentinelSeen:
    if not read.ok or replies is None:
        return SentinelSeen(read)
    try:
        masters = tuple(parse_master(name, replies[3 * i:3 * i + 3], index, primaries)
                        for i, name in enumerate(manager.masters))
    except Garbage as exc:
        return SentinelSeen(_failed(read, exc))
    except Exception as exc:  # a shape no check foresaw: still data
        return SentinelSeen(_failed(read, Garbage(f"unreadable answer ({type(exc).__name__}: {exc})")))
    return SentinelSeen(read, masters)


def _failed(read: SourceRead, exc: Garbage) -> SourceRead:
    return dataclasses.replace(read, state=exc.state, reason=exc.reason)
