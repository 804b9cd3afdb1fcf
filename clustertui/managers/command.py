"""`command`: a command per node that prints the role the node believes it has, for every
manager clustertui has no adapter for (Patroni, MySQL, Consul, ...).

The output is either one JSON object (`{"role": "primary", ...}`, as Patroni's REST API
answers) or `key=value` lines (`role=replica`). The role is the `role` key (else `state`);
the other keys are kept as text, for display. Roles are compared in lower case, and the
names for a primary (primary, master, leader, active) count as one when the engine looks
for two primaries.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from dataclasses import dataclass
from typing import Any

from clustertui.config import Cluster, Manager, ManagerKind
from clustertui.managers.limits import MAX_LINE, MAX_RECORDS, clip
from clustertui.managers.remote import Reach, read_on, run_command
from clustertui.managers.rows import DetailRow, Level
from clustertui.managers.state import Garbage, SourceRead
from clustertui.managers.view import reads_json

#: Output of a role command: a role fits in far less; more is garbage.
MAX_COMMAND_OUTPUT = 64 * 1024
#: Role words that mean "this node is the one that takes writes".
PRIMARY_ROLES = frozenset({"primary", "master", "leader", "active"})
_ROLE_KEYS = ("role", "state")


def parse_role_output(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(role, fields) from a JSON object or key=value lines; no role key is garbage."""
    stripped = text.strip()
    if not stripped:
        raise Garbage("the command printed nothing")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError) as exc:
            raise Garbage(f"not JSON: {clip(str(exc), 80)}") from None
        if not isinstance(data, dict):
            raise Garbage("JSON that is not an object")
        fields = [(clip(str(k)), clip(v if isinstance(v, str) else json.dumps(v)[:200])) for k, v in
                  list(data.items())[:MAX_RECORDS]]
    else:
        lines = stripped.splitlines()
        if len(lines) > MAX_RECORDS:
            raise Garbage(f"over {MAX_RECORDS} lines")
        fields = []
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                raise Garbage(f"line {number}: over {MAX_LINE // 1024} KiB")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise Garbage(f"line {number}: expected key=value, found {clip(line, 60)!r}")
            fields.append((clip(key.strip()), clip(value.strip())))
    values = dict(fields)
    role = next((values[key] for key in _ROLE_KEYS if key in values), None)
    if not role:
        raise Garbage(f"no {' or '.join(_ROLE_KEYS)} key in the output")
    return role.lower(), tuple(fields)


@dataclass(frozen=True, slots=True)
class NodeRole:
    read: SourceRead
    role: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def is_primary(self) -> bool:
        return self.read.ok and self.role in PRIMARY_ROLES


@dataclass(frozen=True, slots=True)
class CommandView:
    manager: str
    nodes: tuple[NodeRole, ...]
    kind: ManagerKind = ManagerKind.COMMAND

    @property
    def reads(self) -> tuple[SourceRead, ...]:
        return tuple(n.read for n in self.nodes)

    def primaries(self) -> tuple[str, ...]:
        return tuple(n.read.node for n in self.nodes if n.is_primary)

    def roles(self) -> dict[str, tuple[str, ...]]:
        return {n.read.node: (n.role,) for n in self.nodes if n.read.ok}

    def rows(self) -> list[DetailRow]:
        """One per node that answered: its role and the other fields it printed."""
        return [DetailRow(f"node/{n.read.node}", n.read.node, n.read.node, n.role,
                          " · ".join(f"{k}={v}" for k, v in n.fields if k not in _ROLE_KEYS),
                          Level.OK if n.is_primary else Level.PLAIN, n.read.node) for n in self.nodes if n.read.ok]

    def summary(self) -> str:
        return f"{self.manager}: " + ", ".join(
            f"{n.read.node} {n.role if n.read.ok else n.read.describe()}" for n in self.nodes)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.manager, "kind": str(self.kind), "reads": reads_json(self.reads),
                "nodes": [{"node": n.read.node, "role": n.role, "fields": dict(n.fields)} for n in self.nodes]}


async def read_command(manager: Manager, cluster: Cluster, reach: Reach) -> CommandView:
    command = f"sh -c {shlex.quote(manager.command or '')}"

    async def one(conn: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
        return parse_role_output(await run_command(conn, command, MAX_COMMAND_OUTPUT))

    results = await asyncio.gather(*(read_on(reach, node, one) for node in cluster.manager_nodes(manager)))
    return CommandView(manager.name, tuple(
        NodeRole(read, *(parsed or ("", ()))) for read, parsed in results
    ))

