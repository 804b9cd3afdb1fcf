"""`Chaos`: survey, guard, plan, apply, revert and report faults on a cluster's nodes.

The one object the CLI, the TUI and drills drive:

    async with Chaos(cluster) as chaos:
        plan = await chaos.plan(FaultRequest("block-port", "web1", {"port": 80}, ttl=30))
        outcome = await chaos.apply(plan)         # outcome.ok, outcome.result
        ...
        await chaos.revert(plan.id)               # or revert_all("halt")

Every action is audited.  `revert_on_exit=True` (a TUI, a drill) reverts, on leaving the
`async with` for whatever reason (the end of a drill, Ctrl-C, an exception), the faults this
object applied and nobody has reverted yet; the node's timer stays the last resort.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncssh

from clustertui.chaos import guards, validate
from clustertui.chaos.audit import AuditLog, operator
from clustertui.chaos.availability import NodeAvailability, node_availability
from clustertui.chaos.errors import InvalidInput, NodeUnreachable, Refused
from clustertui.chaos.facts import SSH_LINE, NodeSurvey, parse_survey, survey_script
from clustertui.chaos.ledger import LedgerRecord, ledger_file
from clustertui.chaos.planner import (
    APPLIED,
    REFUSED,
    REVERT_REASONS,
    ROLLBACK_FAILED,
    ROLLED_BACK,
    CheckedRequest,
    FaultPlan,
    FaultRequest,
    check_request,
    plan_fault,
)
from clustertui.chaos.records import LocalRecords
from clustertui.chaos.shell import q, remote
from clustertui.config import Cluster, Node
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import classify

SURVEY_TIMEOUT = 15.0
APPLY_TIMEOUT = 90.0  # prechecks and verifications wait up to 10 s each, a rollback too
REVERT_TIMEOUT = 60.0
GUARD_FRESHNESS = 10.0  # a plan older than this is re-guarded against a fresh survey
#: Exit codes of the remote revert command (besides the script's own 0 and 1).
NO_SUCH_FAULT, NO_REVERT_SCRIPT = 4, 5


@dataclass(frozen=True, slots=True)
class NodeDown:
    """A node the survey could not reach, and why."""

    node: str
    state: str
    reason: str


SurveyResult = NodeSurvey | NodeDown


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    plan: FaultPlan
    status: str  # applied, refused, rolled-back, not-rolled-back, interrupted, unknown
    result: str  # one line for a person
    output: str = ""  # what the node printed
    revert_result: str | None = None  # the rollback's result, when one ran
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "applied"


@dataclass(frozen=True, slots=True)
class RevertOutcome:
    fault_id: str
    node: str | None
    status: str  # reverted, already-reverted, not-reverted, unreachable, not-found
    result: str  # one line for a person
    output: str = ""  # what the node printed
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("reverted", "already-reverted")


@dataclass(frozen=True, slots=True)
class ActiveFault:
    """A fault as `status` shows it; `state` is the ledger's, or `unconfirmed` when only the
    local record knows of it (its node did not answer)."""

    id: str
    node: str
    state: str
    record: LedgerRecord | None
    remaining: float | None  # seconds until the node's timer reverts it
    timer: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        record = self.record
        return {
            "id": self.id,
            "node": self.node,
            "state": self.state,
            "kind": record.kind if record else None,
            "summary": record.summary if record else None,
            "params": record.params if record else None,
            "ttl": record.ttl if record else None,
            "remaining": None if self.remaining is None else round(self.remaining, 1),
            "applied_at": record.applied_at if record else None,
            "by": record.by if record else None,
            "timer": self.timer,
            "revert": record.revert if record else None,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ChaosStatus:
    faults: tuple[ActiveFault, ...]
    unreachable: dict[str, str]  # node -> why
    reverted_elsewhere: tuple[str, ...]  # local records whose fault left its node's ledger


class Chaos:
    def __init__(
        self,
        cluster: Cluster,
        *,
        pool: ConnectionPool | None = None,
        audit: AuditLog | None = None,
        records: LocalRecords | None = None,
        revert_on_exit: bool = False,
    ) -> None:
        self.cluster = cluster
        # Given the monitor's pool (TUI, drills), a command rides the monitor's connection.
        self.pool = pool or ConnectionPool()
        self._owns_pool = pool is None
        self.audit = audit or AuditLog()
        self.records = records or LocalRecords()
        self.revert_on_exit = revert_on_exit
        self.applied: dict[str, str] = {}  # fault id -> node: applied here, not reverted yet

    async def __aenter__(self) -> Chaos:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            if self.revert_on_exit and self.applied:
                await self.revert_own("exit")
        finally:
            if self._owns_pool:
                self.pool.close()

    # -- remote execution -----------------------------------------------------------------

    async def _connect(self, node: Node) -> asyncssh.SSHClientConnection:
        """A connection, or NodeUnreachable (nothing was sent)."""
        try:
            return await self.pool.connection(SSHTarget.from_node(node))
        except Exception as exc:  # every connection failure becomes a state and a reason
            self.pool.forget(node.name)
            state, reason = classify(exc)
            raise NodeUnreachable(node.name, str(state), reason) from exc

    async def _run(self, node: Node, command: str, timeout: float) -> asyncssh.SSHCompletedProcess:
        conn = await self._connect(node)
        try:
            return await conn.run(command, check=False, timeout=timeout)
        except (asyncssh.Error, OSError, asyncio.TimeoutError):
            self.pool.forget(node.name)
            raise

    # -- survey ---------------------------------------------------------------------------

    async def survey(self, names: Iterable[str] | None = None) -> dict[str, SurveyResult]:
        """Survey nodes (all by default) in parallel; one slow node delays nobody else."""
        wanted = None if names is None else set(names)
        nodes = [node for node in self.cluster.nodes if wanted is None or node.name in wanted]
        results = await asyncio.gather(*(self._survey_one(node) for node in nodes))
        return {node.name: result for node, result in zip(nodes, results)}

    async def _survey_one(self, node: Node) -> SurveyResult:
        processes = tuple(dict.fromkeys(s.process for s in self.cluster.services_on(node) if s.process))
        command = f"{SSH_LINE}; {remote(SSHTarget.from_node(node), survey_script(processes))}"
        try:
            result = await self._run(node, command, SURVEY_TIMEOUT)
        except NodeUnreachable as exc:
            return NodeDown(node.name, exc.state, exc.reason)
        except Exception as exc:  # the connection dropped mid-survey
            state, reason = classify(exc)
            return NodeDown(node.name, str(state), reason)
        return parse_survey(node.name, str(result.stdout or ""))

    async def availability(self) -> dict[str, NodeAvailability]:
        """Per node, which faults can be applied and why not (`chaos list`)."""
        surveys = await self.survey()
        return {
            node.name: node_availability(
                self.cluster,
                node,
                survey if isinstance(survey := surveys[node.name], NodeSurvey) else None,
                survey.reason if isinstance(survey, NodeDown) else "",
            )
            for node in self.cluster.nodes
        }

    # -- guards ---------------------------------------------------------------------------

    def _faulted(self, surveys: dict[str, SurveyResult]) -> set[str]:
        """Nodes under a fault: from their ledgers, or from local records when they are down."""
        faulted = {
            name for name, s in surveys.items() if isinstance(s, NodeSurvey) and any(e.counts for e in s.ledger)
        }
        faulted |= {r.node for r in self.records.for_cluster(self.cluster.name) if isinstance(surveys.get(r.node), NodeDown)}
        return faulted

    def _guard(self, node: str, surveys: dict[str, SurveyResult], force: bool) -> None:
        target = surveys[node]
        if isinstance(target, NodeDown):
            raise Refused(f"{node} is {target.state}: {target.reason}")
        faulted = self._faulted(surveys)
        reachable = {name for name, s in surveys.items() if isinstance(s, NodeSurvey)}
        refusal = guards.blast_radius(self.cluster, node, faulted)
        if refusal is None and not force:
            refusal = guards.quorum(self.cluster, node, reachable, faulted)
        if refusal is not None:
            raise Refused(refusal)

    # -- plan and apply -------------------------------------------------------------------

    async def plan(self, request: FaultRequest, *, force: bool = False, dry_run: bool = False) -> FaultPlan:
        """Validate (InvalidInput), guard (Refused), survey, and plan one fault.

        `force` overrides the quorum guard, and only it.  Refusals are audited; so is a dry
        run, which is a plan that is shown and never applied.
        """
        checked = check_request(self.cluster, request)
        try:
            refusal = guards.policy_refusal(self.cluster, checked.node)
            if refusal is not None:
                raise Refused(refusal)
            surveys = await self.survey()
            self._guard(checked.node.name, surveys, force)
            target = surveys[checked.node.name]
            assert isinstance(target, NodeSurvey)
            plan = plan_fault(self.cluster, checked, target, by=operator())
        except Refused as exc:
            self._audit_refusal(checked, "dry-run" if dry_run else "apply", str(exc))
            raise
        if dry_run:
            self._audit_plan(plan, "dry-run", "planned, not applied")
        return plan

    async def apply(self, plan: FaultPlan, *, force: bool = False) -> ApplyOutcome:
        """Run the plan's apply script (ledger, timer, fault, verification) on its node.

        Cancelled mid-way (Ctrl-C, a cancelled task), it reverts the fault before it lets
        the cancellation through.
        """
        node = self.cluster.node(plan.node)
        if time.monotonic() - plan.created > GUARD_FRESHNESS:
            try:
                self._guard(plan.node, await self.survey(), force)
            except Refused as exc:
                return self._finish_apply(ApplyOutcome(plan, "refused", f"refused: {exc}"))
        self.records.save(plan.record)
        started = time.monotonic()
        running = asyncio.ensure_future(
            self._run(node, remote(SSHTarget.from_node(node), plan.apply_script), APPLY_TIMEOUT)
        )
        try:
            result = await asyncio.shield(running)
        except NodeUnreachable as exc:
            return self._finish_apply(ApplyOutcome(plan, "refused", f"refused: {exc}"))
        except asyncio.CancelledError:
            # The node finishes the apply whatever we do (the script ignores a dropped
            # channel); wait for it, so that the revert cannot run before the fault exists.
            with contextlib.suppress(Exception):
                await running
            rollback = await self._revert_on(node, plan.id, "exit", plan.record)
            self._finish_apply(
                ApplyOutcome(plan, "interrupted", f"interrupted during the apply; {rollback.result}", rollback.output,
                             revert_result=rollback.result, seconds=time.monotonic() - started)
            )
            raise
        except Exception as exc:
            _, reason = classify(exc)
            return self._finish_apply(
                ApplyOutcome(
                    plan, "unknown",
                    f"unknown: {reason} during the apply; if the fault took, the node's timer reverts it at its TTL",
                    seconds=time.monotonic() - started,
                )
            )
        return self._finish_apply(_apply_outcome(plan, result, time.monotonic() - started))

    def _finish_apply(self, outcome: ApplyOutcome) -> ApplyOutcome:
        plan = outcome.plan
        if outcome.ok:
            self.applied[plan.id] = plan.node
        elif outcome.status in ("refused", "rolled-back"):
            self.records.remove(plan.id)
        self._audit_plan(plan, "apply", outcome.result, revert_result=outcome.revert_result,
                         output=outcome.output, seconds=round(outcome.seconds, 3))
        return outcome

    # -- revert ---------------------------------------------------------------------------

    async def revert(self, fault_id: str, reason: str = "manual") -> RevertOutcome:
        """Revert one fault wherever it is: by this object's memory, the local record, or
        by asking every node's ledger (a fault applied by someone else)."""
        fault_id = validate.fault_id(fault_id)
        record = self.records.get(fault_id)
        node_name = self.applied.get(fault_id) or (record.node if record and record.cluster == self.cluster.name else None)
        if node_name is None:
            surveys = await self.survey()
            for name, survey in surveys.items():
                entry = next((e for e in survey.ledger if e.id == fault_id), None) if isinstance(survey, NodeSurvey) else None
                if entry is not None:
                    node_name, record = name, entry.record
                    break
            else:
                down = sorted(name for name, s in surveys.items() if isinstance(s, NodeDown))
                where = f"; not asked: {', '.join(down)} (unreachable)" if down else ""
                outcome = RevertOutcome(fault_id, None, "not-found", f"no fault {fault_id} in any node's ledger{where}")
                self.audit.append("revert", self.cluster.name, node=None, fault=fault_id, reason=reason,
                                  result=outcome.result, revert_result=None)
                return outcome
        return await self._revert_on(self.cluster.node(node_name), fault_id, reason, record)

    async def revert_all(self, reason: str = "halt") -> list[RevertOutcome]:
        """Halt: revert every fault (and clear every leftover) in every reachable ledger.

        Faults that local records place on unreachable nodes are reported as failures:
        only their nodes' timers can revert them now.
        """
        surveys = await self.survey()
        jobs = []
        for name, survey in surveys.items():
            if isinstance(survey, NodeSurvey):
                node = self.cluster.node(name)
                jobs += [self._revert_on(node, entry.id, reason, entry.record) for entry in survey.ledger]
        outcomes = list(await asyncio.gather(*jobs))
        for record in self.records.for_cluster(self.cluster.name):
            down = surveys.get(record.node)
            if isinstance(down, NodeDown):
                outcomes.append(
                    RevertOutcome(record.id, record.node, "unreachable",
                                  f"{record.node} is {down.state}: {down.reason}; its timer reverts the fault at its TTL")
                )
        return outcomes

    async def revert_own(self, reason: str = "exit") -> list[RevertOutcome]:
        """Revert what this object applied and nobody reverted yet (end of a drill, exit)."""
        jobs = [
            self._revert_on(self.cluster.node(node), fault_id, reason, self.records.get(fault_id))
            for fault_id, node in list(self.applied.items())
        ]
        return list(await asyncio.gather(*jobs))

    async def _revert_on(self, node: Node, fault_id: str, reason: str, record: LedgerRecord | None) -> RevertOutcome:
        if reason not in REVERT_REASONS:
            raise InvalidInput(f"revert reason must be one of {', '.join(REVERT_REASONS)}")
        script = revert_script_command(fault_id, reason)
        started = time.monotonic()
        try:
            result = await self._run(node, remote(SSHTarget.from_node(node), script), REVERT_TIMEOUT)
            code, output = result.exit_status, _text(result.stdout, result.stderr)
        except Exception as exc:  # unreachable, or the connection dropped: the timer remains
            why = str(exc) if isinstance(exc, NodeUnreachable) else classify(exc)[1]
            code, output = None, f"{why}; the node's timer reverts the fault at its TTL"
        seconds = time.monotonic() - started
        if code == 0:
            status, result_text = "reverted", "reverted and verified"
        elif code == NO_SUCH_FAULT:
            status, result_text = "already-reverted", "not in the ledger: already reverted (by its timer or another operator)"
        elif code == NO_REVERT_SCRIPT:
            status, result_text = "not-reverted", "the ledger holds a record but no revert script"
        elif code is None:
            status, result_text = "unreachable", f"not reverted: {output}"
        else:
            status, result_text = "not-reverted", "not reverted: " + (_last_line(output) or f"exit {code}")
        outcome = RevertOutcome(fault_id, node.name, status, result_text, output, seconds)
        if outcome.ok:
            self.records.remove(fault_id)
            self.applied.pop(fault_id, None)
        self.audit.append(
            "revert", self.cluster.name, node=node.name, fault=fault_id,
            kind=record.kind if record else None, params=record.params if record else None,
            reason=reason, commands=[script], result=result_text, revert_result=output, seconds=round(seconds, 3),
        )
        return outcome

    # -- status ---------------------------------------------------------------------------

    async def status(self) -> ChaosStatus:
        """Every node's ledger, read now; local records fill in for unreachable nodes.

        A local record whose fault has left its (reachable) node's ledger was reverted by
        the node's timer or by another operator: the record is dropped, and audited.
        """
        surveys = await self.survey()
        found: list[ActiveFault] = []
        for name, survey in surveys.items():
            if not isinstance(survey, NodeSurvey):
                continue
            for entry in survey.ledger:
                found.append(
                    ActiveFault(
                        entry.id, name, entry.state, entry.record, entry.remaining,
                        entry.timer.describe() if entry.timer else "none", entry.error or entry.problem,
                    )
                )
        seen = {fault.id for fault in found}
        gone = []
        for record in self.records.for_cluster(self.cluster.name):
            survey = surveys.get(record.node)
            if record.id in seen or survey is None:
                continue
            if isinstance(survey, NodeDown):
                found.append(
                    ActiveFault(record.id, record.node, "unconfirmed", record, None, record.timer,
                                f"{record.node} is {survey.state}: {survey.reason}")
                )
                continue
            gone.append(record.id)
            self.records.remove(record.id)
            self.applied.pop(record.id, None)
            self.audit.append(
                "reverted-elsewhere", self.cluster.name, node=record.node, fault=record.id, kind=record.kind,
                params=record.params, result="no longer in the node's ledger: reverted by its timer or another operator",
                revert_result=None,
            )
        unreachable = {name: f"{s.state}: {s.reason}" for name, s in surveys.items() if isinstance(s, NodeDown)}
        return ChaosStatus(tuple(found), unreachable, tuple(gone))

    # -- audit ----------------------------------------------------------------------------

    def _audit_plan(self, plan: FaultPlan, action: str, result: str, **extra: Any) -> None:
        self.audit.append(
            action, self.cluster.name, node=plan.node, fault=plan.id, kind=plan.kind, params=plan.params,
            ttl=plan.ttl, summary=plan.summary, commands=plan.sections(), result=result,
            revert_result=extra.pop("revert_result", None), **extra,
        )

    def _audit_refusal(self, checked: CheckedRequest, action: str, reason: str) -> None:
        self.audit.append(
            action, self.cluster.name, node=checked.node.name, fault=None, kind=checked.kind,
            params=_plain(checked.params), ttl=checked.ttl, commands=None, result=f"refused: {reason}",
            revert_result=None,
        )


def revert_script_command(fault_id: str, reason: str) -> str:
    """The remote command of a revert: run the ledger's revert script, or say why not.

    Without a record or a script (leftovers of an interrupted run) it clears the leftovers.
    """
    revert_file, json_file = q(ledger_file(fault_id, "revert")), q(ledger_file(fault_id, "json"))
    return (
        f"[ -f {revert_file} ] || {{ [ ! -e {json_file} ] || exit {NO_REVERT_SCRIPT}; "
        f"rm -f {ledger_file(fault_id, '*')}; exit {NO_SUCH_FAULT}; }}\n"
        f"exec sh {revert_file} {q(reason)}"
    )


def _apply_outcome(plan: FaultPlan, result: asyncssh.SSHCompletedProcess, seconds: float) -> ApplyOutcome:
    code = result.exit_status
    output = _text(result.stdout, result.stderr)
    reverted = next((line for line in output.splitlines() if line.startswith(("reverted ", "not reverted"))), None)
    failure = next((line for line in output.splitlines() if line.startswith(("failed: ", "refused: "))), "")
    if code == APPLIED:
        return ApplyOutcome(plan, "applied", "applied and verified", output, None, seconds)
    if code == REFUSED:
        return ApplyOutcome(plan, "refused", failure or "refused by the node", output, None, seconds)
    if code == ROLLED_BACK:
        return ApplyOutcome(plan, "rolled-back", f"{failure}; rolled back", output, reverted, seconds)
    if code == ROLLBACK_FAILED:
        return ApplyOutcome(
            plan, "not-rolled-back", f"{failure}; the rollback did not verify: the record and the timer stay",
            output, reverted, seconds,
        )
    return ApplyOutcome(
        plan, "unknown", f"unknown: the apply script ended with {code if code is not None else result.exit_signal}; "
        "if the fault took, the node's timer reverts it at its TTL", output, None, seconds,
    )


def _text(*parts: object) -> str:
    return "\n".join(str(part).strip() for part in parts if part and str(part).strip())


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
