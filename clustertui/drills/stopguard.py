"""`StopGuard`: a run's stop conditions, watched live from arming to disarming.

It feeds the evaluator (drills/stops.py) from the running monitor and traffic probes:
every 100 ms a bucket of the requests that completed in it, the engine's view and the
nodes' newest samples; on every engine event (node, service, endpoint, quorum) the engine's
view at once, from the monitor's own callback, so a node going down is judged the moment
the engine knows it; and each `command_fails` command on its own cadence, bounded by its
timeout.  The first breach sets `tripped`, which the run waits on beside its hold, and
calls `on_breach`: the run reverts at once (drills/runner.py, cli chaos apply --hold).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence

from clustertui.config.stops import StopCondition, StopKind
from clustertui.drills.measure import BUCKET
from clustertui.drills.stops import Breach, EngineView, StopEvaluator, TrafficBucket
from clustertui.drills.traffic import TrafficProbe, run_command
from clustertui.engine.events import Event, EventKind
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState

_IGNORED = {EventKind.FAULT_APPLIED, EventKind.FAULT_REVERTED}


def engine_view(monitor: ClusterMonitor) -> EngineView:
    """The engine's state as the stop conditions read it, in one pass over the monitor."""
    nodes = {name: status.state for name, status in monitor.nodes.items()}
    down: dict[str, list[str]] = {}
    for name, status in monitor.nodes.items():
        for service, verdict in status.services.items():
            if verdict.up is False:
                down.setdefault(service, []).append(name)
    judged = all(state is not NodeState.CONNECTING for state in nodes.values())
    quorum = monitor.health().quorum if judged else None
    return EngineView(
        nodes=nodes,
        services_down={service: tuple(names) for service, names in down.items()},
        endpoints=dict(monitor.endpoints),
        quorum_holds=None if quorum is None else quorum.holds,
        quorum_text="" if quorum is None else quorum.describe(),
    )


class StopGuard:
    """Watches `conditions` for a fault on `target`; `arm()` starts, `disarm()` ends."""

    def __init__(
        self,
        conditions: Sequence[StopCondition],
        monitor: ClusterMonitor,
        probes: Sequence[TrafficProbe] = (),
        target: str | None = None,
        on_breach: Callable[[Breach], None] | None = None,
    ) -> None:
        self.conditions = tuple(conditions)
        self.monitor = monitor
        self.probes = tuple(probes)
        self.target = target
        self.on_breach = on_breach
        self.tripped = asyncio.Event()
        self.evaluator: StopEvaluator | None = None
        self._seen = [0] * len(self.probes)
        self._samples: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def breach(self) -> Breach | None:
        return self.evaluator.breach if self.evaluator is not None else None

    def arm(self, at: float | None = None) -> None:
        """Start watching; `at` (epoch s, default now) is what `+N s` in a reason counts from.
        Requests completed before arming are not counted."""
        if self.evaluator is not None or not self.conditions:
            return
        self.evaluator = StopEvaluator(self.conditions, self.target, time.time() if at is None else at)
        self._seen = [len(probe.requests) for probe in self.probes]
        self.monitor.on_event(self._on_event)
        self._tasks.append(asyncio.create_task(self._ticks(), name="stop conditions"))
        for condition in self.conditions:
            if condition.kind is StopKind.COMMAND:
                self._tasks.append(asyncio.create_task(self._command(condition), name="stop command"))
        self._judge_engine(time.time())  # a condition that already holds trips now

    async def disarm(self) -> None:
        """Stop watching (idempotent); a breach stays readable."""
        self.monitor.off_event(self._on_event)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- feeding the evaluator --------------------------------------------------------------

    def _seen_breach(self, breach: Breach | None) -> None:
        if breach is not None and not self.tripped.is_set():
            self.tripped.set()
            if self.on_breach is not None:
                self.on_breach(breach)

    def _on_event(self, event: Event) -> None:
        if event.kind not in _IGNORED:
            self._judge_engine(event.t)

    def _judge_engine(self, now: float) -> None:
        if self.evaluator is not None and self.evaluator.wants_engine and not self.tripped.is_set():
            self._seen_breach(self.evaluator.on_engine(engine_view(self.monitor), now))

    def _bucket(self, now: float) -> TrafficBucket:
        sent = ok = 0
        latencies: list[float] = []
        for index, probe in enumerate(self.probes):
            new = probe.requests[self._seen[index]:]
            self._seen[index] += len(new)
            sent += len(new)
            ok += sum(1 for request in new if request.ok)
            latencies += [request.latency_ms for request in new]
        return TrafficBucket(now, sent, ok, tuple(latencies))

    def _judge_samples(self) -> None:
        assert self.evaluator is not None
        if not self.evaluator.wants_samples:
            return
        for name, status in self.monitor.nodes.items():
            sample = status.sample
            if sample is not None and status.state is NodeState.UP and sample.t > self._samples.get(name, 0.0):
                self._samples[name] = sample.t
                self._seen_breach(self.evaluator.on_sample(name, sample))

    async def _ticks(self) -> None:
        """Every 100 ms: the bucket that just closed, the engine, the newest samples."""
        assert self.evaluator is not None
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not self.tripped.is_set():
            next_at = max(next_at + BUCKET, loop.time())
            await asyncio.sleep(next_at - loop.time())
            now = time.time()
            self._seen_breach(self.evaluator.on_bucket(self._bucket(now)))
            self._judge_engine(now)
            self._judge_samples()

    async def _command(self, condition: StopCondition) -> None:
        """Run the condition's command every `every` (on the controller, killed at its timeout)."""
        assert self.evaluator is not None and condition.command_fails is not None
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not self.tripped.is_set():
            outcome = await run_command(condition.command_fails, condition.timeout_s)
            self._seen_breach(self.evaluator.on_command(condition, outcome, time.time()))
            next_at = max(next_at + condition.every_s, loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.tripped.wait(), next_at - loop.time())
