"""What a manager's view says as facts, and the changes between two reads of it.

A drill times the cluster's own reactions (docs/drills.md, "The cluster's side"): when a
load balancer marked the target DOWN and UP again, when a virtual address moved, when a
new primary was named. Each view is cut into facts, each with an identity that holds over
time (`key`) and a value; the same key with another value on the next read is a change:

| fact | key | value | change |
|---|---|---|---|
| route | balancer, backend/server | HAProxy's status word | `marked-down` (routed, now not), `marked-up` |
| holder | virtual address; a Pacemaker resource | the nodes that hold it / run it | `moved` |
| master | master name, sentinel | the master that sentinel names | `promoted` |
| leader | the manager's name, etcd member | the leader that member follows (none is no fact) | `promoted` |
| role | node (and port) | the role the node says it has | `promoted` (now primary), `demoted` |
| read | member | ok, or not | `unreadable`, `readable` |

A fact is made only from a read that worked: a member that cannot be read leaves its facts
as they were (its `read` fact says why), never "changes" them to unknown. A kind added
later adds its facts here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from clustertui.managers.command import PRIMARY_ROLES, CommandView
from clustertui.managers.etcd import NO_LEADER, EtcdView
from clustertui.managers.haproxy import HaproxyView, ServerStatus
from clustertui.managers.keepalived import KeepalivedView
from clustertui.managers.pacemaker import PacemakerView
from clustertui.managers.sentinel import SentinelView
from clustertui.managers.state import SourceRead
from clustertui.managers.views import ManagerView


class FactKind(StrEnum):
    ROUTE = "route"
    HOLDER = "holder"
    MASTER = "master"
    LEADER = "leader"
    ROLE = "role"
    READ = "read"


class Change(StrEnum):
    """A change of the cluster's mind, as a drill's timeline shows it."""

    MARKED_DOWN = "marked-down"  # a load balancer stopped routing to a server
    MARKED_UP = "marked-up"  # ... and routes to it again
    MOVED = "moved"  # a virtual address changed holder
    PROMOTED = "promoted"  # a new primary or leader was named, or a node became primary
    DEMOTED = "demoted"  # a node is no longer primary
    UNREADABLE = "unreadable"  # a member's read stopped working (with why)
    READABLE = "readable"  # ... and works again


_ROUTED = (str(ServerStatus.UP), str(ServerStatus.NO_CHECK))


@dataclass(frozen=True, slots=True)
class Fact:
    manager: str
    kind: FactKind
    subject: str  # a server (backend/server), an address, a master name, a node, a member
    by: str  # who says it: haproxy@lb1, keepalived, sentinel@db2, redis@db1, pg@db1
    value: str
    node: str | None  # the node the value is about: the server's, the holder, the primary
    t: float  # when it was read (the controller's clock)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.manager, self.kind, self.subject, self.by)


@dataclass(frozen=True, slots=True)
class ManagerEvent:
    """One change, timed by the read that first showed it (so within one read interval)."""

    t: float
    manager: str
    change: Change
    by: str
    subject: str
    node: str | None  # the server marked down/up, the new holder, the new primary
    before: str
    after: str

    def describe(self, brief: bool = False) -> str:
        """One plain line (the caller escapes it): `haproxy@lb1 marked web2 DOWN (...)`;
        `brief`: a few words for a one-line summary, `haproxy@lb1 web2 DOWN`."""
        was = "" if brief else f" (was {self.before})"
        if self.change in (Change.MARKED_DOWN, Change.MARKED_UP):
            what = f"{self.node or self.subject} {self.after}"
            return f"{self.by} {what}" if brief else f"{self.by} marked {what} ({self.subject}, was {self.before})"
        if self.change is Change.MOVED:
            if brief:
                return f"{self.by} {self.subject}→{self.after or 'nobody'}"
            return f"{self.by}: {self.subject} moved from {self.before or 'nobody'} to {self.after or 'nobody'}"
        if self.change is Change.PROMOTED:
            return f"{self.by}{' primary' if brief else f': {self.subject} primary'} {self.after}{was}"
        if brief:
            return f"{self.by} {self.change}"
        if self.change is Change.DEMOTED:
            return f"{self.by}: {self.subject} no longer primary ({self.before} → {self.after})"
        return f"{self.by} {self.change}: {self.after}"


def facts(name: str, view: ManagerView) -> list[Fact]:
    """Every fact in one read of manager `name`."""
    out = _reads(name, view)
    if isinstance(view, HaproxyView):
        for balancer in view.balancers:
            if balancer.read.ok:
                out += [Fact(name, FactKind.ROUTE, f"{s.backend}/{s.server}", f"haproxy@{balancer.read.node}",
                             str(s.status), s.node, balancer.read.t) for s in balancer.servers]
    elif isinstance(view, KeepalivedView):
        if view.reads and all(r.ok for r in view.reads):
            t = max(r.t for r in view.reads)
            out += [Fact(name, FactKind.HOLDER, h.address, "keepalived", " and ".join(h.holders),
                         h.holders[0] if len(h.holders) == 1 else None, t) for h in view.addresses]
    elif isinstance(view, SentinelView):
        for sentinel in view.sentinels:
            if sentinel.read.ok:
                out += [Fact(name, FactKind.MASTER, m.name, f"sentinel@{sentinel.read.node}", m.node or m.address,
                             m.node, sentinel.read.t) for m in sentinel.masters if m.address]
        out += [Fact(name, FactKind.ROLE, f"{r.node}:{r.port}", f"redis@{r.node}", r.role, r.node, r.read.t)
                for r in view.redis if r.read.ok]
    elif isinstance(view, CommandView):
        out += [Fact(name, FactKind.ROLE, n.read.node, f"{name}@{n.read.node}", n.role, n.read.node, n.read.t)
                for n in view.nodes if n.read.ok]
    elif isinstance(view, PacemakerView):
        # Where each resource runs, in the cluster's view (a quorate member's, the DC's first).
        speaker = view.cluster()
        if speaker is not None:
            out += [Fact(name, FactKind.HOLDER, resource, "pacemaker", " and ".join(nodes),
                         nodes[0] if len(nodes) == 1 else None, speaker.read.t)
                    for resource, nodes in view.placement().items()]
    elif isinstance(view, EtcdView):
        # A member between leaders (an election) says nothing new: the next leader it follows is the change.
        out += [Fact(name, FactKind.LEADER, name, f"etcd@{m.read.node}", view.name_of(m.status.leader),
                     view.node_of(m.status.leader), m.read.t)
                for m in view.members if m.ok and m.status is not None and m.status.leader != NO_LEADER]
    return out


def _reads(name: str, view: ManagerView) -> list[Fact]:
    """One `read` fact per member: ok when all its reads worked (Sentinel reads a member's
    sentinel and each redis apart), else the first failure."""
    by_node: dict[str, list[SourceRead]] = {}
    for read in view.reads:
        by_node.setdefault(read.node, []).append(read)
    out = []
    for node, reads in by_node.items():
        failed = next((r for r in reads if not r.ok), None)
        value = "ok" if failed is None else failed.describe()
        out.append(Fact(name, FactKind.READ, node, f"{view.kind}@{node}", value, node, max(r.t for r in reads)))
    return out


def _primary(role: str) -> bool:
    return role in PRIMARY_ROLES or role == "master"


def change_of(before: Fact, after: Fact) -> Change | None:
    """The change from one value of a fact to the next, if it is one a timeline shows."""
    if before.value == after.value:
        return None
    if after.kind is FactKind.ROUTE:
        was, now = before.value in _ROUTED, after.value in _ROUTED
        return None if was == now else Change.MARKED_UP if now else Change.MARKED_DOWN
    if after.kind is FactKind.HOLDER:
        return Change.MOVED
    if after.kind in (FactKind.MASTER, FactKind.LEADER):
        return Change.PROMOTED
    if after.kind is FactKind.ROLE:
        was, now = _primary(before.value), _primary(after.value)
        return None if was == now else Change.PROMOTED if now else Change.DEMOTED
    was_ok, now_ok = before.value == "ok", after.value == "ok"
    return None if was_ok == now_ok else Change.READABLE if now_ok else Change.UNREADABLE


def fold(latest: dict[tuple[str, str, str, str], Fact], new: Iterable[Fact]) -> list[ManagerEvent]:
    """Fold a read's facts into `latest` (updated in place): the changes they make."""
    events = []
    for fact in new:
        before = latest.get(fact.key)
        latest[fact.key] = fact
        change = None if before is None else change_of(before, fact)
        if before is not None and change is not None:
            events.append(ManagerEvent(fact.t, fact.manager, change, fact.by, fact.subject, fact.node,
                                       before.value, fact.value))
    return events


def routed(latest: Mapping[tuple[str, str, str, str], Fact], manager: str, node: str) -> tuple[str, ...]:
    """The balancers of `manager` that route to `node` in `latest` (their `by`)."""
    return tuple(dict.fromkeys(f.by for f in latest.values() if f.manager == manager and f.kind is FactKind.ROUTE
                               and f.node == node and f.value in _ROUTED))
