"""keepalived: which node holds each virtual address, from `ip -o addr show` on every member.

The address is the fact that matters (keepalived's own VRRP state is not exposed by the
daemon without a notify script or a signal-triggered dump, both of which change the node):
one holder is healthy, none is an outage, two is a split brain (engine.findings).
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.limits import MAX_LINE, MAX_RECORDS
from clustertui.managers.remote import Reach, read_on, run_command
from clustertui.managers.rows import DetailRow, Level
from clustertui.managers.state import Garbage, SourceRead
from clustertui.managers.view import reads_json

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
    kind: ManagerKind = ManagerKind.KEEPALIVED

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
        return rows

    def summary(self) -> str:
        parts = []
        for holding in self.addresses:
            held = " and ".join(holding.holders) if holding.holders else "NOBODY"
            parts.append(f"VIP {holding.address} on {held}")
        failed = [f"{r.node} {r.describe()}" for r in self.reads if not r.ok]
        return " │ ".join(parts) + (f" [{'; '.join(failed)}]" if failed else "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
                "addresses": [{"address": h.address, "holders": list(h.holders)} for h in self.addresses]}


async def read_keepalived(manager: Manager, cluster: Cluster, reach: Reach) -> KeepalivedView:
    async def one(conn: Any) -> frozenset[str]:
        return parse_ip_addr(await run_command(conn, IP_ADDR))

    members = cluster.manager_nodes(manager)
    results = await asyncio.gather(*(read_on(reach, node, one) for node in members))
    held = [(read.node, addresses or frozenset()) for read, addresses in results]
    wanted = [str(ipaddress.ip_address(a)) for a in manager.addresses]
    return KeepalivedView(
        manager.name,
        tuple(read for read, _ in results),
        tuple(Holding(address, tuple(node for node, addresses in held if address in addresses)) for address in wanted),
    )
