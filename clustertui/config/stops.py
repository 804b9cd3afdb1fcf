"""`abort_when:` stop conditions: what ends a drill (or a held fault) at once, reverting it.

A condition is one mapping with exactly one *kind* key and the modifiers that kind takes:

    abort_when:
      - {availability_below: 0.5, over: 1s}       # the run's own traffic, rolling window
      - {p99_above: 800ms, over: 2s}              # latency of the run's own traffic
      - {quorum_lost: true}
      - {node_down: other}                        # other | any | a node name
      - {service_down: redis}                     # on a node other than the fault's target
      - {endpoint_down: web-vip}                  # any | an endpoint name
      - {cpu_above: 95, node: any, over: 3s}      # also memory_above, psi_above (+ resource)
      - {command_fails: "curl -sf http://198.18.0.100/", every: 1s, timeout: 1s}

The model checks types and which modifier goes with which kind; the names a condition
refers to (nodes, services, endpoints) are checked against the cluster by `references`,
from the loader (file:line errors) and from `--abort-when` alike.  `text()` is how a
condition is named in a verdict, a report and the audit log, in the compact syntax of
`--abort-when` (config/stop_text.py), so what a report says can be pasted back.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .errors import listing
from .frozen import Frozen
from .scalars import NAME_RULE, Command, DurationRule, ServiceName, expect, fail

#: A traffic window is counted in the drill's 100 ms buckets (drills/measure.py): one at least.
MIN_WINDOW, MAX_WINDOW = 0.1, 600.0
ANY, OTHER = "any", "other"

Window = Annotated[float, DurationRule("a duration from 100ms to 10m, like 500ms, 1s or 5s", ge=MIN_WINDOW, le=MAX_WINDOW)]
#: Thresholds that can be crossed: nothing is below 0 % available, nothing above 100 %.
Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False),
                  expect("a number above 0, at most 1 (no availability is below 0)")]
Ceiling = Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False),
                    expect("a percentage from 0 to below 100 (no value is above 100)")]
Latency = Annotated[float, DurationRule("a positive duration like 250ms or 1s, at most 10m", gt=0, le=MAX_WINDOW)]
CommandTimeout = Annotated[float, DurationRule("a positive duration like 500ms or 2s, at most 30s", gt=0, le=30.0)]
NodeRef = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=253),
    expect(f"'other', 'any' or a node name ({NAME_RULE})"),
]
EndpointRef = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=253),
    expect(f"'any' or an endpoint name ({NAME_RULE})"),
]


class StopKind(StrEnum):
    """What a stop condition watches; the value is its key in the file."""

    AVAILABILITY = "availability_below"
    LATENCY = "p99_above"
    QUORUM = "quorum_lost"
    NODE_DOWN = "node_down"
    SERVICE_DOWN = "service_down"
    ENDPOINT_DOWN = "endpoint_down"
    CPU = "cpu_above"
    MEMORY = "memory_above"
    PSI = "psi_above"
    COMMAND = "command_fails"

    @property
    def needs_traffic(self) -> bool:
        """Measured on the run's own traffic (a drill's probes)."""
        return self in (StopKind.AVAILABILITY, StopKind.LATENCY)


_METRICS = (StopKind.CPU, StopKind.MEMORY, StopKind.PSI)
#: Which modifiers each kind takes; any other is an error naming the kinds that take it.
MODIFIERS: dict[str, tuple[StopKind, ...]] = {
    "over": (StopKind.AVAILABILITY, StopKind.LATENCY, *_METRICS),
    "node": _METRICS,
    "resource": (StopKind.PSI,),
    "every": (StopKind.COMMAND,),
    "timeout": (StopKind.COMMAND,),
}
DEFAULT_WINDOW = 1.0  # `over` of availability_below and p99_above
DEFAULT_EVERY, DEFAULT_TIMEOUT = 1.0, 1.0  # command_fails


class StopCondition(Frozen):
    """One stop condition (see the module's docstring and docs/drills.md, "Stop conditions")."""

    availability_below: Share | None = None
    p99_above: Latency | None = None
    quorum_lost: bool | None = None
    node_down: NodeRef | None = None
    service_down: ServiceName | None = None
    endpoint_down: EndpointRef | None = None
    cpu_above: Ceiling | None = None
    memory_above: Ceiling | None = None
    psi_above: Ceiling | None = None
    command_fails: Command | None = None
    over: Window | None = None
    node: NodeRef | None = None
    resource: Literal["cpu", "io", "memory"] | None = None
    every: Window | None = None
    timeout: CommandTimeout | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StopCondition:
        kinds = [kind for kind in StopKind if getattr(self, kind.value) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none"
            raise fail(f"expected exactly one condition ({', '.join(StopKind)}), found {found}")
        kind = kinds[0]
        for modifier, takers in MODIFIERS.items():
            if getattr(self, modifier) is not None and kind not in takers:
                raise fail(f"expected {modifier} only with {' or '.join(takers)}, found it with {kind}")
        if self.quorum_lost is False:
            raise fail("expected quorum_lost: true (or no quorum_lost condition), found false")
        if self.command_fails is not None and self.timeout is not None and self.timeout > self.every_s:
            raise fail(f"expected timeout at most every ({_seconds(self.every_s)}), found {_seconds(self.timeout)}")
        return self

    # -- what the evaluator reads -------------------------------------------------------

    @property
    def kind(self) -> StopKind:
        return next(kind for kind in StopKind if getattr(self, kind.value) is not None)

    @property
    def window_s(self) -> float:
        """availability/p99: the rolling window; metrics: how long the value must stay above."""
        if self.over is not None:
            return self.over
        return DEFAULT_WINDOW if self.kind.needs_traffic else 0.0

    @property
    def every_s(self) -> float:
        return self.every if self.every is not None else DEFAULT_EVERY

    @property
    def timeout_s(self) -> float:
        return self.timeout if self.timeout is not None else min(DEFAULT_TIMEOUT, self.every_s)

    @property
    def nodes_ref(self) -> str:
        """Which nodes a metric or node_down condition watches: `any`, `other` or a name."""
        return self.node_down or self.node or ANY

    def text(self) -> str:
        """The condition as `--abort-when` takes it: `availability_below=0.5,over=1s`."""
        kind = self.kind
        value = getattr(self, kind.value)
        parts = [kind.value if kind is StopKind.QUORUM else f"{kind.value}={_value(kind.value, value)}"]
        for modifier in MODIFIERS:
            given = getattr(self, modifier)
            if given is not None:
                parts.append(f"{modifier}={_value(modifier, given)}")
        return ",".join(parts)


_DURATIONS = {"p99_above", "over", "every", "timeout"}


def _value(field: str, value: object) -> str:
    if field in _DURATIONS and isinstance(value, float):
        return _seconds(value)
    if field == "command_fails":
        return shlex.quote(str(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _seconds(value: float) -> str:
    """A duration as written in the file: 250ms, 1s, 1.5s."""
    return f"{value * 1000:g}ms" if 0 < value < 1 else f"{value:g}s"


@dataclass(frozen=True, slots=True)
class Reference:
    """A name a condition refers to: which field, the name, and what it must name."""

    field: str
    name: str
    what: Literal["node", "service", "endpoint"]


def references(condition: StopCondition) -> list[Reference]:
    """The names a condition refers to (keywords `any`/`other` are not references)."""
    found: list[Reference] = []
    for field in ("node_down", "node"):
        value = getattr(condition, field)
        if value is not None and value not in (ANY, OTHER):
            found.append(Reference(field, value, "node"))
    if condition.service_down is not None:
        found.append(Reference("service_down", condition.service_down, "service"))
    if condition.endpoint_down is not None and condition.endpoint_down != ANY:
        found.append(Reference("endpoint_down", condition.endpoint_down, "endpoint"))
    return found


#: How each kind of reference is said in an error ("expected a node name (web1, web2), ...").
PHRASE = {"node": "'other', 'any' or a node name", "service": "a service defined under services:",
          "endpoint": "'any' or an endpoint defined under endpoints:"}


def reference_problem(condition: StopCondition, known: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
    """The first reference of `condition` to a name not in `known[what]`: (field, message)."""
    for ref in references(condition):
        if ref.name not in known[ref.what]:
            return ref.field, f"expected {PHRASE[ref.what]} ({listing(known[ref.what])}), found {ref.name!r}"
    return None
