"""Fault builders, one module per family: process, firewall, latency, hogs.

`build(ctx, ttl)` returns a fault's shell steps; `node_problem` says why a kind cannot run
on a node at all (missing tools, no sch_netem, ...), before any parameter is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clustertui.chaos.facts import NodeFacts
from clustertui.chaos.faults import firewall, hogs, latency, process
from clustertui.chaos.faults.steps import Check, FaultContext, FaultSteps, Peer

__all__ = ["Check", "FaultContext", "FaultSteps", "Peer", "build", "node_problem"]


def node_problem(kind: str, facts: NodeFacts, params: Mapping[str, Any] | None = None) -> str | None:
    """Why `kind` cannot be applied on a node with these facts (service faults aside);
    `params`, when known, narrow it (a firewall backend asked for by name)."""
    if facts.uid != 0:
        return "needs root on the node (ssh as root, or set ssh.become: sudo)"
    if not facts.systemd and facts.missing("setsid", "nohup"):
        return "cannot arm a dead-man timer: needs systemd, or setsid and nohup"
    if kind in firewall.KINDS:
        return firewall.unavailable(kind, facts, (params or {}).get("backend") or "auto")
    if kind in latency.KINDS:
        return latency.unavailable(facts)
    if kind in hogs.KINDS:
        return hogs.unavailable(kind, facts)
    return None


def build(ctx: FaultContext, ttl: float) -> FaultSteps:
    if ctx.kind in process.KINDS:
        return process.build(ctx)
    if ctx.kind in firewall.KINDS:
        return firewall.build(ctx)
    if ctx.kind in latency.KINDS:
        return latency.build(ctx)
    return hogs.build(ctx, ttl)
