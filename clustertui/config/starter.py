"""A commented starter cluster file, from hosts found elsewhere or as a template.

`clustertui init` writes it; the text is built here rather than dumped from data so that
every section carries a comment saying what it is for, and the optional sections are
there, commented out, to be filled in. `starter_text` validates what it wrote with the
loader itself, so a starter file always passes `clustertui check --offline`.
"""

from __future__ import annotations

import getpass
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .importers import ImportedNode

_PLAIN = re.compile(r"[A-Za-z0-9_./~@:-]+")
TEMPLATE_NODES = ({"name": "web[1-3]", "host": "192.0.2.[11-13]", "roles": ["web"]},
                  {"name": "db1", "host": "192.0.2.21", "roles": ["db"]})


@dataclass(frozen=True)
class Starter:
    name: str
    type: str
    source: str  # where the nodes came from, for the header ("a template" when none)
    nodes: Sequence[ImportedNode]


def _scalar(value: Any) -> str:
    """A YAML scalar: plain when it is safe to, else JSON's double quotes (valid YAML)."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = _PLAIN.fullmatch(text) and not text.startswith(("@", "-")) and ":" not in text
    if plain and text.lower() not in ("yes", "no", "true", "false", "null", "on", "off", "~"):
        return text
    return json.dumps(text)


def _flow(data: dict[str, Any]) -> str:
    parts = []
    for key, value in data.items():
        if isinstance(value, dict):
            parts.append(f"{key}: {_flow(value)}")
        elif isinstance(value, list):
            parts.append(f"{key}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            parts.append(f"{key}: {_scalar(value)}")
    return "{" + ", ".join(parts) + "}"


def _ssh_of(node: ImportedNode) -> dict[str, Any]:
    ssh = node.entry.ssh
    if ssh is None:
        return {}
    return {field: getattr(ssh, field) for field in ("user", "identity", "proxy_jump") if field in ssh.model_fields_set}


def _shared(values: list[Any]) -> Any:
    """The value every node has, or None."""
    return values[0] if values and all(v == values[0] for v in values) and values[0] is not None else None


def starter_text(starter: Starter) -> str:
    """The whole file. Imported nodes keep only what differs from the cluster-wide `ssh:`."""
    local_user = getpass.getuser()
    per_node = [_ssh_of(node) for node in starter.nodes]
    users = [ssh.get("user", local_user) for ssh in per_node]
    user = Counter(users).most_common(1)[0][0] if users else local_user
    identity = _shared([ssh.get("identity") for ssh in per_node])
    jump = _shared([ssh.get("proxy_jump") for ssh in per_node])
    lines = [
        f"# clustertui cluster file for {starter.name}, written by `clustertui init` from {starter.source}.",
        "# Every field is described in docs/cluster-file.md. Next: `clustertui check THIS_FILE`",
        "# connects to every node once and shows what it found.",
        f"name: {_scalar(starter.name)}",
        f"type: {starter.type}               # majority | shared-disk | single-node: decides the quorum rule",
        "interval: 1s                 # how often every node is sampled",
        "",
        "ssh:",
        f"  user: {_scalar(user)}",
        f"  identity: {_scalar(identity)}" if identity else "  # identity: ~/.ssh/id_ed25519     # default: ssh-agent and ~/.ssh/id_*",
        f"  proxy_jump: {_scalar(jump)}" if jump else "  # proxy_jump: user@bastion.example.internal",
        "  # known_hosts: ~/.ssh/known_hosts    # host keys are always verified (the default file)",
        "  connect_timeout: 5s",
        "",
        "nodes:              # ranges expand: {name: \"web[01-03,07]\", host: \"10.0.0.[11-13,17]\"}",
    ]
    if starter.nodes:
        for node, ssh in zip(starter.nodes, per_node, strict=True):
            entry = node.entry
            data: dict[str, Any] = {"name": entry.name}
            if entry.host is not None and entry.host != entry.name:
                data["host"] = entry.host
            if entry.port is not None and entry.port != 22:
                data["port"] = entry.port
            data["roles"] = list(entry.roles)
            own: dict[str, Any] = {}
            if ssh.get("user", local_user) != user:
                own["user"] = ssh.get("user", local_user)
            if ssh.get("identity") is not None and identity is None:
                own["identity"] = ssh["identity"]
            if ssh.get("proxy_jump") is not None and jump is None:
                own["proxy_jump"] = ssh["proxy_jump"]
            if own:
                data["ssh"] = own
            lines.append(f"  - {_flow(data)}")
    else:
        lines.append("  # replace these with your machines (192.0.2.0/24 is a documentation range)")
        lines += [f"  - {_flow(node)}" for node in TEMPLATE_NODES]
    lines += [
        "",
        "# What runs on the nodes, checked every interval: a systemd unit, a process, a port, an HTTP URL.",
        "# services:",
        "#   nginx: {roles: [web], systemd: nginx.service, port: 80, http: \"http://{host}/health\"}",
        "",
        "# The addresses users reach; a drill measures their availability during a fault.",
        "# endpoints:",
        "#   web-vip: {http: \"http://192.0.2.100/\", expect_status: 200}",
        "",
        "chaos:",
        "  enabled: false     # no fault can be applied until this is true, and then only to allowed roles",
        "  # allow_roles: [web]",
        "  # max_faulted_nodes: 1",
        "  # default_ttl: 60s  # every fault reverts by itself after this long",
        "",
        "# Failover drills (docs/drills.md): traffic, one fault, expectations, a verdict.",
        "# drills:",
        "#   web-node-loss:",
        "#     traffic: [{http: \"http://192.0.2.100/\", rate: 10}]",
        "#     fault: {kind: stop, service: nginx}",
        "#     target: {role: web}",
        "#     hold: 30s",
        "#     expect: {availability: 0.95, failover_within: 5s}",
    ]
    return "\n".join(lines) + "\n"


def check_starter(text: str, where: Path) -> None:
    """Load the text as the loader would (no file checks); a ConfigError here is a bug."""
    from .loader import load_cluster

    where.write_text(text, encoding="utf-8")
    load_cluster(where, check_files=False)
