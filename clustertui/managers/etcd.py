"""etcd: every member's own view -- the leader it follows, its raft term and index, its
alarms -- and the members it knows.

Each member is read on its own node, through the node's pooled SSH connection (a forwarded
channel to 127.0.0.1:2379, `managers/http.py`): `POST /v3/maintenance/status` and
`POST /v3/cluster/member/list` on etcd's JSON gateway. Not `etcdctl endpoint status` over
SSH: that starts a Go program on the node at every read (tens of ms of node CPU, and
etcdctl installed everywhere), where a forwarded request costs the node nothing but the
answer; and not the controller's own HTTP to :2379, which would read etcd through the
controller's network path rather than the node's: a member cut off from its peers must
still be read, as it sees itself. Both calls are served by the member alone (no raft round
trip), so a member without a leader still answers, which is the point.

The gateway writes uint64 fields as JSON strings (`"leader": "1484..."`), etcdctl's JSON as
numbers; both are read. Member IDs are shown in hex, as etcdctl prints them; 0 is "no leader".
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.http import HttpAnswer, http_request
from clustertui.managers.limits import MAX_RECORDS, clip
from clustertui.managers.nodes import NodeIndex
from clustertui.managers.remote import Reach, read_on
from clustertui.managers.state import Garbage, ReadFailure, ReadState, SourceRead
from clustertui.managers.view import reads_json

STATUS = "/v3/maintenance/status"
MEMBER_LIST = "/v3/cluster/member/list"
#: What etcd calls "no leader" (raft.None).
NO_LEADER = "0"
_UINT64 = 2**64


def member_id(value: object) -> str:
    """A member ID (a number, or its decimal text as the gateway writes it) in hex."""
    number = _uint(value)
    if number is None:
        raise Garbage(f"not a member ID: {clip(repr(value), 40)}")
    return format(number, "x")


def _uint(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < _UINT64 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 20:
        number = int(value)
        return number if number < _UINT64 else None
    return None


def _object(text: bytes | str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Garbage(f"{what}: not JSON ({clip(str(exc), 80)})") from None
    if not isinstance(data, dict):
        raise Garbage(f"{what}: JSON that is not an object")
    return data


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """`/v3/maintenance/status` of one member: itself, as it sees itself."""

    member: str  # its own ID, hex
    cluster: str  # cluster ID, hex
    leader: str  # the leader's ID it follows, hex; NO_LEADER when it knows none
    raft_term: int | None
    raft_index: int | None
    raft_applied_index: int | None
    revision: int | None
    version: str
    db_size: int | None
    errors: tuple[str, ...]  # etcd's own: alarms (NOSPACE, CORRUPT), "no leader"

    @property
    def is_leader(self) -> bool:
        return self.leader != NO_LEADER and self.leader == self.member


def parse_status(text: bytes | str) -> MemberStatus:
    """A status answer; the member's and the leader's IDs are required, the rest optional."""
    data = _object(text, "status")
    header = data.get("header")
    if not isinstance(header, dict) or "member_id" not in header:
        raise Garbage("status without header.member_id")
    # The gateway omits fields that are zero: no `leader` is no leader (a member's own ID never is 0).
    leader = member_id(data["leader"]) if "leader" in data else NO_LEADER
    errors = data.get("errors") or []
    if not isinstance(errors, list):
        raise Garbage("status errors is not a list")
    return MemberStatus(
        member=member_id(header["member_id"]), cluster=member_id(header.get("cluster_id", 0)), leader=leader,
        raft_term=_uint(data.get("raftTerm")), raft_index=_uint(data.get("raftIndex")),
        raft_applied_index=_uint(data.get("raftAppliedIndex")), revision=_uint(header.get("revision")),
        version=clip(str(data.get("version", ""))), db_size=_uint(data.get("dbSize")),
        errors=tuple(clip(str(e)) for e in errors[:MAX_RECORDS]),
    )


@dataclass(frozen=True, slots=True)
class Member:
    """One entry of a member list: who etcd says is in the cluster."""

    id: str  # hex
    name: str  # "" for a member added but not started yet
    node: str | None  # the cluster's node it is, by name or by the host of its URLs
    peer_urls: tuple[str, ...]
    client_urls: tuple[str, ...]
    learner: bool


def _urls(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise Garbage(f"member list: {what} is not a list of URLs")
    return tuple(clip(u) for u in value[:MAX_RECORDS])


def parse_member_list(text: bytes | str, index: NodeIndex) -> tuple[Member, ...]:
    data = _object(text, "member list")
    members = data.get("members")
    if not isinstance(members, list) or len(members) > MAX_RECORDS:
        raise Garbage("member list without a members array")
    out = []
    for entry in members:
        if not isinstance(entry, dict) or "ID" not in entry:
            raise Garbage("member list: a member without an ID")
        name = clip(str(entry.get("name", "")))
        peers, clients = _urls(entry.get("peerURLs"), "peerURLs"), _urls(entry.get("clientURLs"), "clientURLs")
        node = index.find(name, "") if name else None
        for url in (*clients, *peers):
            if node is None:
                host = _host(url)
                node = index.by_host(host) if host else None
        out.append(Member(member_id(entry["ID"]), name, node, peers, clients, entry.get("isLearner") is True))
    return tuple(out)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class MemberRead:
    """One member, read on its node: its status and the member list it holds."""

    read: SourceRead
    status: MemberStatus | None = None
    members: tuple[Member, ...] = ()

    @property
    def ok(self) -> bool:
        return self.read.ok and self.status is not None

    @property
    def healthy(self) -> bool:
        """It answers, follows a leader, and etcd reports no error (alarm) on it."""
        return self.ok and self.status is not None and self.status.leader != NO_LEADER and not self.status.errors


@dataclass(frozen=True, slots=True)
class EtcdView:
    manager: str
    members: tuple[MemberRead, ...]
    kind: ManagerKind = ManagerKind.ETCD

    @property
    def reads(self) -> tuple[SourceRead, ...]:
        return tuple(m.read for m in self.members)

    def node_of(self, member: str) -> str | None:
        """The node a member ID is: the node it was read on, else the member lists' word."""
        for m in self.members:
            if m.status is not None and m.status.member == member:
                return m.read.node
        for m in self.members:
            for entry in m.members:
                if entry.id == member:
                    return entry.node or entry.name or None
        return None

    def name_of(self, member: str) -> str:
        """How a member ID is shown: its node, else the ID; `none` for no leader."""
        return "none" if member == NO_LEADER else self.node_of(member) or member

    def leaders_seen(self) -> dict[str, str]:
        """node -> the leader it follows (a node, an ID, or `none`), for members that answered."""
        return {m.read.node: self.name_of(m.status.leader) for m in self.members if m.ok and m.status is not None}

    def leader(self) -> str | None:
        """The leader every member that answered follows, if they agree on one."""
        seen = set(self.leaders_seen().values())
        return next(iter(seen)) if len(seen) == 1 and "none" not in seen else None

    def roles(self) -> dict[str, tuple[str, ...]]:
        return {m.read.node: ("leader" if m.status.is_leader else "follower",)
                for m in self.members if m.ok and m.status is not None and m.status.leader != NO_LEADER}

    def summary(self) -> str:
        seen = self.leaders_seen()
        leader = self.leader()
        terms = {m.status.raft_term for m in self.members if m.ok and m.status is not None}
        if leader is not None:
            term = f", term {max(t for t in terms if t is not None)}" if any(t is not None for t in terms) else ""
            head = f"etcd leader {leader}{term}"
        elif not seen:
            head = "etcd: no member answered"
        elif set(seen.values()) == {"none"}:
            head = "etcd: NO LEADER"
        else:
            head = "etcd: members DISAGREE on the leader: " + ", ".join(f"{n}→{lead}" for n, lead in seen.items())
        parts = [head]
        for m in self.members:
            if m.ok and m.status is not None:
                s = m.status
                flags = f", {'; '.join(s.errors)}" if s.errors else ""
                parts.append(f"{m.read.node} {'leader' if s.is_leader else 'follower'} "
                             f"(term {s.raft_term}, index {s.raft_index}{flags})")
            else:
                parts.append(f"{m.read.node} {m.read.describe()}")
        return " │ ".join(parts)

    def to_json(self) -> dict[str, Any]:
        lists = next((m.members for m in self.members if m.members), ())
        return {
            "name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
            "leader": self.leader(), "leaders_seen": self.leaders_seen(),
            "members": [_member_json(self, m) for m in self.members],
            "member_list": [{"id": e.id, "name": e.name, "node": e.node, "peer_urls": list(e.peer_urls),
                             "client_urls": list(e.client_urls), "learner": e.learner} for e in lists],
        }


def _member_json(view: EtcdView, m: MemberRead) -> dict[str, Any]:
    s = m.status
    if s is None:
        return {"node": m.read.node, "state": str(m.read.state), "healthy": False}
    return {"node": m.read.node, "state": str(m.read.state), "healthy": m.healthy, "id": s.member,
            "cluster_id": s.cluster, "leader_id": s.leader, "leader": view.name_of(s.leader),
            "is_leader": s.is_leader, "raft_term": s.raft_term, "raft_index": s.raft_index,
            "raft_applied_index": s.raft_applied_index, "revision": s.revision, "version": s.version,
            "db_size": s.db_size, "errors": list(s.errors)}


def _ok_body(answer: HttpAnswer, what: str) -> bytes:
    """A 200's body; any other status is the member refusing, with etcd's own reason."""
    if answer.status == 200:
        return answer.body
    try:
        reason = str(json.loads(answer.body).get("error", ""))
    except (ValueError, AttributeError, RecursionError):
        reason = ""
    raise ReadFailure(ReadState.DOWN, f"{what}: HTTP {answer.status}{f' ({reason})' if reason else ''}")


async def read_etcd(manager: Manager, cluster: Cluster, reach: Reach) -> EtcdView:
    index = NodeIndex(cluster)
    port = manager.etcd_port

    async def one(conn: Any) -> tuple[MemberStatus, tuple[Member, ...]]:
        status, members = await asyncio.gather(http_request(conn, port, "POST", STATUS, b"{}"),
                                               http_request(conn, port, "POST", MEMBER_LIST, b"{}"))
        return parse_status(_ok_body(status, "status")), parse_member_list(_ok_body(members, "member list"), index)

    results = await asyncio.gather(*(read_on(reach, node, one) for node in cluster.manager_nodes(manager)))
    return EtcdView(manager.name, tuple(MemberRead(read, *(value or (None, ()))) for read, value in results))
