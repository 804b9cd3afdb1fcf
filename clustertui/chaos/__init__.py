"""Chaos: faults on a cluster's nodes that always revert.

A fault is applied in one SSH round trip that first writes the fault's record and its exact
revert script to the node's ledger (/run/clustertui/faults/ID.*) and arms a dead-man timer
on the node, then applies and verifies the fault; every revert path (manual, TTL, halt,
the end of a drill, Ctrl-C, exit) runs that same script, which undoes, verifies, cancels
the timer and clears the ledger.  Guards (policy, blast radius, quorum) count what the
nodes' ledgers say; every action is audited.  The catalog is documented in docs/chaos.md.

For the CLI, the TUI and drills:

    from clustertui.chaos import CATALOG, Chaos, FaultRequest, InvalidInput, Refused

    CATALOG["block-port"].params              # what a form asks for
    async with Chaos(cluster, revert_on_exit=True) as chaos:
        await chaos.availability()            # per node: which kinds, and why not
        plan = await chaos.plan(FaultRequest("kill", "db1", {"service": "redis"}, ttl=30))
        plan.sections()                       # the exact commands, for a confirmation modal
        outcome = await chaos.apply(plan)     # outcome.ok / .status / .result
        await chaos.status()                  # every ledger, with countdowns
        await chaos.revert(plan.id)           # or revert_all("halt")

`plan_fault` (pure: request + survey -> scripts) and the guard functions are usable alone.
"""

from clustertui.chaos.audit import AuditLog
from clustertui.chaos.availability import KindAvailability, NodeAvailability
from clustertui.chaos.catalog import CATALOG, FaultSpec, ParamSpec, parse_params
from clustertui.chaos.errors import ChaosError, InvalidInput, NodeUnreachable, Refused
from clustertui.chaos.outcomes import (
    ActiveFault,
    ApplyOutcome,
    ApplyStatus,
    ChaosStatus,
    FaultState,
    NodeDown,
    RevertOutcome,
    RevertReason,
    RevertStatus,
)
from clustertui.chaos.planner import FaultPlan, FaultRequest, plan_fault
from clustertui.chaos.records import LocalRecords
from clustertui.chaos.runner import Chaos
from clustertui.chaos.session import ChaosSession, DryRun, HaltReport, NodeHalt

__all__ = [
    "CATALOG",
    "ActiveFault",
    "ApplyOutcome",
    "ApplyStatus",
    "AuditLog",
    "Chaos",
    "ChaosError",
    "ChaosSession",
    "ChaosStatus",
    "DryRun",
    "FaultPlan",
    "FaultRequest",
    "FaultSpec",
    "FaultState",
    "HaltReport",
    "InvalidInput",
    "KindAvailability",
    "LocalRecords",
    "NodeAvailability",
    "NodeDown",
    "NodeHalt",
    "NodeUnreachable",
    "ParamSpec",
    "Refused",
    "RevertOutcome",
    "RevertReason",
    "RevertStatus",
    "parse_params",
    "plan_fault",
]
