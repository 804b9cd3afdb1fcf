"""A synthetic node for planning faults without a network: what the planner tests and the
lab-deps test read the generated scripts from."""

from __future__ import annotations

import ipaddress
from typing import Any

from clustertui.chaos import FaultRequest, plan_fault
from clustertui.chaos.facts import TOOLS, NodeFacts, NodeSurvey, Route
from clustertui.chaos.planner import FaultPlan
from clustertui.config import Cluster

FACTS = NodeFacts(
    controller="198.18.0.1",
    ssh_port=22,
    uid=0,
    node_now=1_700_000_000.0,
    nproc=2,
    mem_available_kb=250_000,
    tools=frozenset(TOOLS),
    systemd=False,
    firewalls=("iptables", "nft"),
    iptables_statistic=True,
    netem=True,
    routes=(
        Route(ipaddress.IPv4Network("0.0.0.0/0"), "eth0"),
        Route(ipaddress.IPv4Network("198.18.0.0/24"), "eth0"),
    ),
    processes={"nginx": (35, 36)},
)
PARAMS = {
    "kill": {"service": "nginx"},
    "stop": {"service": "nginx"},
    "start": {"service": "nginx"},
    "pause": {"service": "nginx"},
    "block-port": {"port": 80, "direction": "both"},
    "partition": {},
    "loss": {"percent": 30},
    "latency": {"delay": "100ms", "jitter": "10ms"},
    "cpu-hog": {"cores": 2},
    "mem-hog": {"mb": 64},
    "disk-fill": {"path": "/tmp", "percent": 80},
}


def survey(facts: NodeFacts = FACTS, node: str = "web1") -> NodeSurvey:
    return NodeSurvey(node, facts, ())


def plan(cluster: Cluster, kind: str, facts: NodeFacts = FACTS, **params: Any) -> FaultPlan:
    return plan_fault(cluster, FaultRequest(kind, "web1", {**PARAMS[kind], **params}, ttl=30), survey(facts))
