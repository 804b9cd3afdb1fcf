"""What `clustertui chaos` prints: plans, outcomes and halt reports, as text or JSON.

Node text reaches these lines through `echo` (clustertui/cli/output.py), which replaces
control characters; stdout carries only what a script reads (ids, JSON), the rest stderr.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clustertui.cli.exits import OK
from clustertui.cli.output import echo

if TYPE_CHECKING:
    from clustertui.chaos import ActiveFault, ApplyOutcome, DryRun, FaultPlan, HaltReport, RevertOutcome


def emit_json(data: Any) -> None:
    echo(json.dumps(data, indent=2, default=str))


def say(text: str) -> None:
    echo(text, err=True)


def remaining(fault: ActiveFault) -> str:
    return "-" if fault.remaining is None else f"{fault.remaining:.0f}s"


def print_plan(plan: FaultPlan, heading: str) -> None:
    say(f"{heading}: {plan.summary}")
    say(f"  fault id {plan.id}, ttl {plan.ttl:g}s, timer: {plan.timer.mechanism}, node {plan.node} ({plan.host})")
    if heading.startswith("dry run"):
        say("  (the id is for reading only: an apply draws a new one)")
    for section, commands in plan.sections().items():
        say(f"  {section}:")
        for command in commands or ["(none)"]:
            say(f"    {command}")
    for note in plan.steps.notes:
        say(f"  note: {note}")
    say("  sent as one sh script (ledger, timer, apply, verify), which defines the ctui_* sh")
    say("  functions first; --json shows the complete apply and revert scripts")


def apply_json(outcome: ApplyOutcome) -> dict:
    plan = outcome.plan
    return {
        "id": plan.id,
        "node": plan.node,
        "kind": plan.kind,
        "summary": plan.summary,
        "ttl": plan.ttl,
        "timer": plan.timer.mechanism,
        "ok": outcome.ok,
        "status": str(outcome.status),
        "result": outcome.result,
        "revert_result": outcome.revert_result,
        "output": outcome.output,
        "seconds": round(outcome.seconds, 3),
        "revert_command": plan.revert_command,
    }


def show_dry_run(dry: DryRun, as_json: bool) -> int:
    """The plan, and what it assumed when the target could not be surveyed."""
    plan, assumed = dry.plan, dry.assumed
    if dry.unreachable:
        say(f"{dry.unreachable}; planned without it, against what a Linux node usually has")
    if as_json:
        emit_json({"dry_run": True, "assumed": list(assumed), **plan.to_json()})
    else:
        print_plan(plan, "dry run, nothing changed")
        if assumed:
            say("  assumed here, read from the node and checked there at apply (a failed check changes nothing):")
            for line in assumed:
                say(f"    {line}")
            say("  also at apply: the blast-radius and quorum guards, from every node's ledger")
    return OK


def revert_json(outcome: RevertOutcome) -> dict:
    return {"id": outcome.fault_id, "node": outcome.node, "ok": outcome.ok, "status": str(outcome.status),
            "result": outcome.result, "output": outcome.output, "seconds": round(outcome.seconds, 3)}


def show_halt(report: HaltReport, as_json: bool) -> None:
    """Each node's outcome, then each fault's: one node's trouble hides nobody else's."""
    if as_json:
        emit_json({
            "ok": report.ok,
            "error": report.error or None,
            "nodes": {
                name: {"ok": node.ok, "unread": node.unread or None, "corrupt": list(node.corrupt),
                       "faults": [revert_json(o) for o in node.outcomes]}
                for name, node in report.nodes.items()
            },
        })
        return
    if not report.outcomes and not report.error:
        echo("no active faults")
    for node in report.nodes.values():
        for outcome in node.outcomes:
            echo(f"{outcome.fault_id} on {node.node}: {outcome.result}")
    for node in report.nodes.values():
        if node.outcomes or node.unread or node.corrupt:
            say(node.line())
