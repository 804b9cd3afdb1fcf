"""A plan for a node that cannot be asked: `--dry-run` works without reaching the node.

The planner needs the node's survey (its tools, firewall, timer, routes, the controller's
address as the node sees it). When the node cannot be reached, a dry run plans against
the survey a typical Linux node would give, and says which of those facts are assumed:
each is read from the node, and each precheck runs there, when the fault is applied.
"""

from __future__ import annotations

import ipaddress
import socket
import time

from clustertui.chaos.facts import TOOLS, NodeFacts, NodeSurvey, Route
from clustertui.chaos.planner import CheckedRequest

#: Stands in for the interface name in an offline latency plan.
ASSUMED_DEV = "DEV"


def controller_address(host: str, port: int) -> str | None:
    """This machine's address on the route to `host` (a UDP connect sends no packet)."""
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(infos[0][4])
            return str(probe.getsockname()[0])
    except OSError:
        return None


def assumed_survey(checked: CheckedRequest) -> tuple[NodeSurvey, tuple[str, ...]]:
    """The survey the plan assumes, and one line per assumption, each checked at apply."""
    node, params = checked.node, checked.params
    backend = params.get("backend") or "auto"
    controller = controller_address(node.host, node.port)
    cores = params.get("cores")
    facts = NodeFacts(
        controller=controller,
        ssh_port=node.port,
        uid=0,
        node_now=time.time(),
        nproc=int(cores) if cores else 1,
        tools=frozenset(TOOLS),
        systemd=True,
        firewalls=("nft",) if backend == "nft" else ("iptables", "nft"),
        iptables_statistic=True,
        netem=True,
        routes=(Route(ipaddress.IPv4Network("0.0.0.0/0"), ASSUMED_DEV),),
    )
    notes = [
        "root on the node (ssh as root, or ssh.become: sudo)",
        f"the programs the fault needs ({', '.join(TOOLS)}: whichever it uses)",
        "systemd as PID 1, so the dead-man timer is a systemd-run timer (else a detached sh timer)",
    ]
    if checked.kind in ("block-port", "partition", "loss"):
        notes.append(f"firewall backend {backend}" + (": iptables if it answers, else nft" if backend == "auto" else ""))
        notes.append(f"the controller's address as the node sees it: {controller or 'unknown'} (never matched)")
    if checked.kind == "latency":
        notes.append(f"sch_netem, and {ASSUMED_DEV}: the interface the node routes the peers through")
    if checked.kind == "cpu-hog" and not cores:
        notes.append("the number of CPUs (--cores default: all of them; 1 shown here)")
    if checked.kind == "mem-hog":
        notes.append("MemAvailable larger than the hog")
    if checked.service is not None:
        notes.append(f"whether {checked.service.name} runs (and its processes)")
    return NodeSurvey(node.name, facts, ()), tuple(notes)
