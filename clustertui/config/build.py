"""From the file's shape to the public `Cluster`: expand ranges, merge SSH settings, and check
what no single field can check alone -- duplicates, cross-references, files on disk.

Each check reports the location of the offending value, so its error names a line just as
a type error does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Origin, listing
from .importers import ImportedNode
from .manager_expect import check_manager_expectations
from .managers import Manager
from .model import Cluster, Drill, Endpoint, Node, Service, SSHSettings
from .scenario import Scenario
from .scenario_refs import check_scenarios
from .schema import ClusterFile, NodeEntry
from .source import LineMap, Loc
from .stops import reference_problem


@dataclass(frozen=True)
class _Placed:
    """A node entry with a way to say where any of its fields came from."""

    entry: NodeEntry
    where: Callable[[Loc], Origin]


def _under(lines: LineMap, prefix: Loc) -> Callable[[Loc], Origin]:
    """Where a field under `prefix` of the file is (an entry's own lines)."""
    return lambda sub: lines.origin((*prefix, *sub))


def _always(origin: Origin) -> Callable[[Loc], Origin]:
    """Every field at one place (an imported node: its inventory line)."""
    return lambda _sub: origin


def _ssh_field(where: Callable[[Loc], Origin]) -> Callable[[str], Origin]:
    """Where a field of an entry's `ssh:` block is."""
    return lambda field: where(("ssh", field))


def build_cluster(
    spec: ClusterFile, imported: list[ImportedNode], lines: LineMap, source: Path, check_files: bool
) -> Cluster:
    """The public Cluster: file nodes then imported ones, expanded and checked; errors via `lines`."""
    placed = [_Placed(entry, _under(lines, ("nodes", i))) for i, entry in enumerate(spec.nodes)]
    placed += [_Placed(node.entry, _always(node.origin)) for node in imported]
    nodes = _nodes(spec.ssh, placed)
    if not nodes:
        raise lines.error(("nodes",), "expected at least one node (under nodes: or from import:), found none")
    _check_references(spec, nodes, lines)
    if check_files:
        _check_files(spec.ssh, lambda field: lines.origin(("ssh", field)))
        for item in placed:
            if item.entry.ssh is not None:
                merged = _merge(spec.ssh, item.entry.ssh)
                _check_files(merged, _ssh_field(item.where), item.entry.ssh.model_fields_set)
        _check_ca_files(spec, lines)
    return Cluster(
        name=spec.name,
        type=spec.type,
        interval=spec.interval,
        ssh=spec.ssh,
        nodes=nodes,
        services={key: Service(name=key, **dict(value)) for key, value in spec.services.items()},
        endpoints={key: Endpoint(name=key, **dict(value)) for key, value in spec.endpoints.items()},
        chaos=spec.chaos,
        thresholds=spec.thresholds,
        drills={key: Drill(name=key, **dict(value)) for key, value in spec.drills.items()},
        lint=spec.lint,
        scenarios={key: Scenario(name=key, **dict(value)) for key, value in spec.scenarios.items()},
        coverage=spec.coverage,
        history=spec.history,
        notify=spec.notify,
        managers={key: Manager(name=key, **dict(value)) for key, value in spec.managers.items()},
        metrics_source=spec.metrics_source,
        source=source,
    )


def _merge(base: SSHSettings, override: SSHSettings) -> SSHSettings:
    """The cluster's settings with only the fields the node wrote replaced."""
    return base.model_copy(update={f: getattr(override, f) for f in override.model_fields_set})


def _nodes(cluster_ssh: SSHSettings, placed: list[_Placed]) -> list[Node]:
    """Expand every entry; the first duplicate name or address is an error naming both places."""
    nodes: list[Node] = []
    names: dict[str, Origin] = {}
    addresses: dict[tuple[str, int], tuple[str, Origin]] = {}
    for item in placed:
        entry = item.entry
        ssh = cluster_ssh if entry.ssh is None else _merge(cluster_ssh, entry.ssh)
        port = entry.port if entry.port is not None else ssh.port
        here = item.where(())
        for name, host in entry.pairs():
            if name in names:
                raise item.where(("name",)).error(
                    f"expected a unique node name, found {name!r}, which {_place(names[name], here)} already defines"
                )
            names[name] = here
            if (host, port) in addresses:
                other, there = addresses[(host, port)]
                raise item.where(("host",)).error(
                    f"expected a unique host and port per node, found {host} port {port} for node {name!r}, "
                    f"which node {other!r} ({_place(there, here)}) already uses"
                )
            addresses[(host, port)] = (name, here)
            nodes.append(
                Node(
                    name=name,
                    host=host,
                    port=port,
                    roles=entry.roles,
                    labels=entry.labels,
                    ssh=ssh.model_copy(update={"port": port}),
                )
            )
    return nodes


def _place(origin: Origin, relative_to: Origin) -> str:
    """`nodes[0] at line 13`, naming the file too when it is another one."""
    where = f"{origin.field} at line {origin.line}"
    return where if origin.path == relative_to.path else f"{where} of {origin.path}"


def _check_references(spec: ClusterFile, nodes: list[Node], lines: LineMap) -> None:
    """Every role, node and service a section names must exist."""
    roles = list(dict.fromkeys(role for node in nodes for role in node.roles))
    node_names = [node.name for node in nodes]
    services = list(spec.services)

    def must(value: str | None, known: list[str], what: str, loc: Loc) -> None:
        if value is not None and value not in known:
            raise lines.error(loc, f"expected {what} ({listing(known)}), found {value!r}")

    for key, service in spec.services.items():
        for i, role in enumerate(service.roles):
            must(role, roles, "a role that some node has", ("services", key, "roles", i))
    for i, role in enumerate(spec.chaos.allow_roles):
        must(role, roles, "a role that some node has", ("chaos", "allow_roles", i))
    for i, name in enumerate(spec.chaos.allow_nodes):
        must(name, node_names, "a node name", ("chaos", "allow_nodes", i))
    for key, manager in spec.managers.items():
        for i, role in enumerate(manager.roles):
            must(role, roles, "a role that some node has", ("managers", key, "roles", i))
        for i, name in enumerate(manager.nodes):
            must(name, node_names, "a node name", ("managers", key, "nodes", i))
    for key, drill in spec.drills.items():
        at: Loc = ("drills", key)
        must(drill.fault.service, services, "a service defined under services:", (*at, "fault", "service"))
        for service_name in drill.steady_state.services:
            must(service_name, services, "a service defined under services:", (*at, "steady_state", "services", service_name))
        target = drill.target
        must(target.node, node_names, "a node name", (*at, "target", "node"))
        must(target.role, roles, "a role that some node has", (*at, "target", "role"))
        if target.primary is not None:
            must(target.primary.node, node_names, "a node name", (*at, "target", "primary", "node"))
        known = {"node": node_names, "service": services, "endpoint": list(spec.endpoints)}
        for i, condition in enumerate(drill.abort_when):
            problem = reference_problem(condition, known)
            if problem is not None:
                raise lines.error((*at, "abort_when", i, problem[0]), problem[1])
        check_manager_expectations(drill.expect.managers, spec.managers, (*at, "expect", "managers"), lines.error)
        fault = drill.fault
        if (fault.kind == "block-port" and fault.port is None and fault.service is not None
                and spec.services[fault.service].port is None):
            raise lines.error(
                (*at, "fault"), f"expected a port for 'block-port' (fault.port or the service's port), "
                f"found service {fault.service!r} without a port"
            )
    by_role = {role: [node.name for node in nodes if role in node.roles] for role in roles}
    check_scenarios(spec.scenarios, spec.drills, services, list(spec.endpoints), by_role, node_names, spec.chaos,
                    lines, must)


def _check_files(ssh: SSHSettings, where: Callable[[str], Origin], fields: Iterable[str] | None = None) -> None:
    """Key, known_hosts and ssh_config files must be there (skipped by `check_files=False`).

    `fields` limits the check to what a node's override set; the rest was checked cluster-wide.
    """
    wanted = set(fields) if fields is not None else {"identity", "known_hosts", "config", "trust_on_first_use"}
    if "identity" in wanted and ssh.identity is not None:
        _readable(ssh.identity, "a readable private key file", where("identity"))
    if "config" in wanted and ssh.config is not None:
        _readable(ssh.config, "a readable ssh_config file", where("config"))
    checked = bool(wanted & {"known_hosts", "trust_on_first_use"}) and not ssh.trust_on_first_use
    if checked and ssh.known_hosts is not None and not ssh.known_hosts.is_file():
        found = "a directory" if ssh.known_hosts.is_dir() else "no such file"
        raise where("known_hosts").error(
            f"expected an existing known_hosts file (or trust_on_first_use: true), found {found}: {ssh.known_hosts}"
        )


def _check_ca_files(spec: ClusterFile, lines: LineMap) -> None:
    """Every `ca_file` of a service, endpoint or drill traffic must be a readable file."""
    checks: list[tuple[Loc, Path | None]] = [(("services", k, "ca_file"), s.ca_file) for k, s in spec.services.items()]
    checks += [(("endpoints", k, "ca_file"), e.ca_file) for k, e in spec.endpoints.items()]
    checks += [
        (("drills", k, "traffic", i, "ca_file"), t.ca_file)
        for k, d in spec.drills.items()
        for i, t in enumerate(d.traffic)
    ]
    for loc, path in checks:
        if path is not None:
            _readable(path, "a readable CA certificate file (PEM)", lines.origin(loc))


def _readable(path: Path, what: str, origin: Origin) -> None:
    if path.is_dir():
        raise origin.error(f"expected {what}, found a directory: {path}")
    if not path.is_file():
        raise origin.error(f"expected {what}, found no such file: {path}")
    if not os.access(path, os.R_OK):
        raise origin.error(f"expected {what}, found it not readable: {path}")
