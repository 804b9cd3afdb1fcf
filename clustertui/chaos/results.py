"""Reading what a node's apply and revert scripts answered: exit code and output to outcome.

The scripts speak in exit codes (planner.py documents the apply's, `revert_script_command`
the revert's); this is the one place that turns them into typed outcomes and a line for a
person, so that the CLI, the TUI and drills report the same thing for the same answer.
"""

from __future__ import annotations

from typing import Any

from clustertui.chaos.freeze import refusal_from_output
from clustertui.chaos.ledger import KEEP_SH, kept_files, ledger_file, ledger_files
from clustertui.chaos.outcomes import ApplyOutcome, ApplyStatus, RevertReason, RevertStatus
from clustertui.chaos.planner import APPLIED, REFUSED, ROLLBACK_FAILED, ROLLED_BACK
from clustertui.chaos.shell import q

#: Exit codes of the remote revert command (besides the script's own 0 and 1).
NO_SUCH_FAULT, NO_REVERT_SCRIPT = 4, 5


def revert_script_command(fault_id: str, reason: RevertReason) -> str:
    """The remote command of a revert: run the ledger's revert script, or say why not.

    Without a record or a script (leftovers of an interrupted run) it clears the leftovers.
    A fault whose /run ledger is gone (a reboot) is reverted by its persistent copy.
    """
    revert_file, json_file = q(ledger_file(fault_id, "revert")), q(ledger_file(fault_id, "json"))
    kept = f'"$ctui_keep"/{fault_id}.revert'
    return (
        f"{KEEP_SH}\n"
        f"[ -f {revert_file} ] || [ ! -f {kept} ] || exec sh {kept} {q(str(reason))}\n"
        f"[ -f {revert_file} ] || {{ [ ! -e {json_file} ] || exit {NO_REVERT_SCRIPT}; "
        f"rm -f {ledger_files(fault_id)} {kept_files(fault_id)}; exit {NO_SUCH_FAULT}; }}\n"
        f"exec sh {revert_file} {q(str(reason))}"
    )


def revert_status(code: int | None, output: str) -> tuple[RevertStatus, str]:
    """The status and one line for a revert that ended with `code` (None: no answer)."""
    if code == 0:
        return RevertStatus.REVERTED, "reverted and verified"
    if code == NO_SUCH_FAULT:
        return RevertStatus.ALREADY_REVERTED, "not in the ledger: already reverted (by its timer or another operator)"
    if code == NO_REVERT_SCRIPT:
        return RevertStatus.NOT_REVERTED, "the ledger holds a record but no revert script"
    if code is None:
        return RevertStatus.UNREACHABLE, f"not reverted: {output}"
    return RevertStatus.NOT_REVERTED, "not reverted: " + (last_line(output) or f"exit {code}")


def apply_outcome(plan: Any, code: int | None, signal: object, output: str, seconds: float) -> ApplyOutcome:
    """The outcome of the apply script that ended with `code` (or `signal`)."""
    lines = output.splitlines()
    reverted = next((line for line in lines if line.startswith(("reverted ", "not reverted"))), None)
    failure = next((line for line in lines if line.startswith(("failed: ", "refused: "))), "")
    if code == APPLIED:
        return ApplyOutcome(plan, ApplyStatus.APPLIED, "applied and verified", output, None, seconds)
    if code == REFUSED:
        failure = refusal_from_output(plan.node, failure) or failure
        return ApplyOutcome(plan, ApplyStatus.REFUSED, failure or "refused by the node", output, None, seconds)
    if code == ROLLED_BACK:
        return ApplyOutcome(plan, ApplyStatus.ROLLED_BACK, f"{failure}; rolled back", output, reverted, seconds)
    if code == ROLLBACK_FAILED:
        return ApplyOutcome(
            plan, ApplyStatus.NOT_ROLLED_BACK,
            f"{failure}; the rollback did not verify: the record and the timer stay", output, reverted, seconds,
        )
    return ApplyOutcome(
        plan, ApplyStatus.UNKNOWN, f"unknown: the apply script ended with {code if code is not None else signal}; "
        "if the fault took, the node's timer reverts it at its TTL", output, None, seconds,
    )


def text(*parts: object) -> str:
    """What a node printed, stdout then stderr, without blank ends."""
    return "\n".join(str(part).strip() for part in parts if part and str(part).strip())


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""
