"""Stop conditions, evaluated: from 100 ms traffic buckets and the engine's state to a breach.

Pure and synchronous, so that every condition is unit-tested on synthetic streams; the
guard (drills/stopguard.py) feeds it as a run goes:

- `on_bucket(bucket)` every 100 ms with the requests that *completed* in it (a request
  counts when its outcome is known, so a bucket never changes once fed);
- `on_engine(view)` on every engine event (node, service, endpoint, quorum) and every tick;
- `on_sample(node, t, sample)` with each node's newest sample (CPU, memory, PSI);
- `on_command(condition, outcome)` when a `command_fails` command finished.

Each returns the first `Breach` (and keeps returning it: a breach is final), or None.
Thresholds trip strictly: availability *below*, p99/CPU/memory/PSI *above*.  A traffic
window is judged only once it is full (`over` of armed time) and holds a completed request,
so a run is never stopped on its first unlucky request; an unknown state (a node still
connecting, an endpoint not yet checked) never trips anything.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from clustertui.config.stops import ANY, OTHER, StopCondition, StopKind
from clustertui.drills.measure import BUCKET
from clustertui.probe.sample import NodeSample
from clustertui.transport.netcheck import CheckOutcome
from clustertui.transport.states import NodeState


@dataclass(frozen=True, slots=True)
class TrafficBucket:
    """The requests whose outcome arrived in one 100 ms bucket ending at `end` (epoch s)."""

    end: float
    sent: int = 0
    ok: int = 0
    latencies_ms: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class EngineView:
    """What the stop conditions read of the engine, taken in one pass."""

    nodes: Mapping[str, NodeState]
    services_down: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # service -> nodes judged down
    endpoints: Mapping[str, CheckOutcome | None] = field(default_factory=dict)
    quorum_holds: bool | None = None  # None: not judged yet (a node still connecting)
    quorum_text: str = ""


@dataclass(frozen=True, slots=True)
class Breach:
    """A stop condition that held: which, when (epoch s), since when the run was armed,
    and what was measured."""

    condition: StopCondition
    t: float
    armed: float
    observed: str

    @property
    def after_s(self) -> float:
        return max(0.0, self.t - self.armed)

    def reason(self) -> str:
        """`stop condition availability_below=0.5,over=1s at +1.2 s (availability 0.30 ...)`,
        the verdict's reason in every report, the TUI and the audit log."""
        return f"stop condition {self.condition.text()} at +{self.after_s:.1f} s ({self.observed})"


_DOWN = frozenset(NodeState) - {NodeState.UP, NodeState.CONNECTING}


def _node_is_watched(ref: str, node: str, target: str | None) -> bool:
    if ref == ANY:
        return True
    if ref == OTHER:
        return node != target
    return node == ref


def p99(latencies: Sequence[float]) -> float:
    """The 99th percentile by the nearest-rank method (the largest of fewer than 100)."""
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


class StopEvaluator:
    """The stop conditions of one run, armed at `armed` (epoch s) against fault `target`."""

    def __init__(self, conditions: Sequence[StopCondition], target: str | None, armed: float) -> None:
        self.conditions = tuple(conditions)
        self.target = target
        self.armed = armed
        self.breach: Breach | None = None
        self._traffic = [c for c in self.conditions if c.kind.needs_traffic]
        self._engine = [c for c in self.conditions if c.kind in _ENGINE_KINDS]
        self._metrics = [c for c in self.conditions if c.kind in _METRIC_KINDS]
        self._buckets: deque[TrafficBucket] = deque(maxlen=max((_width(c) for c in self._traffic), default=1))
        self._fed = 0  # buckets fed since armed
        self._above_since: dict[tuple[int, str], float] = {}  # (condition index, node) -> first sample above

    @property
    def wants_engine(self) -> bool:
        return bool(self._engine)

    @property
    def wants_samples(self) -> bool:
        return bool(self._metrics)

    def _trip(self, condition: StopCondition, t: float, observed: str) -> Breach:
        if self.breach is None:
            self.breach = Breach(condition, t, self.armed, observed)
        return self.breach

    # -- traffic ---------------------------------------------------------------------------

    def on_bucket(self, bucket: TrafficBucket) -> Breach | None:
        if self.breach is not None or not self._traffic:
            return self.breach
        self._buckets.append(bucket)
        self._fed += 1
        for condition in self._traffic:
            width = _width(condition)
            if self._fed < width:
                continue  # the window is not full yet
            window = list(self._buckets)[-width:]
            sent = sum(b.sent for b in window)
            if not sent:
                continue
            if condition.availability_below is not None:
                ok = sum(b.ok for b in window)
                if ok / sent < condition.availability_below:
                    return self._trip(condition, bucket.end, f"availability {ok / sent:.2f} over the last "
                                      f"{width * BUCKET:g}s: {ok} of {sent} requests ok")
            elif condition.p99_above is not None:
                latencies = [ms for b in window for ms in b.latencies_ms]
                if latencies and (value := p99(latencies)) > condition.p99_above * 1000:
                    return self._trip(condition, bucket.end, f"p99 {value:.0f} ms over the last {width * BUCKET:g}s "
                                      f"of {len(latencies)} requests")
        return None

    # -- the engine ------------------------------------------------------------------------

    def on_engine(self, view: EngineView, t: float) -> Breach | None:
        if self.breach is not None:
            return self.breach
        for condition in self._engine:
            observed = self._engine_breach(condition, view)
            if observed is not None:
                return self._trip(condition, t, observed)
        return None

    def _engine_breach(self, condition: StopCondition, view: EngineView) -> str | None:
        kind = condition.kind
        if kind is StopKind.QUORUM:
            return (view.quorum_text or "quorum lost") if view.quorum_holds is False else None
        if kind is StopKind.NODE_DOWN:
            down = [name for name, state in view.nodes.items()
                    if state in _DOWN and _node_is_watched(condition.nodes_ref, name, self.target)]
            return f"{down[0]} is {view.nodes[down[0]]}" if down else None
        if kind is StopKind.SERVICE_DOWN:
            service = condition.service_down
            down = [node for node in view.services_down.get(service or "", ()) if node != self.target]
            return f"{service} is down on {down[0]}" if down else None
        name = condition.endpoint_down
        for endpoint, outcome in view.endpoints.items():
            if (name in (ANY, endpoint)) and outcome is not None and not outcome.ok:
                return f"endpoint {endpoint}: {outcome.describe()}"
        return None

    # -- node samples ----------------------------------------------------------------------

    def on_sample(self, node: str, sample: NodeSample) -> Breach | None:
        if self.breach is not None:
            return self.breach
        for index, condition in enumerate(self._metrics):
            if not _node_is_watched(condition.nodes_ref, node, self.target):
                continue
            value, label = _metric(condition, sample)
            key = (index, node)
            limit = _threshold(condition)
            if value is None or value <= limit:
                self._above_since.pop(key, None)
                continue
            since = self._above_since.setdefault(key, sample.t)
            if sample.t - since >= condition.window_s:
                held = f" for {sample.t - since:.1f}s" if condition.window_s else ""
                return self._trip(condition, sample.t, f"{node} {label} {value:.1f}%{held}")
        return None

    # -- commands --------------------------------------------------------------------------

    def on_command(self, condition: StopCondition, outcome: CheckOutcome, t: float) -> Breach | None:
        if self.breach is not None:
            return self.breach
        if not outcome.ok:
            return self._trip(condition, t, f"the command failed: {outcome.error or 'failed'}")
        return None


_ENGINE_KINDS = (StopKind.QUORUM, StopKind.NODE_DOWN, StopKind.SERVICE_DOWN, StopKind.ENDPOINT_DOWN)
_METRIC_KINDS = (StopKind.CPU, StopKind.MEMORY, StopKind.PSI)


def _width(condition: StopCondition) -> int:
    """A traffic window in buckets (rounded up: `over: 250ms` is three buckets)."""
    return max(1, math.ceil(condition.window_s / BUCKET - 1e-9))


def _threshold(condition: StopCondition) -> float:
    value = condition.cpu_above if condition.cpu_above is not None else \
        condition.memory_above if condition.memory_above is not None else condition.psi_above
    assert value is not None  # a metric condition has one of them (the model checks)
    return value


def _metric(condition: StopCondition, sample: NodeSample) -> tuple[float | None, str]:
    if condition.cpu_above is not None:
        return sample.cpu_percent, "CPU"
    if condition.memory_above is not None:
        return sample.mem_percent, "memory"
    if condition.resource is not None:
        values = {"cpu": sample.psi_cpu, "io": sample.psi_io, "memory": sample.psi_memory}
        return values[condition.resource], f"PSI {condition.resource}"
    worst = sample.psi_worst
    return (None, "PSI") if worst is None else (worst[1], f"PSI {worst[0]}")
