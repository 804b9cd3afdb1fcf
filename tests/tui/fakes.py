"""Stand-ins for the chaos engine and the drill runner, for Pilot tests without a lab.

`FakeChaos` answers as `Chaos` does -- availability per node with why-nots, plans checked
by the real validation (`check_request`), ledgers with countdowns, reverts -- and records
what was asked of it.  `FakeRunner` walks a drill through its phases in a fraction of a
second, or until stopped, and gives the verdict a real runner would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos import (
    CATALOG,
    ActiveFault,
    ApplyOutcome,
    ApplyStatus,
    ChaosStatus,
    FaultRequest,
    KindAvailability,
    NodeAvailability,
    Refused,
    RevertOutcome,
    RevertStatus,
    guards,
)
from clustertui.chaos.audit import AuditLog
from clustertui.chaos.freeze import FreezeMark
from clustertui.chaos.ledger import LedgerRecord
from clustertui.chaos.notify import Notifier
from clustertui.chaos.planner import check_request
from clustertui.config import Cluster, Drill
from clustertui.drills.result import ABORTED, PASSED, Check, DrillResult, Phase, ProbeRecord
from clustertui.drills.runner import Progress
from clustertui.drills.traffic import Request
from clustertui.managers.changes import Change, ManagerEvent

NO_NETEM = "unsupported on this node: no sch_netem"


@dataclass(frozen=True)
class FakeSteps:
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakePlan:
    """What the TUI reads of a FaultPlan."""

    id: str
    node: str
    host: str
    kind: str
    params: dict[str, Any]
    ttl: float
    summary: str
    steps: FakeSteps = field(default_factory=FakeSteps)

    def sections(self) -> dict[str, list[str]]:
        target = self.params.get("service") or self.params.get("port") or ""
        return {
            "precheck": [f"pgrep -x {target} >/dev/null   # else refuse: {target} is not running"],
            "ledger": [f"write /run/clustertui/faults/{self.id}.json (the record) and {self.id}.revert"],
            "timer": [f"setsid nohup sh -c 'sleep {self.ttl:g}; exec sh {self.id}.revert ttl' ctui-timer-{self.id}"],
            "apply": [f"pkill -KILL -x {target}"],
            "verify": [f"! pgrep -x {target}   # else roll back: {target} still runs"],
            "revert": [f"setsid nohup sh -c {target}", f"rm -f /run/clustertui/faults/{self.id}.*"],
        }


class LockHeld:
    """A node's chaos lock, held (the channel of nodelock.lock_script)."""

    class stdout:  # stands in for asyncssh's stream attribute
        @staticmethod
        async def readline() -> str:
            return "locked\n"

    def close(self) -> None:
        pass

    async def wait_closed(self) -> None:
        pass


@dataclass
class Answered:
    stdout: str
    stderr: str = ""
    exit_status: int = 0


class LockingPool:
    """A connection pool whose every connection takes chaos locks at once and writes or
    removes a node's freeze mark (`frozen`: node -> until, 0 for until thawed)."""

    def __init__(self) -> None:
        self.frozen: dict[str, int] = {}

    async def connection(self, target) -> NodeConnection:
        return NodeConnection(self, target.name)

    def forget(self, name: str) -> None:
        pass


@dataclass
class NodeConnection:
    pool: LockingPool
    node: str

    async def create_process(self, command: str) -> LockHeld:
        return LockHeld()

    async def run(self, command: str, check: bool = False, timeout: float = 0) -> Answered:
        if ".freeze.tmp" in command:  # the freeze script
            until = 0 if "ctui_until=0" in command else int(time.time()) + 60
            self.pool.frozen[self.node] = until
            return Answered(f"frozen {until} {int(time.time())}\n")
        if "not-frozen" in command:  # the thaw script
            return Answered("thawed\n" if self.pool.frozen.pop(self.node, None) is not None else "not-frozen\n")
        return Answered("", "not a command this fake node runs", 1)


class FakeChaos:
    def __init__(
        self, cluster: Cluster, refuse: str | None = None, by: str = "tester@host", audit: AuditLog | None = None,
        guard_ledger: bool = False,
    ) -> None:
        self.cluster = cluster
        self.refuse = refuse  # a guard's refusal for every plan
        # The real policy guards too (chaos enabled, allowed roles), and the real blast radius
        # counting the faults in this fake's ledger, as Chaos.plan counts the nodes' ledgers.
        self.guard_ledger = guard_ledger
        self.by = by
        self.revert_on_exit = True
        self.applied: dict[str, str] = {}
        self.ledger: dict[str, ActiveFault] = {}  # what every node's ledger holds
        self.calls: list[tuple[str, Any]] = []
        self.status_started: list[float] = []
        self.status_delay = 0.0
        self.closed = False
        self._count = 0
        self.pool = LockingPool()  # every node grants its chaos lock at once
        self.audit = audit or AuditLog()  # the fixture gives each test its own log
        self.notifier = Notifier(cluster, self.audit)

    # -- what Chaos offers -------------------------------------------------------------

    async def availability(self) -> dict[str, NodeAvailability]:
        self.calls.append(("availability", None))
        result = {}
        for node in self.cluster.nodes:
            services = [s.name for s in self.cluster.services_on(node)]
            kinds = {}
            for kind, spec in CATALOG.items():
                if kind == "latency":
                    kinds[kind] = KindAvailability(kind, NO_NETEM)
                elif kind == "start":
                    why = "; ".join(f"{s} already runs" for s in services)
                    kinds[kind] = KindAvailability(kind, why, dict.fromkeys(services, "already runs"))
                elif spec.family == "process":
                    kinds[kind] = KindAvailability(kind, None, dict.fromkeys(services))
                else:
                    kinds[kind] = KindAvailability(kind, None)
            result[node.name] = NodeAvailability(node.name, tuple(node.roles), True, "", kinds)
        return result

    async def plan(self, request: FaultRequest, *, force: bool = False, dry_run: bool = False,
                   pending=()) -> FakePlan:
        self.calls.append(("plan", request))
        checked = check_request(self.cluster, request)  # the real validation: InvalidInput
        if self.refuse:
            raise Refused(self.refuse)
        faulted = set(pending)
        if self.guard_ledger:
            refusal = guards.policy_refusal(self.cluster, checked.node)
            if refusal is not None:
                raise Refused(refusal)
            faulted |= {fault.node for fault in self.ledger.values()}
        # the real guards, on the nodes of the same action (the ledgers are the tests' own)
        reachable = {node.name for node in self.cluster.nodes}
        refusal = guards.network_refusal(self.cluster, checked.node.name, reachable, faulted, force=force)
        if refusal is not None:
            raise Refused(refusal)
        self._count += 1
        fault_id = f"f-{self._count:08x}"
        what = checked.params.get("service") or checked.params.get("port")
        return FakePlan(fault_id, checked.node.name, checked.node.host, checked.kind, checked.params, checked.ttl,
                        f"{checked.kind} {what} on {checked.node.name}")

    def refused(self, plan: FakePlan, reason: str) -> ApplyOutcome:
        return ApplyOutcome(plan, ApplyStatus.REFUSED, f"refused: {reason}")  # type: ignore[arg-type]

    def guard(self, node: str, surveys: dict, force: bool, pending=()) -> None:
        """The fake guards in `plan` (against the tests' own ledger)."""

    async def apply(self, plan: FakePlan, *, force: bool = False, guarded: bool = False) -> ApplyOutcome:
        self.calls.append(("apply", plan.id))
        self.applied[plan.id] = plan.node
        self.add(plan.id, plan.node, plan.kind, plan.summary, plan.ttl, self.by)
        return ApplyOutcome(plan, ApplyStatus.APPLIED, "applied and verified")  # type: ignore[arg-type]

    async def status(self) -> ChaosStatus:
        self.status_started.append(time.monotonic())
        await asyncio.sleep(self.status_delay)
        now = time.time()
        frozen = {node: FreezeMark(node, now, until or None, "halt from the TUI", self.by, self.cluster.name, now)
                  for node, until in self.pool.frozen.items()}
        return ChaosStatus(tuple(self.ledger.values()), {}, (), frozen=frozen)

    async def revert(self, fault_id: str, reason: str = "manual") -> RevertOutcome:
        self.calls.append(("revert", (fault_id, reason)))
        fault = self.ledger.pop(fault_id, None)
        self.applied.pop(fault_id, None)
        if fault is None:
            return RevertOutcome(fault_id, None, RevertStatus.NOT_FOUND, f"no fault {fault_id} in any node's ledger")
        return RevertOutcome(fault_id, fault.node, RevertStatus.REVERTED, "reverted and verified")

    async def survey(self) -> dict:
        self.calls.append(("survey", None))
        return {}

    async def revert_all(self, reason: str = "halt", surveys=None) -> list[RevertOutcome]:
        self.calls.append(("revert_all", reason))
        return [await self.revert(fault_id, reason) for fault_id in list(self.ledger)]

    async def revert_own(self, reason: str = "exit") -> list[RevertOutcome]:
        self.calls.append(("revert_own", reason))
        return [await self.revert(fault_id, reason) for fault_id in list(self.applied)]

    async def close(self) -> None:
        self.closed = True

    # -- test helpers ------------------------------------------------------------------

    def add(self, fault_id: str, node: str, kind: str, summary: str, ttl: float, by: str) -> None:
        """A fault in a node's ledger (applied here, or by someone else)."""
        record = LedgerRecord(fault_id, kind, self.cluster.name, node, self.cluster.node(node).host, summary, {}, ttl,
                              time.time(), by, "detached", f"sh /run/clustertui/faults/{fault_id}.revert manual")
        self.ledger[fault_id] = ActiveFault(fault_id, node, "active", record, ttl, "detached sleep")


@dataclass
class FakeProbe:
    label: str
    requests: list[Request] = field(default_factory=list)


def DOWN_AT(t: float) -> ManagerEvent:
    """HAProxy on lb1 marking web2 DOWN at `t`, as the managers' timeline records it."""
    return ManagerEvent(t, "lb", Change.MARKED_DOWN, "haproxy@lb1", "web_nodes/web2", "web2", "UP", "DOWN")


class FakeRunner:
    """A drill in `seconds` per phase: steady, fault (with failed requests), recovery."""

    def __init__(self, cluster: Cluster, drill: Drill, on_change, stop: asyncio.Event, seconds: float = 0.2) -> None:
        self.cluster, self.drill, self.on_change, self.stop = cluster, drill, on_change, stop
        self.seconds = seconds
        self.progress = Progress()
        self.probes = [FakeProbe("GET http://198.18.0.100/health")]

    def recent_success(self, seconds: float = 30.0) -> list[float | None]:
        return [1.0] * 20 + [0.5, 0.0, 0.5] + [1.0] * 20 + [None] * 5

    def _phase(self, name: str, seconds: float | None = None) -> None:
        self.progress.phase = name
        self.progress.phase_ends = None if seconds is None else time.time() + seconds
        self.on_change(self.progress)

    async def _hold(self, seconds: float) -> bool:
        """Wait; True if the drill was stopped meanwhile."""
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def run(self) -> DrillResult:
        started = time.time()
        base = dict(drill=self.drill.name, cluster=self.cluster.name, description=self.drill.description,
                    started=started, target="web2", fault_kind=self.drill.fault.kind)
        now = time.time()
        self.probes[0].requests += [Request(now, True, 1.0), Request(now, False, 1000.0, "timed out after 1s")]
        for phase in ("steady", "fault", "recovery"):
            if phase == "fault":
                self.progress.target, self.progress.fault_id = "web2", "f-d0d0d0d0"
                self.progress.acted, self.progress.verified = time.time(), time.time() + 0.073
                self.progress.manager_events.append(DOWN_AT(self.progress.acted + 1.9))
            self._phase(phase, self.seconds)
            if await self._hold(self.seconds):
                self.progress.verdict = ABORTED
                return DrillResult(verdict=ABORTED, reason="interrupted by the operator", ended=time.time(), **base)
        self.progress.verdict = PASSED
        checks = (Check("availability", ">= 95.0%", "98.0%", True), Check("detect_within", "<= 2s", "0.4s", True))
        return DrillResult(
            verdict=PASSED, reason="", ended=time.time(), availability=0.98, time_to_detect_s=0.4,
            time_to_failover_s=0.9, time_to_recover_s=1.2, checks=checks, fault_id="f-d0d0d0d0",
            fault_summary="kill nginx on web2", t_fault=started + 1, t_revert=started + 2, t_action=started + 0.95,
            manager_events=(DOWN_AT(started + 2.9),),
            phases=(Phase("steady", started, started + 1), Phase("fault", started + 1, started + 2),
                    Phase("recovery", started + 2, time.time())),
            probes=tuple(ProbeRecord(p.label, tuple(p.requests)) for p in self.probes), **base,
        )
