"""Pacemaker/Corosync: quorum (votes, expected, quorate), nodes online/standby/offline, and
the resources with where they run, as every member sees them.

One command per member over its pooled connection prints `crm_mon --output-as=xml` and
`corosync-quorumtool -s`; each member's answer is kept apart, because the members of a split
cluster disagree (a partition without quorum has its own view), and that disagreement is
what an SRE needs to see. The cluster's view shown first is a quorate member's, preferring
the DC's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.pacemaker_parse import CrmStatus, PcmkResource, Votes, parse_crm_mon, parse_quorumtool
from clustertui.managers.remote import Reach, read_on, run_command
from clustertui.managers.rows import DetailRow, Level
from clustertui.managers.state import Garbage, ReadFailure, ReadState, SourceRead
from clustertui.managers.view import reads_json, reads_summary

#: Both tools in one channel; their exit statuses are not used (crm_mon's is in its XML,
#: the quorum tool's differs between versions), the marker line splits the two answers.
MARK = "@@clustertui-quorumtool@@"
COMMAND = f"LC_ALL=C crm_mon -1 --output-as=xml 2>/dev/null; echo; echo {MARK}; LC_ALL=C corosync-quorumtool -s 2>&1; true"


@dataclass(frozen=True, slots=True)
class MemberView:
    """One member's answer: its Pacemaker status and its Corosync votes (None when unread)."""

    read: SourceRead
    status: CrmStatus | None = None
    votes: Votes | None = None

    @property
    def quorate(self) -> bool:
        return self.status is not None and self.status.quorate


def parse_member(text: str) -> tuple[CrmStatus, Votes | None]:
    """The command's output: crm_mon's XML, the marker, the quorum tool's lines.

    A node without Corosync's tool still gives Pacemaker's view (votes None).
    """
    xml, sep, quorum = text.partition(f"\n{MARK}\n")
    if not sep:
        raise Garbage("the answer lacks the marker between crm_mon and corosync-quorumtool")
    if not xml.strip():
        raise ReadFailure(ReadState.DOWN, "crm_mon printed nothing (is Pacemaker's crm_mon installed?)")
    status = parse_crm_mon(xml)
    try:
        votes: Votes | None = parse_quorumtool(quorum)
    except Garbage:
        raise
    except ReadFailure:  # a missing or failing quorum tool leaves Pacemaker's view
        votes = None
    return status, votes


@dataclass(frozen=True, slots=True)
class PacemakerView:
    manager: str
    members: tuple[MemberView, ...]
    kind: ManagerKind = ManagerKind.PACEMAKER

    @property
    def reads(self) -> tuple[SourceRead, ...]:
        return tuple(m.read for m in self.members)

    def cluster(self) -> MemberView | None:
        """The member whose view stands for the cluster's: a quorate one (the DC's first),
        else any that answered."""
        answered = [m for m in self.members if m.status is not None]
        quorate = [m for m in answered if m.quorate]
        dcs = [m for m in quorate if m.status is not None and m.status.dc == m.read.node]
        best = dcs or quorate or answered
        return best[0] if best else None

    def placement(self) -> dict[str, tuple[str, ...]]:
        """Resource id -> the nodes it runs on, in the cluster's view."""
        view = self.cluster()
        return {} if view is None or view.status is None else {r.id: r.nodes for r in view.status.resources}

    def roles(self) -> dict[str, tuple[str, ...]]:
        view = self.cluster()
        if view is None or view.status is None:
            return {}
        roles: dict[str, list[str]] = {}
        if view.status.dc:
            roles.setdefault(view.status.dc, []).append("pacemaker DC")
        for resource in view.status.resources:
            for node in resource.nodes:
                label = f"runs {resource.parent or resource.id}"
                if label not in roles.setdefault(node, []):
                    roles[node].append(label)
        return {node: tuple(values) for node, values in roles.items()}

    def rows(self) -> list[DetailRow]:
        """Each member's quorum (members that disagree are a split), each node's state and
        each resource's placement, in the cluster's view."""
        rows = []
        for m in self.members:
            if m.status is None:
                continue
            votes = f"{m.votes.total}/{m.votes.expected} votes" if m.votes and m.votes.total is not None else ""
            rows.append(DetailRow(f"quorum/{m.read.node}", m.read.node, "quorum",
                                  "quorate" if m.quorate else "NO QUORUM", f"{votes}, DC {m.status.dc or 'none'}".lstrip(", "),
                                  Level.OK if m.quorate else Level.BAD, m.read.node))
        view = self.cluster()
        if view is None or view.status is None:
            return rows
        for node in view.status.nodes:
            level = Level.OK if node.state == "online" else Level.WARN if node.state in ("standby", "maintenance") else Level.BAD
            rows.append(DetailRow(f"node/{node.name}", view.read.node, f"node {node.name}", node.state,
                                  "DC" if node.is_dc else "", level, node.name))
        for r in view.status.resources:
            level = Level.BAD if len(r.nodes) > 1 or (not r.nodes and not r.wanted_stopped) or r.failed else Level.OK
            rows.append(DetailRow(f"resource/{r.id}", view.read.node, r.id,
                                  f"{r.role} on {' and '.join(r.nodes)}" if r.nodes else r.role,
                                  f"{r.agent}" + (f" in {r.parent}" if r.parent else ""), level,
                                  r.nodes[0] if r.nodes else ""))
        return rows

    def summary(self) -> str:
        view = self.cluster()
        if view is None or view.status is None:
            return f"pacemaker {self.manager}: no member answered" + reads_summary(self.reads)
        status, votes = view.status, view.votes
        quorum = "quorate" if status.quorate else "NO QUORUM"
        if votes is not None and votes.total is not None:
            quorum += f" {votes.total}/{votes.expected} votes"
        states: dict[str, list[str]] = {}
        for node in status.nodes:
            states.setdefault(node.state, []).append(node.name)
        nodes = " · ".join(f"{state} {' '.join(names)}" for state, names in states.items())
        groups: dict[str, list[PcmkResource]] = {}
        for resource in status.resources:
            groups.setdefault(resource.parent or resource.id, []).append(resource)
        placed = " · ".join(_placed(name, members) for name, members in groups.items())
        dc = f", DC {status.dc}" if status.dc else ", no DC"
        return f"pacemaker {quorum}{dc} │ {nodes} │ {placed or 'no resources'}" + reads_summary(self.reads)

    def to_json(self) -> dict[str, Any]:
        view = self.cluster()
        return {
            "name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
            "view_of": view.read.node if view is not None else None,
            "quorum": _quorum_json(view) if view is not None else None,
            "nodes": [] if view is None or view.status is None else [
                {"name": n.name, "state": n.state, "dc": n.is_dc} for n in view.status.nodes],
            "resources": [] if view is None or view.status is None else [_resource_json(r) for r in view.status.resources],
            "members": [{"node": m.read.node, **_quorum_json(m)} for m in self.members],
        }


def _placed(name: str, members: list[PcmkResource]) -> str:
    where = sorted({node for r in members for node in r.nodes})
    stopped = [r.id for r in members if not r.nodes]
    text = f"{name} on {' and '.join(where)}" if where else f"{name} STOPPED"
    return text + (f" ({', '.join(stopped)} stopped)" if where and stopped else "")


def _quorum_json(member: MemberView) -> dict[str, Any]:
    votes = member.votes
    return {"quorate": member.quorate if member.status is not None else None,
            "dc": member.status.dc or None if member.status is not None else None,
            "votes": votes.total if votes else None, "expected": votes.expected if votes else None,
            "needed": votes.quorum if votes else None}


def _resource_json(resource: PcmkResource) -> dict[str, Any]:
    return {"id": resource.id, "group": resource.parent or None, "agent": resource.agent, "role": resource.role,
            "nodes": list(resource.nodes), "target_role": resource.target_role or None,
            "failed": resource.failed, "blocked": resource.blocked, "managed": resource.managed}


async def read_pacemaker(manager: Manager, cluster: Cluster, reach: Reach) -> PacemakerView:
    async def one(conn: Any) -> tuple[CrmStatus, Votes | None]:
        return parse_member(await run_command(conn, COMMAND))

    results = await asyncio.gather(*(read_on(reach, node, one) for node in cluster.manager_nodes(manager)))
    return PacemakerView(manager.name, tuple(
        MemberView(read, *(parsed or (None, None))) for read, parsed in results
    ))
