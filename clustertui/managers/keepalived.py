"""keepalived: which node holds each virtual address, from `ip -o addr show` on every member,
and each VRRP instance's state where a notify script leaves it (`state_dir`, managers/vrrp.py).

The address is the fact that matters: one holder is healthy, none is an outage, two is a
split brain (engine.findings). The VRRP state says why: a MASTER that cannot hear its peer
(partitioned), a FAULT (its tracked script failed), a BACKUP waiting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.limits import MAX_LINE, MAX_RECORDS
from clustertui.managers.remote import Reach, read_on, run_command
from clustertui.managers.rows import DetailRow, Level, ago
from clustertui.managers.state import Garbage, SourceRead
from clustertui.managers.view import reads_json
from clustertui.managers.vrrp import Instance, VrrpState, parse_vrrp, split_output, vrrp_script

#: Every address of every interface, one per line; LC_ALL=C keeps the words English.
IP_ADDR = "LC_ALL=C ip -o addr show"


def parse_ip_addr(text: str) -> frozenset[str]:
    """Addresses in `ip -o addr show` output (`2: eth0    inet 198.18.0.100/24 ...`), normalised."""
    lines = text.splitlines()
    if len(lines) > MAX_RECORDS:
        raise Garbage(f"over {MAX_RECORDS} lines of addresses")
    found: set[str] = set()
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            raise Garbage(f"line {number}: over {MAX_LINE // 1024} KiB")
        words = line.split()
        for family in ("inet", "inet6"):
            if family in words:
                at = words.index(family)
                if at + 1 >= len(words):
                    raise Garbage(f"line {number}: {family} without an address")
                try:
                    found.add(str(ipaddress.ip_interface(words[at + 1]).ip))
                except ValueError:
                    raise Garbage(f"line {number}: not an address: {words[at + 1][:60]!r}") from None
    if not found and text.strip():
        raise Garbage("no inet or inet6 line in `ip -o addr` output")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Holding:
    address: str
    holders: tuple[str, ...]  # nodes that hold it, among those read


@dataclass(frozen=True, slots=True)
class KeepalivedView:
    manager: str
    reads: tuple[SourceRead, ...]
    addresses: tuple[Holding, ...]
    instances: tuple[Instance, ...] = ()  # VRRP states, when the manager has a state_dir
    kind: ManagerKind = ManagerKind.KEEPALIVED

    def vrrp_of(self, node: str) -> tuple[Instance, ...]:
        return tuple(i for i in self.instances if i.node == node)

    def holder(self, address: str) -> tuple[str, ...]:
        return next((h.holders for h in self.addresses if h.address == address), ())

    def roles(self) -> dict[str, tuple[str, ...]]:
        roles: dict[str, list[str]] = {}
        for holding in self.addresses:
            for node in holding.holders:
                roles.setdefault(node, []).append(f"VIP {holding.address}")
        return {node: tuple(values) for node, values in roles.items()}

    def rows(self) -> list[DetailRow]:
        """One per virtual address: its holder, NOBODY (when every member was read), or
        the split brain."""
        read = [r.node for r in self.reads if r.ok]
        rows = []
        for h in self.addresses:
            if len(h.holders) == 1:
                state, level = f"on {h.holders[0]}", Level.OK
            elif h.holders:
                state, level = f"on {' and '.join(h.holders)}", Level.BAD
            else:
                state, level = "NOBODY", Level.BAD if len(read) == len(self.reads) else Level.WARN
            rows.append(DetailRow(f"vip/{h.address}", "", f"VIP {h.address}", state,
                                  f"members read: {', '.join(read) or 'none'}", level,
                                  h.holders[0] if h.holders else ""))
        return rows + [_vrrp_row(i) for i in self.instances]

    def summary(self) -> str:
        parts = []
        for holding in self.addresses:
            held = " and ".join(holding.holders) if holding.holders else "NOBODY"
            parts.append(f"VIP {holding.address} on {held}")
        parts += self._vrrp_summary()
        failed = [f"{r.node} {r.describe()}" for r in self.reads if not r.ok]
        return " │ ".join(parts) + (f" [{'; '.join(failed)}]" if failed else "")

    def _vrrp_summary(self) -> list[str]:
        """`VRRP VI_WEB: lb1 MASTER · lb2 BACKUP`, one part per instance name."""
        names = list(dict.fromkeys(i.name for i in self.instances))
        parts = []
        for name in names:
            states = " · ".join(f"{i.node} {i.state}" for i in self.instances if i.name == name)
            parts.append(f"VRRP {name}: {states}" if name else f"VRRP unknown: {states}")
        return parts

    def to_json(self) -> dict[str, Any]:
        return {"name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
                "addresses": [{"address": h.address, "holders": list(h.holders)} for h in self.addresses],
                "vrrp": [i.to_json() for i in self.instances]}


#: How each VRRP state reads at a glance on the managers screen.
_VRRP_LEVEL = {VrrpState.MASTER: Level.OK, VrrpState.BACKUP: Level.PLAIN, VrrpState.FAULT: Level.BAD,
               VrrpState.STOP: Level.WARN, VrrpState.UNKNOWN: Level.WARN}


def _vrrp_row(i: Instance) -> DetailRow:
    """A member's instance: its state, priority and age, or why its state is unknown."""
    facts = [f"priority {i.priority}" if i.priority is not None else "", f"for {ago(i.since_s)}" if i.since_s is not None else ""]
    detail = i.note or ", ".join(f for f in facts if f)
    return DetailRow(f"vrrp/{i.node}/{i.name}", i.node, f"VRRP {i.name or '?'}", str(i.state), detail,
                     _VRRP_LEVEL[i.state], i.node)


def read_command(manager: Manager) -> str:
    """One command per member: the addresses, then the VRRP states when there is a state_dir."""
    if manager.state_dir is None:
        return IP_ADDR
    return "sh -c " + shlex.quote(f"{IP_ADDR} || exit $?\n{vrrp_script(manager.state_dir)}")


async def read_keepalived(manager: Manager, cluster: Cluster, reach: Reach) -> KeepalivedView:
    command = read_command(manager)

    def one(node: str) -> Callable[[Any], Awaitable[tuple[frozenset[str], tuple[Instance, ...]]]]:
        async def read(conn: Any) -> tuple[frozenset[str], tuple[Instance, ...]]:
            text, vrrp = split_output(await run_command(conn, command))
            if manager.state_dir is None:
                return parse_ip_addr(text), ()
            return parse_ip_addr(text), parse_vrrp(node, vrrp, manager.state_dir)

        return read

    members = cluster.manager_nodes(manager)
    results = await asyncio.gather(*(read_on(reach, node, one(node.name)) for node in members))
    held = [(read.node, value[0] if value else frozenset()) for read, value in results]
    wanted = [str(ipaddress.ip_address(a)) for a in manager.addresses]
    return KeepalivedView(
        manager.name,
        tuple(read for read, _ in results),
        tuple(Holding(address, tuple(node for node, addresses in held if address in addresses)) for address in wanted),
        tuple(instance for _, value in results if value for instance in value[1]),
    )
