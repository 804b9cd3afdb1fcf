"""Nodes from where a team already lists them: Ansible inventories and ssh_config files.

The reading itself is Ansible's (`ansible-inventory`, see ansible.py) and asyncssh's (see
ssh_config.py); here the hosts become node entries, validated like any other, with errors
that name the source's own file, line and variable. `clustertui init` reads the same hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from pydantic import ValidationError

from .ansible import FIELDS as ANSIBLE_FIELDS
from .ansible import NOT_ROLES, inventory_hosts
from .errors import ConfigError, Origin
from .hostsource import SourceHost
from .scalars import port_number
from .schema import ImportSpec, NodeEntry
from .ssh_config import FIELDS as SSH_FIELDS
from .ssh_config import ssh_config_hosts
from .translate import explain


@dataclass(frozen=True)
class ImportedNode:
    """A node entry from another file, with its place in that file for error messages."""

    entry: NodeEntry
    origin: Origin


def import_nodes(spec: ImportSpec, origin: Origin) -> list[ImportedNode]:
    """The nodes `spec` selects; `origin` is the `import:` entry, blamed if the file is unreadable."""
    path = spec.ansible if spec.ansible is not None else spec.ssh_config
    assert path is not None  # ImportSpec guarantees exactly one source
    try:
        hosts = inventory_hosts(path) if spec.ansible is not None else ssh_config_hosts(path)
    except ConfigError as exc:
        if exc.line or exc.path != path:  # a problem inside the file: its own file and line say it best
            raise
        raise origin.error(f"{exc.message} ({path})") from None
    fields = ANSIBLE_FIELDS if spec.ansible is not None else SSH_FIELDS
    groups_as_roles = spec.ansible is not None and spec.groups_as_roles
    return [
        node_entry(host, fields, roles=(roles(host) if groups_as_roles else []) + spec.roles)
        for host in hosts
        if selected(host.name, spec.hosts)
    ]


def roles(host: SourceHost) -> list[str]:
    """An inventory host's groups as roles (`all` and `ungrouped` are not roles)."""
    return [g for g in host.groups if g not in NOT_ROLES]


def selected(name: str, patterns: list[str]) -> bool:
    """Shell-style patterns; `!pattern` excludes. Only exclusions means "all but those"."""
    include = [p for p in patterns if not p.startswith("!")] or ["*"]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    return any(fnmatchcase(name, p) for p in include) and not any(fnmatchcase(name, p) for p in exclude)


def node_data(host: SourceHost, roles: list[str]) -> dict[str, Any]:
    """The node entry a host stands for, as cluster-file data (only what the source gave)."""
    data: dict[str, Any] = {"name": host.name, "roles": list(dict.fromkeys(roles))}
    if host.address is not None:
        data["host"] = host.address
    if host.port is not None:
        number = port_number(host.port) if isinstance(host.port, str) else None
        data["port"] = host.port if number is None else number  # a bad port is NodeEntry's to report
    ssh = {key: value for key, value in (("user", host.user), ("identity", host.identity),
                                         ("proxy_jump", host.proxy_jump)) if value is not None}
    if ssh:
        data["ssh"] = ssh
    return data


def node_entry(host: SourceHost, fields: dict[str, str], roles: list[str]) -> ImportedNode:
    """Validate as any node entry; an error names the host and the source's own variable."""
    try:
        entry = NodeEntry.model_validate(node_data(host, roles))
    except ValidationError as exc:
        loc, message = explain(exc.errors()[0], NodeEntry)
        key = str(loc[-1]) if len(loc) > 1 and loc[0] == "ssh" else str(loc[0]) if loc else ""
        name = fields.get(key) or fields.get(str(loc[0])) if loc else None
        raise Origin(host.path, host.line, f"{host.name}.{name}" if name else host.name).error(message) from None
    return ImportedNode(entry, Origin(host.path, host.line, host.name))
