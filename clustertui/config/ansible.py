"""Ansible inventories: through `ansible-inventory --list` when Ansible is installed, else read here.

`ansible-inventory` gives Ansible's own answer for every kind of inventory (INI, YAML,
scripts, plugins, group_vars/ and host_vars/ beside it, Jinja in variables). Without
Ansible, the static INI and YAML formats are read here -- names, ranges, groups, children
and vars -- with errors that name the inventory's file and line; tests check that both
readings agree.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, describe
from .hostsource import SourceHost, jump_from_ssh_args
from .ranges import expand_range
from .scalars import port_number
from .source import parse_yaml, read_text

#: The program asked first; tests set it to a missing name to read inventories statically.
PROGRAM = "ansible-inventory"
TIMEOUT = 60.0
_INI_SECTION = re.compile(r"\[([^\[\]:\s]+)(?::(vars|children))?\]")
_ANSIBLE_RANGE = re.compile(r"\[(\d+):(\d+)\]")
_YAML_SUFFIXES = (".yml", ".yaml", ".json")
NOT_ROLES = ("all", "ungrouped")
#: How a NodeEntry field is called in an inventory, for error messages.
FIELDS = {"host": "ansible_host", "port": "ansible_port", "ssh": "ansible_user", "roles": "groups",
          "identity": "ansible_ssh_private_key_file", "proxy_jump": "ansible_ssh_common_args"}


@dataclass
class _Host:
    name: str
    line: int
    options: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)


def inventory_hosts(path: Path) -> list[SourceHost]:
    """Every host of the inventory at `path`, in inventory order, with its groups and variables."""
    program = shutil.which(PROGRAM)
    if program is not None and path.exists():  # a missing file is read_text's to explain
        return _listed(path, program)
    if path.is_dir() or (path.is_file() and os.access(path, os.X_OK)):
        kind = "a directory" if path.is_dir() else "an executable (a dynamic inventory)"
        raise ConfigError(path, 0, "(inventory)", f"expected an INI or YAML file, found {kind}: reading it needs "
                          f"Ansible ({PROGRAM} on PATH, e.g. pip install ansible-core)")
    text = read_text(path)
    hosts = _ansible_yaml(path, text) if path.suffix in _YAML_SUFFIXES else _ansible_ini(path, text)
    return [_source_host(path, host.line, host.name, host.options, host.groups) for host in hosts]


def _first(options: dict[str, Any], *names: str) -> Any:
    return next((options[name] for name in names if options.get(name) is not None), None)


def _source_host(path: Path, line: int, name: str, options: dict[str, Any], groups: list[str]) -> SourceHost:
    """Ansible's connection variables (and their old ansible_ssh_* names) as a SourceHost."""
    jump = None
    for key in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        if isinstance(options.get(key), str) and jump is None:
            jump = jump_from_ssh_args(options[key], (path, line, f"{name}.{key}"))
    return SourceHost(
        name=name,
        path=path,
        line=line,
        address=_first(options, "ansible_host", "ansible_ssh_host"),
        port=_first(options, "ansible_port", "ansible_ssh_port"),
        user=_first(options, "ansible_user", "ansible_ssh_user"),
        identity=_first(options, "ansible_ssh_private_key_file", "ansible_private_key_file"),
        proxy_jump=jump,
        groups=list(groups),
    )


# --- ansible-inventory --------------------------------------------------------------------


def _listed(path: Path, program: str) -> list[SourceHost]:
    """Run `ansible-inventory --list`; an inventory it cannot parse is an error, not an empty list."""
    env = {**os.environ, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_NOCOLOR": "True"}
    try:
        done = subprocess.run(
            [program, "-i", str(path), "--list"], capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(path, 0, "(inventory)", f"expected {Path(program).name} to list the inventory, found: {exc}") from None
    if done.returncode != 0:
        raise ConfigError(path, 0, "(inventory)", f"{Path(program).name} could not read it: {_reason(done.stderr)}")
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise ConfigError(path, 0, "(inventory)", f"expected JSON from {Path(program).name} --list, found something else") from None
    return _from_listing(path, data)


def _reason(stderr: str) -> str:
    """The most telling line of ansible-inventory's complaint, on one line."""
    lines = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    for marker in ("Failed to parse inventory:", "[ERROR]:", "[WARNING]:"):
        for line in lines:
            if marker in line:
                return line[line.rindex(marker):].removeprefix("[ERROR]: ").removeprefix("[WARNING]: ")[:300]
    return lines[-1][:300] if lines else "it exited with an error"


def _from_listing(path: Path, data: dict[str, Any]) -> list[SourceHost]:
    hostvars = data.get("_meta", {}).get("hostvars", {})
    parents: dict[str, list[str]] = {}
    for group, body in data.items():
        for child in body.get("children", []) if isinstance(body, dict) else []:
            parents.setdefault(child, []).append(group)
    order: list[str] = []
    groups_of: dict[str, list[str]] = {}
    seen_groups: set[str] = set()

    def walk(group: str) -> None:
        if group in seen_groups:
            return
        seen_groups.add(group)
        found = data.get(group)
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        for host in body.get("hosts", []):
            if host not in groups_of:
                order.append(host)
                groups_of[host] = []
            for ancestor in _ancestors(group, parents):
                if ancestor not in groups_of[host]:
                    groups_of[host].append(ancestor)
        for child in body.get("children", []):
            walk(child)

    walk("all")
    for host in hostvars:  # hosts only in _meta (no group at all)
        if host not in groups_of:
            order.append(host)
            groups_of[host] = []
    lines = _name_lines(path, order)
    return [_source_host(path, lines.get(host, 0), host, hostvars.get(host, {}), groups_of[host]) for host in order]


def _name_lines(path: Path, names: list[str]) -> dict[str, int]:
    """Where each host is first named in a static inventory file, so errors can point there.

    Ansible's listing has no line numbers; a host from a range, a script or a plugin is
    found nowhere and gets line 0 ("no line applies").
    """
    try:
        text = read_text(path)
    except ConfigError:
        return {}
    wanted = set(names)
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for word in re.findall(r"[A-Za-z0-9_.\-]+", line.split("#", 1)[0]):
            if word in wanted and word not in found:
                found[word] = number
    return found


def _ancestors(group: str, parents: dict[str, list[str]]) -> list[str]:
    """The group and every group above it, nearest first."""
    seen: list[str] = []
    todo = [group]
    while todo:
        current = todo.pop(0)
        if current not in seen:
            seen.append(current)
            todo.extend(parents.get(current, []))
    return seen


# --- static reading -----------------------------------------------------------------------


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
        return _ancestors(group, self.parents)


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
                raise lines.error((*loc, key), "expected hosts, vars or children, found an unknown key")
            if body[key] is not None and not isinstance(body[key], dict):
                raise lines.error((*loc, key), f"expected a mapping, found {describe(body[key])}")
        inventory.group_vars.setdefault(group, {}).update(body.get("vars") or {})
        inventory.members.setdefault(group, [])
        for pattern, options in (body.get("hosts") or {}).items():
            where = lines.origin((*loc, "hosts", pattern))
            if options is not None and not isinstance(options, dict):
                raise where.error(f"expected host variables as a mapping, found {describe(options)}")
            for name in _ansible_names(str(pattern), path, where.line):
                inventory.add_host(name, where.line, group, options or {})
        for child, child_body in (body.get("children") or {}).items():
            inventory.add_child(group, str(child))
            walk(str(child), child_body, (*loc, "children", child))

    for group, body in data.items():
        walk(str(group), body, (group,))
    return inventory.resolve()
