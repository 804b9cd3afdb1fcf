"""`ChaosSession`: one operator's chaos workflow, the same for the CLI, the TUI and drills.

`Chaos` is the engine: survey, guard, plan, apply and revert one fault on one node, audited.
A session is what a person (or a drill) does with it over time, and it decides every rule of
that workflow, so that no front end restates one:

- a fault on several nodes is planned and guarded as a whole (the blast radius and the
  quorum guard count the nodes of the same action as faulted);
- several plans apply in order and stop at the first that did not apply;
- an apply holds every node's chaos lock (`NodeLocks`) from its last survey of the ledgers
  to its last ledger write, and is guarded against that survey: two controllers can never
  both pass `max_faulted_nodes` or the quorum guard;
- reverts and halt never raise for what a node does: every fault and every node gets its own
  outcome, and one odd node never stops the others' reverts (`HaltReport.nodes`);
- the faults' status is read by at most one survey at a time; a request made during one
  runs once after it (`want_status` / `refresh_status`);
- on exit, what this session applied and nobody reverted is reverted (a second try on a
  fresh connection when a borrowed one dropped), unless the operator abandons it to the
  nodes' timers;
- a session that reverts its faults on exit holds them, so each gets a lease on its node
  (chaos/lease.py) that the session renews while it lives (`LeaseRenewer`): a killed,
  stopped or cut-off session costs at most one lease of fault, not its TTL.  A session that
  leaves its faults to their TTL (`chaos apply` without `--hold`) gives them no lease.

It imports no Textual: the TUI runs these coroutines in its workers and shows the results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos import guards
from clustertui.chaos.audit import operator
from clustertui.chaos.errors import Refused
from clustertui.chaos.facts import NodeSurvey
from clustertui.chaos.freezer import FreezeAction, FreezeReport, freeze_nodes, thaw_nodes
from clustertui.chaos.nodelock import NodeLocks
from clustertui.chaos.offline import assumed_survey
from clustertui.chaos.outcomes import ApplyOutcome, ChaosStatus, NodeDown, RevertOutcome, RevertReason, RevertStatus
from clustertui.chaos.planner import FaultPlan, FaultRequest, check_request, plan_fault
from clustertui.chaos.renewer import LeaseRenewer
from clustertui.chaos.runner import Chaos, SurveyResult
from clustertui.chaos.sharedlocks import SharedNodeLocks
from clustertui.config import Cluster
from clustertui.config.notify import NotifyEvent
from clustertui.engine.monitor import ClusterMonitor


@dataclass(frozen=True, slots=True)
class NodeHalt:
    """One node's part of a halt: each of its faults' outcome, or why its ledger could not
    be read (its faults are unknown; its timers still revert them at their TTL), and the
    ledger files that are no fault's (escaped names, left alone)."""

    node: str
    outcomes: tuple[RevertOutcome, ...] = ()
    unread: str = ""
    garbled: bool = False  # unread because the node answered nonsense, not because it is down
    corrupt: tuple[str, ...] = ()  # ledger file names that are no fault's (escaped), left alone

    @property
    def ok(self) -> bool:
        return not self.unread and not self.corrupt and all(outcome.ok for outcome in self.outcomes)

    def line(self) -> str:
        """The node's outcome in one line, for a person."""
        corrupt = (f"; corrupt ledger entr{'y' if len(self.corrupt) == 1 else 'ies'} left alone: "
                   + ", ".join(self.corrupt)) if self.corrupt else ""
        if self.unread:
            return f"{self.node}: NOT reverted, ledger not read ({self.unread}); its faults revert at their TTL"
        if not self.outcomes:
            return f"{self.node}: no fault{corrupt}"
        failed = sum(1 for outcome in self.outcomes if not outcome.ok)
        return (f"{self.node}: {len(self.outcomes) - failed} reverted"
                + (f", {failed} NOT reverted" if failed else "") + corrupt)


@dataclass(frozen=True, slots=True)
class HaltReport:
    """A halt, node by node; `error` when the halt could not even start (nothing reverted)."""

    nodes: dict[str, NodeHalt]
    error: str = ""

    @property
    def outcomes(self) -> list[RevertOutcome]:
        return [outcome for node in self.nodes.values() for outcome in node.outcomes]

    @property
    def failed(self) -> list[RevertOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]

    @property
    def ok(self) -> bool:
        return not self.error and all(node.ok for node in self.nodes.values())

    @property
    def unreachable(self) -> bool:
        """A node could not be reached: its ledger unread (not for nonsense it answered), or
        a fault's revert not sent."""
        return any(node.unread and not node.garbled for node in self.nodes.values()) or any(
            outcome.status is RevertStatus.UNREACHABLE for outcome in self.outcomes
        )

    def summary(self) -> str:
        if self.error:
            return f"halt failed: {self.error}"
        failed = len(self.failed)
        unread = sorted(node.node for node in self.nodes.values() if node.unread)
        corrupt = sorted(node.node for node in self.nodes.values() if node.corrupt)
        done = len(self.outcomes) - failed
        return (f"{done} fault{'' if done == 1 else 's'} reverted" + (f", {failed} not" if failed else "")
                + (f"; ledgers not read: {', '.join(unread)}" if unread else "")
                + (f"; corrupt ledger entries on: {', '.join(corrupt)}" if corrupt else ""))


def _node_halt(name: str, outcomes: Iterable[RevertOutcome], survey: SurveyResult | None) -> NodeHalt:
    """A node's part of a halt from its reverts and its survey (None: not in the cluster)."""
    if isinstance(survey, NodeDown):
        return NodeHalt(name, tuple(outcomes), f"{survey.state}: {survey.reason}", garbled=survey.answered)
    return NodeHalt(name, tuple(outcomes), corrupt=survey.corrupt if isinstance(survey, NodeSurvey) else ())


@dataclass(frozen=True, slots=True)
class DryRun:
    """A plan shown and never applied.  When the target could not be surveyed it is planned
    against what a Linux node usually has: `assumed` lists those facts (each is read and
    checked on the node at apply), `unreachable` says why the node was not asked."""

    plan: FaultPlan
    assumed: tuple[str, ...] = ()
    unreachable: str = ""


@dataclass(frozen=True, slots=True)
class StatusReading:
    """One read of every ledger: the status (None when the survey broke), when it started,
    and why it is incomplete (empty when it is not)."""

    status: ChaosStatus | None
    taken: float
    note: str = ""


@dataclass
class _StatusFlight:
    busy: bool = False
    again: bool = False


@dataclass
class ChaosSession:
    cluster: Cluster
    chaos: Chaos
    closed: bool = False
    renewer: LeaseRenewer | None = None  # renews the leases of the faults this session holds
    _status: _StatusFlight = field(default_factory=_StatusFlight)
    _locks: SharedNodeLocks = field(init=False)
    _admission: asyncio.Lock = field(default_factory=asyncio.Lock)  # one batch's guard at a time
    _in_flight: list[str] = field(default_factory=list)  # nodes of this session's applies under way

    def __post_init__(self) -> None:
        self._locks = SharedNodeLocks(lambda: NodeLocks(self.chaos.pool, self.cluster.nodes))

    @classmethod
    def open(
        cls, cluster: Cluster, *, revert_on_exit: bool = True, lease: float | None = None, **engine: Any
    ) -> ChaosSession:
        """A session on its own `Chaos` (engine options: pool, audit, records).  One that
        reverts on exit holds its faults on a lease (`lease` seconds, else the cluster
        file's `chaos.lease`); one that does not leaves them to their TTL."""
        held = (lease or cluster.chaos.lease) if revert_on_exit else None
        chaos = Chaos(cluster, revert_on_exit=revert_on_exit, lease=held, **engine)
        renewer = None
        if held is not None:
            renewer = LeaseRenewer(cluster, held, chaos.run_script, lambda: chaos.applied)
        return cls(cluster, chaos, renewer=renewer)

    @classmethod
    def for_monitor(cls, cluster: Cluster, monitor: ClusterMonitor) -> ChaosSession:
        """Chaos on the monitor's connection pool (a fault costs a channel, not a key
        exchange), reverting this session's faults when it closes."""
        return cls.open(cluster, pool=monitor.pool)

    async def __aenter__(self) -> ChaosSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what menus and forms read ---------------------------------------------------------

    @property
    def mine(self) -> set[str]:
        """Fault ids this session applied and nobody has reverted yet."""
        return set(self.chaos.applied)

    @property
    def default_ttl(self) -> float:
        return self.cluster.chaos.default_ttl

    async def availability(self) -> Any:
        """Per node, which faults can be applied and why not."""
        return await self.chaos.availability()

    # -- faults --------------------------------------------------------------------------

    async def plan(self, request: FaultRequest, *, force: bool = False, dry_run: bool = False) -> FaultPlan:
        """One fault on one node: InvalidInput, Refused, or its plan."""
        return await self.chaos.plan(request, force=force, dry_run=dry_run)

    async def dry_run(self, request: FaultRequest, *, force: bool = False) -> DryRun:
        """`--dry-run`: the exact plan from the node's survey, or, for a target that cannot
        be reached, the plan against an assumed survey.  The policy guards (chaos enabled,
        node allowed) refuse either way; audited as a dry run."""
        checked = check_request(self.cluster, request)
        if guards.policy_refusal(self.cluster, checked.node) is None:
            target = (await self.chaos.survey([checked.node.name]))[checked.node.name]
            if isinstance(target, NodeDown):
                survey, assumed = assumed_survey(checked)
                plan = plan_fault(self.cluster, checked, survey, by=operator(), lease=self.chaos.lease)
                why = f"{target.node} is {target.state}: {target.reason}"
                self.chaos.audit.append(
                    "dry-run", self.cluster.name, node=plan.node, fault=plan.id, kind=plan.kind, params=plan.params,
                    ttl=plan.ttl, summary=plan.summary, commands=plan.sections(),
                    result=f"planned without the node ({why}), not applied", revert_result=None,
                )
                return DryRun(plan, assumed, why)
        return DryRun(await self.chaos.plan(request, force=force, dry_run=True))

    async def plan_batch(
        self, kind: str, nodes: Sequence[str], params: Mapping[str, object], ttl: float | None
    ) -> list[FaultPlan]:
        """One plan per node, guarded as a whole; raises InvalidInput or Refused (naming the
        node when there are several)."""
        plans: list[FaultPlan] = []
        for index, node in enumerate(nodes):
            try:
                plans.append(await self.chaos.plan(FaultRequest(kind, node, dict(params), ttl), pending=nodes[:index]))
            except Refused as exc:
                raise Refused(f"{node}: {exc}" if len(nodes) > 1 else str(exc)) from None
        return plans

    async def apply(self, plan: FaultPlan, *, force: bool = False) -> ApplyOutcome:
        return (await self.apply_batch([plan], force=force))[0]

    async def apply_batch(self, plans: Iterable[FaultPlan], *, force: bool = False) -> list[ApplyOutcome]:
        """Apply in order; stop at the first that did not apply (the rest stay unapplied).

        Under every node's chaos lock: the ledgers are read again and each plan guarded
        against them, counting as faulted the batch's earlier nodes and those of this
        session's other applies still in flight.  The session admits one batch at a time
        to that guard, and its batches that overlap share one hold of the locks
        (sharedlocks.py), so that faults meant to start together (a ramp level) do.  A lock
        another controller holds past LOCK_WAIT refuses the first plan."""
        plans = list(plans)
        if not plans:
            return []
        try:
            await self._locks.join()
        except Refused as exc:
            return [self.chaos.refused(plans[0], str(exc))]
        try:
            return await self._apply_admitted(plans, force)
        finally:
            await asyncio.shield(self._locks.leave())

    async def _apply_admitted(self, plans: list[FaultPlan], force: bool) -> list[ApplyOutcome]:
        async with self._admission:
            surveys = await self.chaos.survey()
            admitted: list[FaultPlan] = []
            refusal = ""
            for plan in plans:
                try:
                    self.chaos.guard(plan.node, surveys, force, [*self._in_flight, *(p.node for p in admitted)])
                except Refused as exc:
                    refusal = str(exc)
                    break
                admitted.append(plan)
            self._in_flight.extend(plan.node for plan in admitted)
        outcomes: list[ApplyOutcome] = []
        try:
            for plan in admitted:
                outcome = await self.chaos.apply(plan, force=force, guarded=True)
                self._in_flight.remove(plan.node)
                outcomes.append(outcome)
                if outcome.ok and plan.timer.lease and self.renewer is not None:
                    self.renewer.hold(plan.id, plan.node)
                if not outcome.ok:
                    return outcomes
        finally:
            for plan in admitted[len(outcomes):]:
                self._in_flight.remove(plan.node)
        if refusal:  # audited after the plans before it applied, as it would have come
            outcomes.append(self.chaos.refused(plans[len(admitted)], refusal))
        return outcomes

    # -- reverts and halt ----------------------------------------------------------------

    async def revert(self, fault_id: str, reason: RevertReason = RevertReason.MANUAL) -> RevertOutcome:
        """Revert one fault; whatever goes wrong is its outcome, never an exception."""
        try:
            return await self.chaos.revert(fault_id, reason)
        except Exception as exc:  # e.g. the survey that looks for it broke
            return RevertOutcome(fault_id, None, RevertStatus.NOT_REVERTED, f"revert failed: {exc}")

    async def stop(self, fault_id: str, why: str) -> RevertOutcome:
        """Revert a fault because a stop condition tripped (`why` says which, and when):
        the same revert, at once, and an `abort` record in the audit log with the reason."""
        outcome = await self.revert(fault_id, RevertReason.ABORT)
        self.chaos.audit.append("abort", self.cluster.name, node=outcome.node, fault=fault_id, reason=why,
                                result=outcome.result, revert_result=str(outcome.status),
                                seconds=round(outcome.seconds, 3))
        return outcome

    async def revert_many(self, fault_ids: Iterable[str]) -> list[RevertOutcome]:
        """Revert these faults concurrently, each with its own outcome (each id once, in order)."""
        return list(await asyncio.gather(*(self.revert(fault_id) for fault_id in dict.fromkeys(fault_ids))))

    async def halt(self) -> HaltReport:
        """Revert every fault in every node's ledger, whoever applied it, node by node: each
        node's outcome is its own, whatever the others answer."""
        try:
            surveys = await self.chaos.survey()
            outcomes = await self.chaos.revert_all(RevertReason.HALT, surveys=surveys)
        except Exception as exc:  # the local records could not be read, say
            return HaltReport({}, str(exc))
        grouped: dict[str, list[RevertOutcome]] = {}
        for outcome in outcomes:
            grouped.setdefault(outcome.node or "?", []).append(outcome)
        names = [node.name for node in self.cluster.nodes] + sorted(set(grouped) - {n.name for n in self.cluster.nodes})
        report = HaltReport({name: _node_halt(name, grouped.get(name, ()), surveys.get(name)) for name in names})
        self.chaos.notifier.emit(NotifyEvent.HALT, report.summary(), ok=report.ok,
                                 nodes={name: node.line() for name, node in report.nodes.items()})
        return report

    # -- freeze --------------------------------------------------------------------------

    async def freeze(self, nodes: Sequence[str] | None = None, reason: str = "",
                     seconds: float | None = None) -> FreezeReport:
        """Freeze the nodes (all by default): no controller applies a new fault there until
        a thaw or `seconds` (None: until thawed).  KeyError names an unknown node."""
        report = await freeze_nodes(self.cluster, self.chaos.pool, self.chaos.audit, nodes, reason, seconds)
        self._notify_freeze(report)
        return report

    async def thaw(self, nodes: Sequence[str] | None = None) -> FreezeReport:
        report = await thaw_nodes(self.cluster, self.chaos.pool, self.chaos.audit, nodes)
        self._notify_freeze(report)
        return report

    def _notify_freeze(self, report: FreezeReport) -> None:
        event = NotifyEvent.FREEZE if report.action is FreezeAction.FREEZE else NotifyEvent.THAW
        reason = f" ({report.reason})" if report.reason else ""
        failed = "".join(f"; {n.node}: {n.detail}" for n in report.nodes if not n.ok)
        self.chaos.notifier.emit(event, report.summary() + reason + failed, ok=report.ok, reason=report.reason,
                                 seconds=report.seconds, nodes={n.node: n.detail for n in report.nodes})

    async def halt_and_freeze(self, reason: str, seconds: float | None) -> tuple[HaltReport, FreezeReport]:
        """Halt and freeze at once (the TUI's `H`): the freeze waits for the nodes' chaos
        locks, the halt never does, so neither delays the other."""
        halt, freeze = await asyncio.gather(self.halt(), self.freeze(None, reason, seconds))
        return halt, freeze

    # -- status --------------------------------------------------------------------------

    async def status(self) -> ChaosStatus:
        return await self.chaos.status()

    def want_status(self, now: bool, faults_known: bool) -> bool:
        """Whether to start `refresh_status` now: `now` (a new fault id, an apply, a revert)
        or, on the periodic poll, while there are faults.  During a survey, a `now` request
        is remembered and runs once after it; the caller starts nothing."""
        if self._status.busy:
            self._status.again = self._status.again or now
            return False
        if not (now or faults_known):
            return False
        self._status.busy = True
        return True

    async def refresh_status(self, deliver: Callable[[StatusReading], None]) -> None:
        """Read every ledger (again while requests came in meanwhile), delivering each
        reading; call it after `want_status` said yes."""
        self._status.busy = True
        try:
            while True:
                self._status.again = False
                taken = time.time()
                try:
                    status = await self.chaos.status()
                except Exception as exc:  # keep the last details; say why they are old
                    deliver(StatusReading(None, taken, f"fault status failed: {exc}"))
                else:
                    down = sorted(status.unreachable)
                    deliver(StatusReading(status, taken, f"ledgers not read: {', '.join(down)}" if down else ""))
                if not self._status.again:
                    return
        finally:
            self._status.busy = False

    # -- the end -------------------------------------------------------------------------

    async def close(self) -> list[RevertOutcome]:
        """Revert what this session applied and nobody reverted yet, then close."""
        if self.closed:
            return []
        self.closed = True
        try:
            if not (self.chaos.revert_on_exit and self.chaos.applied):
                return []
            outcomes = {o.fault_id: o for o in await self.chaos.revert_own(RevertReason.EXIT)}
            if any(o.status is RevertStatus.UNREACHABLE for o in outcomes.values()):
                # A borrowed connection may have dropped under the revert: once more, on a
                # fresh one, for what is still applied.
                outcomes.update({o.fault_id: o for o in await self.chaos.revert_own(RevertReason.EXIT)})
            return list(outcomes.values())
        finally:
            self.chaos.revert_on_exit = False  # reverted just above: closing must not try twice
            if self.renewer is not None:
                await self.renewer.stop()
            await self.chaos.close()

    def abandon(self) -> list[str]:
        """Quit now without reverting (a second `q` while reverts hang): the nodes' timers
        revert these when their lease ends (no longer renewed once the session is closed),
        or at their TTL.  Returns the fault ids left behind."""
        self.chaos.revert_on_exit = False
        return sorted(self.chaos.applied)

