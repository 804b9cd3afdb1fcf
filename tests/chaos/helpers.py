"""Helpers of the chaos tests: cluster files derived from the lab's, and leftover checks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
LAB_FILE = REPO / "sample_clusters" / "lab.yaml"

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


def sh(lab, node: str, script: str) -> str:
    """stdout of `sh -c script` inside a lab node."""
    return lab.node_exec(node, ["sh", "-c", script]).stdout


def leftovers(lab, node: str, fault_id: str) -> list[str]:
    """Anything a fault could have left on a node: ledger files, rules, qdiscs, processes."""
    found = []
    ledger = sh(lab, node, f"ls /run/clustertui/faults/{fault_id}.* 2>/dev/null")
    if ledger.strip():
        found.append(f"ledger files: {ledger.split()}")
    rules = [line for line in sh(lab, node, "iptables -w 5 -S").splitlines() if "ctui-" in line]
    if rules:
        found.append(f"iptables: {rules}")
    tables = [line for line in sh(lab, node, "nft list tables").splitlines() if "clustertui_" in line]
    if tables:
        found.append(f"nft: {tables}")
    qdiscs = [line for line in sh(lab, node, "tc qdisc show").splitlines() if "c7ea:" in line or "netem" in line]
    if qdiscs:
        found.append(f"tc: {qdiscs}")
    processes = [
        line for line in sh(lab, node, "ps -eo pid,args").splitlines()
        if fault_id in line or "ctui-hog" in line or "ctui-timer" in line
    ]
    if processes:
        found.append(f"processes: {processes}")
    fills = sh(lab, node, "ls -d /tmp/.clustertui-fill-* /run/.clustertui-fill-* 2>/dev/null")
    if fills.strip():
        found.append(f"files: {fills.split()}")
    return found


def busy_jiffies(lab, node: str) -> int:
    """user+nice+system+irq+softirq+steal jiffies of the node (LXCFS /proc/stat)."""
    fields = sh(lab, node, "head -n 1 /proc/stat").split()
    values = [int(v) for v in fields[1:]]
    return sum(values) - values[3] - values[4]  # minus idle and iowait


def mem_available_kb(lab, node: str) -> int:
    return int(sh(lab, node, "awk '/^MemAvailable:/ {print $2}' /proc/meminfo").strip())


def tcp_connects(lab, node: str, address: str, port: int, attempts: int, timeout: float) -> int:
    """How many of `attempts` TCP connects from `node` to address:port succeed."""
    script = (
        f"i=0; while [ $i -lt {attempts} ]; do i=$((i + 1)); "
        f"timeout {timeout} bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null && echo ok; done"
    )
    return sh(lab, node, script).count("ok")
