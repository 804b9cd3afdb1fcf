"""Where the cluster's own view and ours disagree, or the cluster disagrees with itself.

A finding is a fact an SRE must act on: the load balancer still routes to a service our
probe has seen down for longer than the balancer's own fall time (its health check is
blind), two nodes hold one virtual address (split brain), two redis say they are master,
the sentinels name different masters, a member cut off from the majority that still
believes it is the primary, etcd without a leader or with members naming different ones.
Findings are judged only from reads that worked: a manager that cannot be read is a read
state, not a finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from clustertui.config import Cluster
from clustertui.managers.command import CommandView
from clustertui.managers.etcd import EtcdView
from clustertui.managers.haproxy import HaproxyView
from clustertui.managers.keepalived import KeepalivedView
from clustertui.managers.nodes import split_address
from clustertui.managers.pacemaker import PacemakerView
from clustertui.managers.sentinel import SentinelView
from clustertui.managers.views import ManagerView


class FindingKind(StrEnum):
    ROUTES_TO_DOWN = "lb-routes-to-down"
    VIP_TWO_HOLDERS = "vip-two-holders"
    VIP_NO_HOLDER = "vip-no-holder"
    TWO_PRIMARIES = "two-primaries"
    SENTINELS_DISAGREE = "sentinels-disagree"
    STALE_PRIMARY = "stale-primary"  # a partitioned member still believes it is primary
    ETCD_NO_LEADER = "etcd-no-leader"
    ETCD_LEADERS_DISAGREE = "etcd-leaders-disagree"
    NO_QUORUM = "no-quorum"
    RESOURCE_MULTI_ACTIVE = "resource-multi-active"
    RESOURCE_STOPPED = "resource-stopped"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    manager: str
    subject: str  # what it is about: a server, an address, a master name
    nodes: tuple[str, ...]
    detail: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity over time: the same finding seen on the next read is not new."""
        return (self.kind, self.manager, self.subject)

    def describe(self) -> str:
        return f"{self.kind} [{self.manager}] {self.detail}"


@dataclass(frozen=True, slots=True)
class FindingSpan:
    """A finding over time, for reports: when the monitor first judged it, and when it went
    (None while it holds)."""

    finding: Finding
    since: float
    until: float | None = None


#: (node, port) -> (service, seconds our probe has seen it down), or None when it is up or unknown.
DownFor = Callable[[str, int | None], "tuple[str, float] | None"]


def find(cluster: Cluster, views: Mapping[str, ManagerView], down_for: DownFor) -> tuple[Finding, ...]:
    """Every finding in the managers' latest views, in manager order."""
    found: list[Finding] = []
    for name, view in views.items():
        manager = cluster.managers.get(name)
        if manager is None:
            continue
        if isinstance(view, HaproxyView):
            found += _routes_to_down(view, manager.grace_s, down_for)
        elif isinstance(view, KeepalivedView):
            found += _vip(view)
        elif isinstance(view, SentinelView):
            found += _sentinel(view) + _stale_primaries(view)
        elif isinstance(view, CommandView):
            found += _command(view)
        elif isinstance(view, EtcdView):
            found += _etcd(view)
        elif isinstance(view, PacemakerView):
            found += pacemaker_findings(view)
    return tuple(found)


def _routes_to_down(view: HaproxyView, grace: float, down_for: DownFor) -> list[Finding]:
    out = []
    for balancer in view.balancers:
        if not balancer.read.ok:
            continue
        for server in balancer.servers:
            if server.node is None or not server.routes:
                continue
            down = down_for(server.node, split_address(server.address)[1])
            if down is None or down[1] < grace:
                continue
            service, seconds = down
            out.append(Finding(
                FindingKind.ROUTES_TO_DOWN, view.manager, f"{balancer.read.node}/{server.backend}/{server.server}",
                (balancer.read.node, server.node),
                f"haproxy@{balancer.read.node} still routes to {server.backend}/{server.server} "
                f"({server.status_text}, check {server.check or 'none'}) while {service} on {server.node} "
                f"has been down for {seconds:.1f}s (grace {grace:g}s)",
            ))
    return out


def _vip(view: KeepalivedView) -> list[Finding]:
    out = []
    every_read = all(r.ok for r in view.reads)
    for holding in view.addresses:
        if len(holding.holders) > 1:
            vrrp = [f"{i.node} {i.state}" for node in holding.holders for i in view.vrrp_of(node) if i.name]
            also = f"; VRRP: {', '.join(vrrp)}" if vrrp else ""
            out.append(Finding(FindingKind.VIP_TWO_HOLDERS, view.manager, holding.address, holding.holders,
                               f"{holding.address} is held by {' and '.join(holding.holders)} (split brain{also})"))
        elif not holding.holders and every_read and view.reads:
            out.append(Finding(FindingKind.VIP_NO_HOLDER, view.manager, holding.address, (),
                               f"no node holds {holding.address}"))
    return out


def _sentinel(view: SentinelView) -> list[Finding]:
    out = []
    primaries = view.primaries()
    if len(primaries) > len(view.names):
        nodes = tuple(dict.fromkeys(r.node for r in primaries))
        where = ", ".join(f"{r.node}:{r.port}" for r in primaries)
        out.append(Finding(FindingKind.TWO_PRIMARIES, view.manager, "redis", nodes,
                           f"{len(primaries)} redis report role master ({where}) for "
                           f"{len(view.names)} master name{'s' if len(view.names) > 1 else ''}"))
    for name in view.names:
        masters = view.masters_of(name)
        if len(masters) > 1:
            seen = view.seen(name)
            out.append(Finding(
                FindingKind.SENTINELS_DISAGREE, view.manager, name,
                tuple(dict.fromkeys(m.node or m.address for m in seen.values())),
                f"sentinels disagree on the master of {name}: " + ", ".join(
                    f"{node} says {m.node or m.address}" for node, m in seen.items()),
            ))
    return out


def _command(view: CommandView) -> list[Finding]:
    primaries = view.primaries()
    if len(primaries) < 2:
        return []
    return [Finding(FindingKind.TWO_PRIMARIES, view.manager, "role", primaries,
                    f"{len(primaries)} nodes say they are primary: {', '.join(primaries)}")]



def _stale_primaries(view: SentinelView) -> list[Finding]:
    """A redis that reports role master while a majority of the sentinels names another
    master for the name it belongs to (it is that name's master or replica in some
    sentinel's eyes): cut off from the majority, it still believes it is the primary. Only
    a majority of every sentinel the manager reads on decides; without one, nobody is stale."""
    out = []
    majority = len(view.sentinels) // 2 + 1
    for name in view.names:
        seen = view.seen(name)
        votes = Counter(m.address for m in seen.values())
        if not votes or votes.most_common(1)[0][1] < majority:
            continue
        chosen = next(m for m in seen.values() if m.address == votes.most_common(1)[0][0])
        members = {_member(m.node, m.address) for m in seen.values()} | {
            _member(r.node, r.address) for m in seen.values() for r in m.replicas}
        for redis in view.primaries():
            if (redis.node, redis.port) == _member(chosen.node, chosen.address) or (redis.node, redis.port) not in members:
                continue
            believers = [node for node, m in seen.items() if _member(m.node, m.address) == (redis.node, redis.port)]
            also = f"; so does the sentinel on {', '.join(believers)}" if believers else ""
            out.append(Finding(
                FindingKind.STALE_PRIMARY, view.manager, f"{name}/{redis.node}:{redis.port}",
                (redis.node, chosen.node or chosen.address),
                f"{redis.node}:{redis.port} still reports role master, but {votes[chosen.address]} of "
                f"{len(view.sentinels)} sentinels name {chosen.node or chosen.address} the master of {name}: "
                f"cut off from the majority, it still believes it is primary{also}",
            ))
    return out


def _member(node: str | None, address: str) -> tuple[str | None, int | None]:
    return node, split_address(address)[1]


def _etcd(view: EtcdView) -> list[Finding]:
    """No member that answered follows a leader (no quorum: etcd takes no writes), or they
    name different leaders (a member cut off from the majority, or one that still believes
    it leads). Members that could not be read count for neither."""
    seen = view.leaders_seen()
    leaders = set(seen.values())
    if not seen or view.leader() is not None:
        return []
    if leaders == {"none"}:
        return [Finding(FindingKind.ETCD_NO_LEADER, view.manager, "leader", tuple(seen),
                        f"etcd has no leader: {', '.join(seen)} {'follows' if len(seen) == 1 else 'follow'} none"
                        f" ({len(seen)} of {len(view.members)} members answered)")]
    named = tuple(dict.fromkeys(lead for lead in seen.values() if lead != "none"))
    return [Finding(FindingKind.ETCD_LEADERS_DISAGREE, view.manager, "leader", tuple(dict.fromkeys((*seen, *named))),
                    "etcd members disagree on the leader: " + ", ".join(
                        f"{node} says {lead}" for node, lead in seen.items()))]
def pacemaker_findings(view: PacemakerView) -> list[Finding]:
    """A member in a partition without quorum; a resource active on two nodes (in any
    member's view: Pacemaker saw it there); a resource stopped that nobody asked to stop (in
    the cluster's view, from a quorate member when there is one)."""
    out = []
    for member in view.members:
        if member.status is None or member.quorate:
            continue
        votes = member.votes
        count = f" ({votes.total}/{votes.expected} votes, {votes.quorum} needed)" if votes and votes.total else ""
        out.append(Finding(FindingKind.NO_QUORUM, view.manager, member.read.node, (member.read.node,),
                           f"{member.read.node} is in a partition without quorum{count}"))
    seen: set[str] = set()
    for member in view.members:
        for resource in member.status.resources if member.status else ():
            if len(resource.nodes) > 1 and resource.id not in seen:
                seen.add(resource.id)
                out.append(Finding(FindingKind.RESOURCE_MULTI_ACTIVE, view.manager, resource.id, resource.nodes,
                                   f"{resource.id} is active on {' and '.join(resource.nodes)} "
                                   f"(as {member.read.node} sees it)"))
    cluster = view.cluster()
    if cluster is None or cluster.status is None:
        return out
    for resource in cluster.status.resources:
        if not resource.nodes and not resource.wanted_stopped:
            out.append(Finding(FindingKind.RESOURCE_STOPPED, view.manager, resource.id, (),
                               f"{resource.id} runs nowhere (role {resource.role or '?'}"
                               f"{', failed' if resource.failed else ''}) as {cluster.read.node} sees it"))
    return out
