"""`scenarios:` -- game days: ordered steps, each gated on the previous one's verdict.

A step is a mapping with exactly one kind key (`drill`, `fault`, `wait`, `check`, `pause`,
`parallel`, `ramp` or `scenario`); a fault step also takes its `target` and `hold` beside
it.  What a step *names* (a drill, a role, another scenario) is checked against the rest of
the file in `scenario_refs.py`, which also finds cycles and ramps past the chaos guard;
this module checks each step's own shape.  `abort_when:` takes the drills' stop conditions
(stops.py).  docs/gamedays.md documents the syntax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field, model_validator

from .frozen import Frozen
from .scalars import (
    Count,
    DrillHold,
    DrillName,
    Duration,
    EndpointName,
    RoleName,
    ScenarioName,
    ServiceName,
    fail,
)
from .stops import StopCondition

if TYPE_CHECKING:  # resolved by model.py, which imports this module at its end
    from .model import Fault, Target

STEP_KINDS = ("drill", "fault", "wait", "check", "pause", "parallel", "ramp", "scenario")
#: What a parallel group may hold: steps that run on their own, without the operator.
PARALLEL_KINDS = ("drill", "fault", "wait", "check")
DEFAULT_CHECK_WITHIN = 30.0
DEFAULT_FAULT_HOLD = 30.0


class Check(Frozen):
    """What must hold, waited for up to `within`: the whole cluster healthy (quorum, every
    service on every node, every endpoint up), named endpoints up, services on at least N
    nodes, quorum."""

    healthy: bool = False
    endpoints: list[EndpointName] = []
    services: dict[ServiceName, Count] = {}
    quorum: bool = False
    within: Duration = DEFAULT_CHECK_WITHIN

    @model_validator(mode="after")
    def _something(self) -> Check:
        if not (self.healthy or self.endpoints or self.services or self.quorum):
            raise fail("expected at least one of healthy: true, endpoints, services or quorum: true, found none")
        return self

    def describe(self) -> str:
        parts = ["the cluster healthy"] if self.healthy else []
        parts += [f"endpoint {name} up" for name in self.endpoints]
        parts += [f"{service} on {count}+ nodes" for service, count in self.services.items()]
        parts += ["quorum"] if self.quorum else []
        return ", ".join(parts) + f" (within {self.within:g}s)"


class Ramp(Frozen):
    """A drill run on `from`, then `from`+1, ... up to `to` nodes of `role` at once (one copy
    of the drill per node, in parallel); it stops at the first level that does not pass."""

    model_config = ConfigDict(populate_by_name=True)

    drill: DrillName
    role: RoleName
    from_: Count = Field(default=1, alias="from")
    to: Count
    pick: Literal["one", "random"] = "one"

    @model_validator(mode="after")
    def _ordered(self) -> Ramp:
        if self.from_ > self.to:
            raise fail(f"expected from <= to, found from {self.from_} and to {self.to}")
        return self


class Step(Frozen):
    """One step of a scenario; `name` labels it in the panel and the reports."""

    name: str | None = None
    drill: DrillName | None = None
    fault: Fault | None = None
    target: Target | None = None
    hold: DrillHold | None = None
    wait: Duration | None = None
    check: Check | None = None
    pause: str | None = None
    parallel: list[Step] | None = None
    ramp: Ramp | None = None
    scenario: ScenarioName | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        self._exactly_one(*STEP_KINDS)
        if self.fault is None:
            extra = [name for name in ("target", "hold") if getattr(self, name) is not None]
            if extra:
                raise fail(f"expected {extra[0]} only with fault, found it with {self.kind}")
        elif self.target is None:
            raise fail("expected a target for the fault (node, role or primary), found none")
        if self.parallel is not None:
            if len(self.parallel) < 2:
                raise fail(f"expected at least 2 steps in a parallel group, found {len(self.parallel)}")
            for inner in self.parallel:
                if inner.kind not in PARALLEL_KINDS:
                    raise fail(f"expected only {', '.join(PARALLEL_KINDS)} steps in a parallel group, "
                               f"found a {inner.kind} step")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in STEP_KINDS if getattr(self, kind) is not None)

    @property
    def fault_hold(self) -> float:
        return self.hold if self.hold is not None else DEFAULT_FAULT_HOLD

    def label(self) -> str:
        """The step in a few words, for the panel, the CLI and the reports."""
        if self.name:
            return self.name
        if self.drill is not None:
            return f"drill {self.drill}"
        if self.fault is not None and self.target is not None:
            target = self.target
            where = target.node or (f"a {target.role} node" if target.role else "the primary")
            what = self.fault.kind + (f" {self.fault.service}" if self.fault.service else "")
            return f"{what} on {where} for {self.fault_hold:g}s"
        if self.wait is not None:
            return f"wait {self.wait:g}s"
        if self.check is not None:
            return f"check {self.check.describe()}"
        if self.pause is not None:
            return f"pause: {self.pause}"
        if self.parallel is not None:
            return "parallel: " + " | ".join(step.label() for step in self.parallel)
        if self.ramp is not None:
            ramp = self.ramp
            return f"ramp {ramp.drill} on {ramp.from_}..{ramp.to} {ramp.role} nodes"
        return f"scenario {self.scenario}"


class ScenarioSpec(Frozen):
    description: str = ""
    steps: list[Step] = Field(min_length=1)
    #: Armed across every step: each drill judges them too (traffic ones on its own traffic),
    #: and the engine ones are watched through every other step (docs/gamedays.md).
    abort_when: list[StopCondition] = []


class Scenario(ScenarioSpec):
    """A game day: steps run in order, each only if the one before passed."""

    name: ScenarioName
