"""Cluster files derived from the lab's, and the payloads of the shell-injection tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.support.paths import LAB_FILE

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
    **chaos: Any,
) -> Path:
    """A copy of sample_clusters/lab.yaml with `chaos` settings overridden, more nodes, or
    a service stripped of some fields (`("redis", ("start", "stop"))`)."""
    yaml = YAML()
    data = yaml.load(LAB_FILE.read_text())
    data["chaos"].update(chaos)
    if nodes_extra:
        data["nodes"].extend(nodes_extra)
    if services_without:
        service, fields = services_without
        for field in fields:
            data["services"][service].pop(field, None)
    data.pop("drills", None)  # drills are not what these tests are about
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    path.write_text(buffer.getvalue())
    return path
