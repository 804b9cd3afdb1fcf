"""Cluster files derived from the lab's, and the payloads of the shell-injection tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.support.paths import LAB_FILE

#: A cluster whose nodes are closed ports on 127.0.0.0/8: nothing connects, nothing leaves
#: this machine (for what the CLI must do, or refuse, without reaching a node).
CLOSED_CLUSTER = """
name: c
type: majority
ssh: {connect_timeout: 2s}
nodes:
  - {name: web1, host: 127.0.0.1, port: 1, roles: [web]}
  - {name: web2, host: 127.0.0.2, port: 1, roles: [web]}
  - {name: web3, host: 127.0.0.3, port: 1, roles: [web]}
services:
  nginx: {roles: [web], process: nginx, systemd: nginx.service, port: 80}
endpoints:
  vip: {tcp: "127.0.0.1:1"}
chaos: {enabled: true, allow_roles: [web], default_ttl: 1d}
"""

#: Payloads that would run `touch CANARY` if they ever reached a shell unquoted.
CANARY = "/tmp/clustertui-canary"
PAYLOADS = (
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"; touch {CANARY}",
    f"' ; touch {CANARY}; '",
    f'" ; touch {CANARY}; "',
    f"| touch {CANARY}",
    f"&& touch {CANARY}",
    f"\ntouch {CANARY}\n",
    f"${{IFS}}touch${{IFS}}{CANARY}",
    f"web1 > {CANARY}",
    f"--path=$(touch {CANARY})",
)


def write_cluster(
    path: Path,
    nodes_extra: list[dict] | None = None,
    services_without: tuple[str, tuple[str, ...]] | None = None,
    notify: dict[str, Any] | None = None,
    keep_drills: bool = False,
    **chaos: Any,
) -> Path:
    """A copy of sample_clusters/lab.yaml with `chaos` settings overridden, more nodes, a
    service stripped of some fields (`("redis", ("start", "stop"))`), or webhooks."""
    yaml = YAML()
    data = yaml.load(LAB_FILE.read_text())
    data["chaos"].update(chaos)
    if nodes_extra:
        data["nodes"].extend(nodes_extra)
    if services_without:
        service, fields = services_without
        for field in fields:
            data["services"][service].pop(field, None)
    if not keep_drills:  # drills are not what these tests are about (nor the scenarios made of them)
        data.pop("drills", None)
        data.pop("scenarios", None)
    if notify:
        data["notify"] = notify
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    path.write_text(buffer.getvalue())
    return path


def with_drill_hold(path: Path, drill: str, hold: str) -> Path:
    """The cluster file at `path` with `drill` held `hold` instead of its own hold: for tests
    that need a drill's run or verdict, not that drill's own figures."""
    yaml = YAML()
    data = yaml.load(path.read_text())
    data["drills"][drill]["hold"] = hold
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    path.write_text(buffer.getvalue())
    return path
