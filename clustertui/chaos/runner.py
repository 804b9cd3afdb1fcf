"""`Chaos`: survey, guard, plan, apply, revert and report faults on a cluster's nodes.

Why this file is over 400 lines: it is one class, the only code that changes a node, and
its methods share one invariant (the ledger and the timer are on the node before the fault,
every revert is verified, every step is audited) over one set of connections, records and
audit log. Its parts that do not touch nodes live beside it already (outcomes.py,
results.py, planner.py, facts.py); the policy above it is session.py.

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
from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import Any

import asyncssh

from clustertui.chaos import guards, validate
from clustertui.chaos.audit import AuditLog, operator
from clustertui.chaos.availability import NodeAvailability, node_availability
from clustertui.chaos.errors import NodeUnreachable, Refused
from clustertui.chaos.facts import SSH_LINE, NodeSurvey, parse_survey, survey_script
from clustertui.chaos.ledger import LedgerRecord
from clustertui.chaos.notify import Notifier
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
from clustertui.chaos.planner import CheckedRequest, FaultPlan, FaultRequest, check_request, plan_fault
from clustertui.chaos.records import LocalRecords
from clustertui.chaos.results import apply_outcome, revert_script_command, revert_status, text
from clustertui.chaos.shell import remote
from clustertui.config import Cluster, Node
from clustertui.config.notify import NotifyEvent
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import NodeState, classify

SURVEY_TIMEOUT = 15.0
APPLY_TIMEOUT = 90.0  # prechecks and verifications wait up to 10 s each, a rollback too
REVERT_TIMEOUT = 60.0
GUARD_FRESHNESS = 10.0  # a plan older than this is re-guarded against a fresh survey

SurveyResult = NodeSurvey | NodeDown


class Chaos:
    def __init__(
        self,
        cluster: Cluster,
        *,
        pool: ConnectionPool | None = None,
        audit: AuditLog | None = None,
        records: LocalRecords | None = None,
        revert_on_exit: bool = False,
        notifier: Notifier | None = None,
        lease: float | None = None,
    ) -> None:
        self.cluster = cluster
        self.lease = lease  # a held fault's lease (seconds; chaos/lease.py), None: TTL only
        # Given the monitor's pool (TUI, drills), a command rides the monitor's connection.
        self.pool = pool or ConnectionPool()
        self._owns_pool = pool is None
        self.audit = audit or AuditLog()
        self.records = records or LocalRecords()
        self.notifier = notifier or Notifier(cluster, self.audit)
        self.revert_on_exit = revert_on_exit
        self.applied: dict[str, str] = {}  # fault id -> node: applied here, not reverted yet

    async def __aenter__(self) -> Chaos:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            if self.revert_on_exit and self.applied:
                await self.revert_own(RevertReason.EXIT)
        finally:
            self.notifier.close()
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
        except (TimeoutError, asyncssh.Error, OSError):
            self.pool.forget(node.name)
            raise

    async def run_script(self, node: Node, script: str, timeout: float) -> str:
        """Run a sh script on the node over the pool; what it printed (raises when it could
        not).  A timeout leaves the connection alone, unlike `_run`: a lease renewal that
        times out must never close the connection that a revert is running on."""
        conn = await self._connect(node)
        result = await conn.run(remote(SSHTarget.from_node(node), script), check=False, timeout=timeout)
        return str(result.stdout or "")

    # -- survey ---------------------------------------------------------------------------

    async def survey(self, names: Iterable[str] | None = None) -> dict[str, SurveyResult]:
        """Survey nodes (all by default) in parallel; one slow node delays nobody else."""
        wanted = None if names is None else set(names)
        nodes = [node for node in self.cluster.nodes if wanted is None or node.name in wanted]
        results = await asyncio.gather(*(self._survey_one(node) for node in nodes))
        return {node.name: result for node, result in zip(nodes, results, strict=True)}

    async def _survey_one(self, node: Node) -> SurveyResult:
        processes = tuple(dict.fromkeys((s.process, s.owner) for s in self.cluster.services_on(node) if s.process))
        command = f"{SSH_LINE}; {remote(SSHTarget.from_node(node), survey_script(processes))}"
        try:
            result = await self._run(node, command, SURVEY_TIMEOUT)
        except NodeUnreachable as exc:
            return NodeDown(node.name, exc.state, exc.reason)
        except Exception as exc:  # the connection dropped mid-survey
            state, reason = classify(exc)
            return NodeDown(node.name, str(state), reason)
        try:
            survey = parse_survey(node.name, str(result.stdout or ""))
        except Exception as exc:  # node text is data: garbage makes this node, and only it, odd
            return NodeDown(node.name, str(NodeState.PROBE_ERROR), f"its survey could not be read: {exc}")
        return await self._revert_outlived(node, survey)

    async def _revert_outlived(self, node: Node, survey: NodeSurvey) -> NodeSurvey:
        """Faults that outlived a reboot of their node (only the persistent ledger holds
        them; their timer is gone) are reverted at this contact.  A reverted one leaves the
        survey (its local record goes once the node confirmed the revert); one that did not
        revert stays, with why."""
        outlived = [entry for entry in survey.ledger if entry.outlived]
        if not outlived:
            return survey
        outcomes = await asyncio.gather(
            *(self._revert_on(node, entry.id, RevertReason.REBOOT, entry.record) for entry in outlived)
        )
        failed = {outcome.fault_id: outcome.result for outcome in outcomes if not outcome.ok}
        reverted = {outcome.fault_id for outcome in outcomes if outcome.ok}
        return replace(survey, ledger=tuple(
            replace(entry, error=failed.get(entry.id, entry.error)) for entry in survey.ledger if entry.id not in reverted
        ))

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

    def guard(self, node: str, surveys: dict[str, SurveyResult], force: bool, pending: Collection[str] = ()) -> None:
        """Raise Refused unless `node` may take a fault now.  `pending`: nodes that this
        same action faults too (one fault on several nodes is guarded as a whole)."""
        target = surveys[node]
        if isinstance(target, NodeDown):
            raise Refused(f"{node} is {target.state}: {target.reason}")
        refusal = guards.frozen(target.facts.frozen)
        if refusal is not None:
            raise Refused(refusal)
        faulted = self._faulted(surveys) | set(pending)
        reachable = {name for name, s in surveys.items() if isinstance(s, NodeSurvey)}
        refusal = guards.network_refusal(self.cluster, node, reachable, faulted, force=force)
        if refusal is not None:
            raise Refused(refusal)

    # -- plan and apply -------------------------------------------------------------------

    async def plan(
        self, request: FaultRequest, *, force: bool = False, dry_run: bool = False, pending: Collection[str] = ()
    ) -> FaultPlan:
        """Validate (InvalidInput), guard (Refused), survey, and plan one fault.

        `force` overrides the quorum guard, and only it.  `pending`: nodes planned in the
        same action, counted as faulted by the guards.  Refusals are audited; so is a dry
        run, which is a plan that is shown and never applied.
        """
        checked = check_request(self.cluster, request)
        try:
            refusal = guards.policy_refusal(self.cluster, checked.node)
            if refusal is not None:
                raise Refused(refusal)
            surveys = await self.survey()
            self.guard(checked.node.name, surveys, force, pending)
            target = surveys[checked.node.name]
            assert isinstance(target, NodeSurvey)
            plan = plan_fault(self.cluster, checked, target, by=operator(), lease=self.lease)
        except Refused as exc:
            self._audit_refusal(checked, "dry-run" if dry_run else "apply", str(exc))
            raise
        if dry_run:
            self._audit_plan(plan, "dry-run", "planned, not applied")
        return plan

    async def apply(
        self,
        plan: FaultPlan,
        *,
        force: bool = False,
        guarded: bool = False,
    ) -> ApplyOutcome:
        """Run the plan's apply script (ledger, timer, fault, verification) on its node.

        `guarded`: the caller has just guarded the plan against every ledger, read under the
        node locks (`ChaosSession`).  Otherwise a plan older than GUARD_FRESHNESS is guarded
        against a fresh survey.  Cancelled mid-way (Ctrl-C, a cancelled task), it reverts the
        fault before it lets the cancellation through.
        """
        node = self.cluster.node(plan.node)
        if not guarded and time.monotonic() - plan.created > GUARD_FRESHNESS:
            try:
                self.guard(plan.node, await self.survey(), force)
            except Refused as exc:
                return self.refused(plan, str(exc))
        self.records.save(plan.record)
        started = time.monotonic()
        running = asyncio.ensure_future(
            self._run(node, remote(SSHTarget.from_node(node), plan.apply_script), APPLY_TIMEOUT)
        )
        try:
            result = await asyncio.shield(running)
        except NodeUnreachable as exc:
            return self._finish_apply(ApplyOutcome(plan, ApplyStatus.REFUSED, f"refused: {exc}"))
        except asyncio.CancelledError:
            # The node finishes the apply whatever we do (the script ignores a dropped
            # channel); wait for it, so that the revert cannot run before the fault exists.
            with contextlib.suppress(Exception):
                await running
            rollback = await self._revert_on(node, plan.id, RevertReason.EXIT, plan.record)
            self._finish_apply(
                ApplyOutcome(plan, ApplyStatus.INTERRUPTED, f"interrupted during the apply; {rollback.result}", rollback.output,
                             revert_result=rollback.result, seconds=time.monotonic() - started)
            )
            raise
        except Exception as exc:
            _, reason = classify(exc)
            return self._finish_apply(
                ApplyOutcome(
                    plan, ApplyStatus.UNKNOWN,
                    f"unknown: {reason} during the apply; if the fault took, the node's timer reverts it at its TTL",
                    seconds=time.monotonic() - started,
                )
            )
        output = text(result.stdout, result.stderr)
        return self._finish_apply(
            apply_outcome(plan, result.exit_status, result.exit_signal, output, time.monotonic() - started)
        )

    def refused(self, plan: FaultPlan, reason: str) -> ApplyOutcome:
        """The plan was not applied, for `reason` (a guard, a lock): audited, recorded."""
        return self._finish_apply(ApplyOutcome(plan, ApplyStatus.REFUSED, f"refused: {reason}"))

    def _finish_apply(self, outcome: ApplyOutcome) -> ApplyOutcome:
        plan = outcome.plan
        if outcome.ok:
            self.applied[plan.id] = plan.node
        elif outcome.status in (ApplyStatus.REFUSED, ApplyStatus.ROLLED_BACK):
            self.records.remove(plan.id)
        self._audit_plan(plan, "apply", outcome.result, revert_result=outcome.revert_result,
                         output=outcome.output, seconds=round(outcome.seconds, 3))
        self.notifier.emit(NotifyEvent.APPLY, f"{plan.id} on {plan.node} ({plan.summary}): {outcome.result}",
                           ok=outcome.ok, node=plan.node, fault=plan.id, kind=plan.kind, ttl=plan.ttl,
                           status=str(outcome.status))
        return outcome

    # -- revert ---------------------------------------------------------------------------

    async def revert(self, fault_id: str, reason: RevertReason = RevertReason.MANUAL) -> RevertOutcome:
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
                outcome = RevertOutcome(fault_id, None, RevertStatus.NOT_FOUND, f"no fault {fault_id} in any node's ledger{where}")
                self.audit.append("revert", self.cluster.name, node=None, fault=fault_id, reason=reason,
                                  result=outcome.result, revert_result=None)
                return outcome
        return await self._revert_on(self.cluster.node(node_name), fault_id, reason, record)

    async def revert_all(
        self, reason: RevertReason = RevertReason.HALT, surveys: dict[str, SurveyResult] | None = None
    ) -> list[RevertOutcome]:
        """Halt: revert every fault (and clear every leftover) in every reachable ledger.

        Node by node, each on its own: whatever one node answers (or raises), every other
        reachable node is reverted and verified, and each fault gets its own outcome.
        Faults that local records place on unreachable nodes are reported as failures:
        only their nodes' timers can revert them now.  `surveys`: a survey just taken.
        """
        surveys = surveys if surveys is not None else await self.survey()
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
                    RevertOutcome(record.id, record.node, RevertStatus.UNREACHABLE,
                                  f"{record.node} is {down.state}: {down.reason}; its timer reverts the fault at its TTL")
                )
        return outcomes

    async def revert_own(self, reason: RevertReason = RevertReason.EXIT) -> list[RevertOutcome]:
        """Revert what this object applied and nobody reverted yet (end of a drill, exit)."""
        jobs = [
            self._revert_on(self.cluster.node(node), fault_id, reason, self.records.get(fault_id))
            for fault_id, node in list(self.applied.items())
        ]
        return list(await asyncio.gather(*jobs))

    async def _revert_on(
        self, node: Node, fault_id: str, reason: RevertReason, record: LedgerRecord | None
    ) -> RevertOutcome:
        """Revert one fault on its node.  Never raises for what the node does or says: an
        error becomes this fault's outcome, so a halt goes on with every other fault."""
        reason = RevertReason(reason)
        script = revert_script_command(fault_id, reason)
        started = time.monotonic()
        try:
            result = await self._run(node, remote(SSHTarget.from_node(node), script), REVERT_TIMEOUT)
            code, output = result.exit_status, text(result.stdout, result.stderr)
        except Exception as exc:  # unreachable, the connection dropped, garbage: the timer remains
            why = str(exc) if isinstance(exc, NodeUnreachable) else classify(exc)[1]
            code, output = None, f"{why}; the node's timer reverts the fault at its TTL"
        seconds = time.monotonic() - started
        status, result_text = revert_status(code, output)
        outcome = RevertOutcome(fault_id, node.name, status, result_text, output, seconds)
        if outcome.ok:
            self.records.remove(fault_id)
            self.applied.pop(fault_id, None)
        self.audit.append(
            "revert", self.cluster.name, node=node.name, fault=fault_id,
            kind=record.kind if record else None, params=record.params if record else None,
            reason=reason, commands=[script], result=result_text, revert_result=output, seconds=round(seconds, 3),
        )
        self.notifier.emit(NotifyEvent.REVERT, f"{fault_id} on {node.name} ({reason}): {result_text}", ok=outcome.ok,
                           node=node.name, fault=fault_id, kind=record.kind if record else None, reason=str(reason),
                           status=str(status))
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
                        entry.lease_left,
                    )
                )
        seen = {fault.id for fault in found}
        gone = []
        for record in self.records.for_cluster(self.cluster.name):
            on_node = surveys.get(record.node)
            if record.id in seen or on_node is None:
                continue
            if isinstance(on_node, NodeDown):
                found.append(
                    ActiveFault(record.id, record.node, FaultState.UNCONFIRMED, record, None, record.timer,
                                f"{record.node} is {on_node.state}: {on_node.reason}")
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
        down = {name: s for name, s in surveys.items() if isinstance(s, NodeDown)}
        return ChaosStatus(
            tuple(found), {name: f"{s.state}: {s.reason}" for name, s in down.items()}, tuple(gone),
            garbled=tuple(name for name, s in down.items() if s.answered),
            corrupt={name: s.corrupt for name, s in surveys.items() if isinstance(s, NodeSurvey) and s.corrupt},
            frozen={name: mark for name, s in surveys.items() if isinstance(s, NodeSurvey) and (mark := s.facts.frozen)},
        )

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


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
