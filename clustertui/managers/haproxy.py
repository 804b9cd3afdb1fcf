"""HAProxy: every backend server's state as the load balancer sees it, from `show stat` on
its stats socket, or from the same CSV on its stats page (`stats_url`, `;csv`), read by the
controller over HTTP.

The socket is reached through the node's sshd (a forwarded unix socket), so the node needs
no socat. The CSV is parsed by its header line, so columns added by a newer HAProxy (or
missing in an older one) are no error; a missing essential column is `garbage`.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind, Node
from clustertui.managers.limits import MAX_LINE, MAX_OUTPUT, MAX_RECORDS, clip
from clustertui.managers.nodes import NodeIndex
from clustertui.managers.remote import Reach, decode, read_here, read_on, unix_request
from clustertui.managers.rows import DetailRow, Level, ago
from clustertui.managers.state import Garbage, ReadFailure, ReadState, SourceRead
from clustertui.managers.view import reads_json
from clustertui.transport.netcheck import FetchError, http_body

#: Servers only (type 4) of every proxy: `show stat <iid> <type mask> <sid>`.
SHOW_STAT = b"show stat -1 4 -1\n"
_NEEDED = ("pxname", "svname", "status")


class ServerStatus(StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    MAINT = "MAINT"
    DRAIN = "DRAIN"
    NOLB = "NOLB"
    NO_CHECK = "no check"
    UNKNOWN = "unknown"


def parse_status(text: str) -> tuple[ServerStatus, str]:
    """HAProxy's status column -> (status, transition): `UP 1/2` is UP on its way down
    (one failed check of two), `DOWN 1/2` DOWN on its way up; `MAINT (via b/s)` is MAINT."""
    word, _, rest = text.strip().partition(" ")
    if text.strip().lower() == "no check":
        return ServerStatus.NO_CHECK, ""
    try:
        status = ServerStatus(word.upper())
    except ValueError:
        return ServerStatus.UNKNOWN, ""
    if status in (ServerStatus.UP, ServerStatus.DOWN) and "/" in rest:
        return status, "going down" if status is ServerStatus.UP else "going up"
    return status, ""


@dataclass(frozen=True, slots=True)
class HaproxyServer:
    backend: str
    server: str
    status: ServerStatus
    status_text: str  # as HAProxy wrote it: "UP 1/2", "MAINT (via web/web1)"
    transition: str  # "going down", "going up" or ""
    check: str  # last check's status: L4OK, L7STS, L4CON, ... ("* " while one runs)
    check_ms: int | None  # last check's duration
    since_change_s: int | None  # seconds since the status last changed
    sessions: int | None  # current sessions
    address: str
    node: str | None  # the cluster's node this server is, if any

    @property
    def routes(self) -> bool:
        """Whether the load balancer sends new traffic to it (UP, also on its way down;
        `no check`: always)."""
        return self.status in (ServerStatus.UP, ServerStatus.NO_CHECK)

    def describe(self) -> str:
        text = f"{self.server} {self.status_text}"
        details = [part for part in (self.check.lstrip("* "),
                                     None if self.since_change_s is None else f"{self.since_change_s}s ago") if part]
        return f"{text} ({', '.join(details)})" if self.status is not ServerStatus.UP and details else text


def _int(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def parse_show_stat(text: str, index: NodeIndex, backends: frozenset[str] = frozenset()) -> tuple[HaproxyServer, ...]:
    """Servers from `show stat` CSV (header `# pxname,svname,...`); `backends` filters."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise Garbage(f"not HAProxy stats CSV: {clip(lines[0] if lines else 'empty answer', 60)!r}")
    if len(lines) > MAX_RECORDS + 1:
        raise Garbage(f"over {MAX_RECORDS} lines of stats")
    if any(len(line) > MAX_LINE for line in lines):
        raise Garbage(f"a stats line of over {MAX_LINE // 1024} KiB")
    header = lines[0][2:].rstrip(",").split(",")
    missing = [name for name in _NEEDED if name not in header]
    if missing:
        raise Garbage(f"stats CSV without the {', '.join(missing)} column")
    servers = []
    for row in csv.DictReader([line for line in lines[1:] if line.strip()], fieldnames=header, restkey="_rest"):
        backend, server = row.get("pxname") or "", row.get("svname") or ""
        if server in ("FRONTEND", "BACKEND") or (backends and backend not in backends):
            continue
        status_text = clip((row.get("status") or "").strip())
        status, transition = parse_status(status_text)
        address = clip(row.get("addr") or "")
        servers.append(HaproxyServer(
            backend=clip(backend), server=clip(server), status=status, status_text=status_text,
            transition=transition, check=clip((row.get("check_status") or "").strip()),
            check_ms=_int(row.get("check_duration")), since_change_s=_int(row.get("lastchg")),
            sessions=_int(row.get("scur")), address=address, node=index.find(server, address),
        ))
    return tuple(servers)


_LEVELS = {ServerStatus.UP: Level.OK, ServerStatus.DOWN: Level.BAD, ServerStatus.NO_CHECK: Level.PLAIN}


@dataclass(frozen=True, slots=True)
class HaproxyRead:
    read: SourceRead
    servers: tuple[HaproxyServer, ...] = ()


@dataclass(frozen=True, slots=True)
class HaproxyView:
    manager: str
    balancers: tuple[HaproxyRead, ...]
    kind: ManagerKind = ManagerKind.HAPROXY

    @property
    def reads(self) -> tuple[SourceRead, ...]:
        return tuple(b.read for b in self.balancers)

    def roles(self) -> dict[str, tuple[str, ...]]:
        """`DOWN@lb1` on the node of each server a balancer does not route to (routed is the
        normal state, and says nothing on a node row)."""
        roles: dict[str, list[str]] = {}
        for balancer in self.balancers:
            for server in balancer.servers:
                if server.node is not None and not server.routes:
                    roles.setdefault(server.node, []).append(f"{server.status}@{balancer.read.node}")
        return {node: tuple(dict.fromkeys(values)) for node, values in roles.items()}

    def rows(self) -> list[DetailRow]:
        """One per server per balancer: status, last check and its duration, time since the
        status changed, current sessions."""
        return [DetailRow(
            f"{b.read.node}/{s.backend}/{s.server}", b.read.node, f"{s.backend}/{s.server}"
            + (f" ({s.node})" if s.node not in (None, s.server) else ""), s.status_text,
            f"check {s.check.lstrip('* ') or '-'}{'' if s.check_ms is None else f' {s.check_ms}ms'}"
            f" · changed {ago(s.since_change_s)} ago · {'?' if s.sessions is None else s.sessions} sessions",
            _LEVELS.get(s.status, Level.WARN) if not s.transition else Level.WARN, s.node or "",
        ) for b in self.balancers for s in b.servers]

    def summary(self) -> str:
        parts = []
        for balancer in self.balancers:
            if balancer.read.ok:
                servers = " · ".join(s.describe() for s in balancer.servers) or "no servers"
                parts.append(f"haproxy@{balancer.read.node}: {servers}")
            else:
                parts.append(f"haproxy@{balancer.read.node}: {balancer.read.describe()}")
        return " │ ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
            "balancers": [
                {"node": b.read.node, "servers": [
                    {"backend": s.backend, "server": s.server, "node": s.node, "address": s.address,
                     "status": str(s.status), "status_text": s.status_text, "transition": s.transition,
                     "routes": s.routes, "check": s.check, "check_ms": s.check_ms,
                     "since_change_s": s.since_change_s, "sessions": s.sessions}
                    for s in b.servers]}
                for b in self.balancers
            ],
        }


async def read_haproxy(manager: Manager, cluster: Cluster, reach: Reach) -> HaproxyView:
    """`show stat` on each member's stats socket, or its CSV stats page (`stats_url`), which
    the controller reads over HTTP itself."""
    index = NodeIndex(cluster)
    backends = frozenset(manager.backends)
    members = cluster.manager_nodes(manager)

    async def one(conn: Any) -> tuple[HaproxyServer, ...]:
        return parse_show_stat(await unix_request(conn, manager.stats_socket, SHOW_STAT), index, backends)

    def page(node: Node) -> Callable[[], Awaitable[tuple[HaproxyServer, ...]]]:
        async def fetch() -> tuple[HaproxyServer, ...]:
            try:
                data = await http_body(stats_page(manager.stats_url or "", node.host), MAX_OUTPUT)
            except FetchError as exc:
                raise ReadFailure(ReadState.DOWN if exc.down else ReadState.GARBAGE, str(exc)) from None
            return parse_show_stat(decode(data), index, backends)
        return fetch

    if manager.stats_url is not None:
        results = await asyncio.gather(*(read_here(reach, node, page(node)) for node in members))
    else:
        results = await asyncio.gather(*(read_on(reach, node, one) for node in members))
    return HaproxyView(manager.name, tuple(HaproxyRead(read, servers or ()) for read, servers in results))


def stats_page(template: str, host: str) -> str:
    """`stats_url` for one member: `{host}` is its host (an IPv6 address in brackets)."""
    return template.replace("{host}", f"[{host}]" if ":" in host else host)
