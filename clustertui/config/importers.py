"""Nodes from where a team already lists them: Ansible inventories and ssh_config files.

Small on purpose: enough of each format to take names, addresses, ports and users, with
errors that still name the inventory's file and line. Anything richer (Jinja in
inventories, ssh_config `Match`/`Include`) is left to the real tools: a cluster file can
point `ssh.config` at the same ssh_config so that OpenSSH semantics still apply at connect time.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ConfigError, Origin, describe
from .ranges import expand_range
from .scalars import port_number
from .schema import ImportSpec, NodeEntry
from .source import parse_yaml, read_text
from .translate import explain

_INI_SECTION = re.compile(r"\[([^\[\]:\s]+)(?::(vars|children))?\]")
_ANSIBLE_RANGE = re.compile(r"\[(\d+):(\d+)\]")
_SSH_OPTION = re.compile(r"([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)")
_NOT_ROLES = ("all", "ungrouped")
_YAML_SUFFIXES = (".yml", ".yaml", ".json")
#: How a NodeEntry field is called in each source, for error messages.
_ANSIBLE_FIELDS = {"host": "ansible_host", "port": "ansible_port", "ssh": "ansible_user", "roles": "groups"}
_SSH_FIELDS = {"host": "HostName", "port": "Port", "ssh": "User", "roles": "roles"}


@dataclass(frozen=True)
class ImportedNode:
    """A node entry from another file, with its place in that file for error messages."""

    entry: NodeEntry
    origin: Origin


@dataclass
class _Host:
    name: str
    line: int
    options: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)


def import_nodes(spec: ImportSpec, origin: Origin) -> list[ImportedNode]:
    """The nodes `spec` selects; `origin` is the `import:` entry, blamed if the file is unreadable."""
    path = spec.ansible if spec.ansible is not None else spec.ssh_config
    assert path is not None  # ImportSpec guarantees exactly one source
    try:
        text = read_text(path)
    except ConfigError as exc:
        if exc.line:  # a problem inside the file: its own file and line say it best
            raise
        raise origin.error(f"{exc.message} ({path})") from None
    if spec.ansible is not None:
        hosts = _ansible_yaml(path, text) if path.suffix in _YAML_SUFFIXES else _ansible_ini(path, text)
        return [_ansible_node(h, spec, path) for h in hosts if _selected(h.name, spec.hosts)]
    hosts = _ssh_config(path, text)
    return [_ssh_node(h, spec, path) for h in hosts if _selected(h.name, spec.hosts)]


def _selected(name: str, patterns: list[str]) -> bool:
    """Shell-style patterns; `!pattern` excludes. Only exclusions means "all but those"."""
    include = [p for p in patterns if not p.startswith("!")] or ["*"]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    return any(fnmatchcase(name, p) for p in include) and not any(fnmatchcase(name, p) for p in exclude)


def _entry(host: _Host, data: dict[str, Any], path: Path, fields: dict[str, str]) -> ImportedNode:
    """Validate as any node entry; an error names the host and the source's own variable."""
    try:
        entry = NodeEntry.model_validate(data)
    except ValidationError as exc:
        loc, message = explain(exc.errors()[0], NodeEntry)
        name = fields.get(str(loc[0])) if loc else None
        raise Origin(path, host.line, f"{host.name}.{name}" if name else host.name).error(message) from None
    return ImportedNode(entry, Origin(path, host.line, host.name))


def _port(value: Any) -> Any:
    """Inventories hold ports as text; a bad one is passed on for NodeEntry to report."""
    number = port_number(value) if isinstance(value, str) else None
    return value if number is None else number


def _node_data(name: str, address: Any, port: Any, user: Any, roles: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "roles": list(dict.fromkeys(roles))}
    if address is not None:
        data["host"] = address
    if port is not None:
        data["port"] = _port(port)
    if user is not None:
        data["ssh"] = {"user": user}
    return data


# --- Ansible --------------------------------------------------------------------------------


def _ansible_node(host: _Host, spec: ImportSpec, path: Path) -> ImportedNode:
    groups = [g for g in host.groups if g not in _NOT_ROLES] if spec.groups_as_roles else []
    options = host.options
    data = _node_data(
        host.name, options.get("ansible_host"), options.get("ansible_port"), options.get("ansible_user"), groups + spec.roles
    )
    return _entry(host, data, path, _ANSIBLE_FIELDS)


def _ansible_names(pattern: str, path: Path, line: int) -> list[str]:
    """`web[01:03]` (Ansible's range syntax) -> web01, web02, web03."""
    try:
        return expand_range(_ANSIBLE_RANGE.sub(r"[\1-\2]", pattern))
    except ValueError as exc:
        raise ConfigError(path, line, pattern, f"{exc} (Ansible writes ranges as [01:10])") from None


class _Inventory:
    """Hosts, groups and their variables, collected in file order from either format."""

    def __init__(self) -> None:
        self.hosts: dict[str, _Host] = {}
        self.members: dict[str, list[str]] = {}
        self.parents: dict[str, list[str]] = {}
        self.group_vars: dict[str, dict[str, Any]] = {}

    def add_host(self, name: str, line: int, group: str, options: dict[str, Any]) -> None:
        host = self.hosts.setdefault(name, _Host(name, line))
        host.options.update(options)
        self.members.setdefault(group, []).append(name)

    def add_child(self, parent: str, child: str) -> None:
        self.parents.setdefault(child, []).append(parent)
        self.members.setdefault(child, [])

    def resolve(self) -> list[_Host]:
        """Groups (with ancestors) per host; options: group vars, deeper groups winning, then host vars."""
        for group in self.members:
            for ancestor in self._ancestors(group):
                for name in self.members[group]:
                    if ancestor not in self.hosts[name].groups:
                        self.hosts[name].groups.append(ancestor)
        for host in self.hosts.values():
            options: dict[str, Any] = {}
            for group in sorted(dict.fromkeys(["all", *host.groups]), key=lambda g: (self._depth(g), g != "all")):
                options.update(self.group_vars.get(group, {}))
            options.update(host.options)
            host.options = options
        return list(self.hosts.values())

    def _depth(self, group: str, below: tuple[str, ...] = ()) -> int:
        """How far below the top a group sits: a child's vars override its parent's, as in Ansible."""
        parents = [p for p in self.parents.get(group, []) if p not in below]
        return 1 + max((self._depth(p, (*below, group)) for p in parents), default=-1)

    def _ancestors(self, group: str) -> list[str]:
        seen: list[str] = []
        todo = [group]
        while todo:
            current = todo.pop(0)
            if current not in seen:
                seen.append(current)
                todo.extend(self.parents.get(current, []))
        return seen


def _ansible_ini(path: Path, text: str) -> list[_Host]:
    inventory = _Inventory()
    group, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            match = _INI_SECTION.fullmatch(line)
            if match is None:
                raise ConfigError(
                    path, number, "(section)", f"expected a section like [web], [web:vars] or [web:children], found {line!r}"
                )
            group, kind = match.group(1), match.group(2) or "hosts"
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise ConfigError(path, number, group, f"expected shell-style words, found {exc}") from None
        if kind == "children":
            if len(words) != 1:
                raise ConfigError(path, number, group, f"expected one child group per line, found {line!r}")
            inventory.add_child(group, words[0])
        elif kind == "vars":
            key, sep, value = " ".join(words).partition("=")
            if not sep or not key.strip():
                raise ConfigError(path, number, group, f"expected key=value, found {line!r}")
            inventory.group_vars.setdefault(group, {})[key.strip()] = value.strip()
        else:
            pattern, port = _host_and_port(words[0])
            options = dict(_assignment(word, path, number, pattern) for word in words[1:])
            if port:
                options.setdefault("ansible_port", port)
            for name in _ansible_names(pattern, path, number):
                inventory.add_host(name, number, group, options)
    return inventory.resolve()


def _host_and_port(word: str) -> tuple[str, str]:
    """Ansible's INI `db1.example.com:5309` form."""
    host, sep, port = word.rpartition(":")
    return (host, port) if sep and port_number(port) is not None and ":" not in host else (word, "")


def _assignment(word: str, path: Path, line: int, host: str) -> tuple[str, str]:
    key, sep, value = word.partition("=")
    if not sep or not key:
        raise ConfigError(path, line, host, f"expected key=value host variables, found {word!r}")
    return key, value


def _ansible_yaml(path: Path, text: str) -> list[_Host]:
    data, lines = parse_yaml(path, text)
    if data is None:  # an empty inventory: no hosts, as for Ansible
        return []
    if not isinstance(data, dict):
        raise lines.error((), f"expected a mapping of Ansible groups, found {describe(data)}")
    inventory = _Inventory()

    def walk(group: str, body: Any, loc: tuple[Any, ...]) -> None:
        if body is None:
            return
        if not isinstance(body, dict):
            raise lines.error(loc, f"expected a group mapping (hosts, vars, children), found {describe(body)}")
        for key in body:
            if key not in ("hosts", "vars", "children"):
                raise lines.error(loc + (key,), "expected hosts, vars or children, found an unknown key")
            if body[key] is not None and not isinstance(body[key], dict):
                raise lines.error(loc + (key,), f"expected a mapping, found {describe(body[key])}")
        inventory.group_vars.setdefault(group, {}).update(body.get("vars") or {})
        inventory.members.setdefault(group, [])
        for pattern, options in (body.get("hosts") or {}).items():
            where = lines.origin(loc + ("hosts", pattern))
            if options is not None and not isinstance(options, dict):
                raise where.error(f"expected host variables as a mapping, found {describe(options)}")
            for name in _ansible_names(str(pattern), path, where.line):
                inventory.add_host(name, where.line, group, options or {})
        for child, child_body in (body.get("children") or {}).items():
            inventory.add_child(group, str(child))
            walk(str(child), child_body, loc + ("children", child))

    for group, body in data.items():
        walk(str(group), body, (group,))
    return inventory.resolve()


# --- ssh_config -----------------------------------------------------------------------------


def _ssh_node(host: _Host, spec: ImportSpec, path: Path) -> ImportedNode:
    options = host.options
    address = options.get("hostname")
    if isinstance(address, str):
        address = address.replace("%h", host.name).replace("%%", "%")
    data = _node_data(host.name, address, options.get("port"), options.get("user"), list(spec.roles))
    return _entry(host, data, path, _SSH_FIELDS)


def _ssh_config(path: Path, text: str) -> list[_Host]:
    """Concrete `Host` aliases, each with OpenSSH's first-obtained-value-wins options."""
    blocks: list[tuple[list[str], dict[str, str]]] = [(["*"], {})]  # options before any Host
    aliases: dict[str, int] = {}
    current: dict[str, str] | None = blocks[0][1]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _SSH_OPTION.fullmatch(line)
        if match is None:
            raise ConfigError(path, number, "(ssh_config)", f"expected 'Keyword value', found {line!r}")
        keyword, value = match.group(1).lower(), match.group(2).strip()
        if keyword == "host":
            patterns = value.split()
            current = {}
            blocks.append((patterns, current))
            for pattern in patterns:
                if not any(c in pattern for c in "*?!"):
                    aliases.setdefault(pattern, number)
        elif keyword == "match":
            current = None  # Match blocks are not evaluated (see module docstring)
        elif current is not None:
            current.setdefault(keyword, value.strip('"'))
    hosts = []
    for alias, number in aliases.items():
        options: dict[str, str] = {}
        for patterns, block in blocks:
            if _ssh_matches(alias, patterns):
                for keyword, value in block.items():
                    options.setdefault(keyword, value)
        hosts.append(_Host(alias, number, options))
    return hosts


def _ssh_matches(alias: str, patterns: list[str]) -> bool:
    """OpenSSH: some pattern matches and no negated pattern does."""
    negated = [p[1:] for p in patterns if p.startswith("!")]
    positive = [p for p in patterns if not p.startswith("!")]
    return any(fnmatchcase(alias, p) for p in positive) and not any(fnmatchcase(alias, p) for p in negated)
