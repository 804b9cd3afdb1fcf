"""Fakes for game day tests: a drill runner whose verdict a test scripts, and a monitor
whose health a test sets.  The scenario runner, its groups and its gating are the real ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from clustertui.config import Cluster, Drill
from clustertui.drills.result import Check, DrillResult, Verdict
from clustertui.drills.runner import Aborted, Progress
from clustertui.engine.health import ClusterHealth, quorum_for
from clustertui.transport.states import NodeState

#: A cluster with three drills and a scenario of each kind (no key files: loads anywhere).
CLUSTER = """\
name: t
type: majority
nodes:
  - {name: "web[1-3]", host: "198.18.0.[11-13]", roles: [web]}
services:
  nginx: {roles: [web], process: nginx}
endpoints:
  vip: {http: "http://198.18.0.100/"}
chaos: {enabled: true, allow_roles: [web], max_faulted_nodes: 3}
drills:
  a: {fault: {kind: kill, service: nginx}, target: {role: web}}
  b: {fault: {kind: kill, service: nginx}, target: {role: web}}
  c: {fault: {kind: kill, service: nginx}, target: {role: web}}
scenarios:
  short:
    steps: [{wait: 100ms}, {pause: "hand over"}, {wait: 100ms}]
  abc:
    steps: [{drill: a}, {drill: b}, {drill: c}]
  warm:
    steps: [{wait: 10ms}, {drill: a}]
  nested:
    steps: [{scenario: warm}, {drill: c}]
  together:
    steps:
      - parallel: [{drill: a}, {drill: b}, {wait: 10ms}]
      - drill: c
  ramp:
    steps:
      - ramp: {drill: a, role: web, from: 1, to: 3}
      - drill: c
  paused:
    steps: [{pause: "look at the dashboards"}, {drill: a}]
  checked:
    steps: [{check: {quorum: true, within: 300ms}}, {drill: a}]
  guarded:
    abort_when: [{quorum_lost: true}]
    steps: [{wait: 5s}, {drill: a}]
"""


#: (drill name, target node) -> the verdict a fake drill gives; anything else passes.
Script = Callable[[str, str], Verdict]


@dataclass
class DrillLog:
    """What the fake drills did, in order: ("start" | "fault" | "end", drill, target)."""

    events: list[tuple[str, str, str]] = field(default_factory=list)

    def of(self, kind: str) -> list[tuple[str, str]]:
        return [(drill, target) for what, drill, target in self.events if what == kind]


class ScriptedDrill:
    """A drill that takes `seconds`: a steady state (which aborts when the script says
    ABORTED, before the start line), the start line, a fault, a verdict."""

    def __init__(self, cluster: Cluster, drill: Drill, on_change, stop: asyncio.Event, ready, *,
                 script: Script, log: DrillLog, seconds: float = 0.05) -> None:
        self.cluster, self.drill, self.on_change, self.stop, self.ready = cluster, drill, on_change, stop, ready
        self.script, self.log, self.seconds = script, log, seconds
        self.progress = Progress()

    async def _hold(self) -> None:
        try:
            await asyncio.wait_for(self.stop.wait(), self.seconds)
        except TimeoutError:
            return
        raise Aborted("interrupted by the operator")

    async def run(self) -> DrillResult:
        started = time.time()
        target = self.drill.target.node or f"a {self.drill.target.role} node"
        verdict = self.script(self.drill.name, target)
        self.log.events.append(("start", self.drill.name, target))
        base = dict(drill=self.drill.name, cluster=self.cluster.name, description="", started=started,
                    target=target, fault_kind=self.drill.fault.kind)
        try:
            self.progress.phase = "steady"  # type: ignore[assignment]
            self.on_change(self.progress)
            await self._hold()
            if verdict is Verdict.ABORTED:
                raise Aborted("steady state does not hold: scripted")
            if self.ready is not None:
                await self.ready()
            self.log.events.append(("fault", self.drill.name, target))
            self.progress.phase, self.progress.target = "fault", target  # type: ignore[assignment]
            self.on_change(self.progress)
            await self._hold()
        except Aborted as exc:
            self.progress.verdict = Verdict.ABORTED
            self.log.events.append(("end", self.drill.name, target))
            return DrillResult(verdict=Verdict.ABORTED, reason=str(exc), ended=time.time(), **base)
        self.log.events.append(("end", self.drill.name, target))
        self.progress.verdict = verdict
        passed = verdict is Verdict.PASSED
        check = Check("availability", ">= 95.0%", "99.0%" if passed else "40.0%", passed)
        return DrillResult(verdict=verdict, reason="" if passed else "availability: expected >= 95.0%, measured 40.0%",
                           ended=time.time(), checks=(check,), availability=0.99 if passed else 0.4, **base)


@dataclass
class FakeNode:
    state: NodeState = NodeState.UP
    services: dict = field(default_factory=dict)
    sample: None = None


class FakeMonitor:
    """What the scenario runner and its stop conditions read of a monitor: `health()`, the
    nodes' states and events.  `up` nodes count for the quorum (the first ones are up)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.up = len(cluster.nodes)
        self.endpoints: dict = {}
        self.listeners: list = []

    @property
    def nodes(self) -> dict[str, FakeNode]:
        return {node.name: FakeNode(NodeState.UP if i < self.up else NodeState.UNREACHABLE)
                for i, node in enumerate(self.cluster.nodes)}

    def health(self) -> ClusterHealth:
        return ClusterHealth(quorum_for(self.cluster.type, self.up, len(self.cluster.nodes)))

    def on_event(self, listener) -> None:
        self.listeners.append(listener)

    def off_event(self, listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)


def scripted_runners(cluster: Cluster, script: Script, log: DrillLog, seconds: float = 0.05):
    """A `new_drill_runner` for `ScenarioRunner`."""

    def new(drill: Drill, on_change, stop: asyncio.Event, ready) -> ScriptedDrill:
        return ScriptedDrill(cluster, drill, on_change, stop, ready, script=script, log=log, seconds=seconds)

    return new
