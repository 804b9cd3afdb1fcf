"""ClusterMonitor: owns the node sessions, folds samples into state, emits events.

Data flows one way: sessions push samples and state changes in; the monitor keeps history,
judges services and quorum, checks endpoints, and hands out immutable views: ``snapshot()``
(the whole cluster: the TUI, drills waiting for nodes), ``view(node)`` (one node: a drill
watching its target), ``health()`` and ``series()``.  Readers never reach into sessions.
``nodes`` holds the monitor's own mutable records: only the report recorder reads them, at
the end of a recording, for what views do not carry (the whole history, up-sample counts).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from clustertui.config import Cluster, Node
from clustertui.engine.events import Event, EventKind, EventSource
from clustertui.engine.health import ClusterHealth, ServiceHealth, quorum_for
from clustertui.engine.history import NodeHistory, capacity_for
from clustertui.engine.judge import check_endpoint, check_service_url, service_problems
from clustertui.engine.managers_watch import ManagersWatch
from clustertui.engine.plan import probe_plan
from clustertui.engine.prometheus_feed import BACKFILL_SECONDS, PrometheusFeed
from clustertui.engine.snapshot import (
    SPARK_POINTS,
    ClusterSnapshot,
    NodeSeries,
    NodeView,
    ServiceView,
    sample_age,
)
from clustertui.probe.sample import HostInfo, NodeSample, ServiceProbe, WatchReport
from clustertui.transport.local import LocalSession
from clustertui.transport.netcheck import CheckOutcome
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.session import NodeSession, watch_silence
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import NodeState

MIN_INTERVAL, MAX_INTERVAL = 0.1, 60.0  # what set_interval accepts (the file's floor is 100ms too)
MAX_EVENTS = 10_000


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """A service on one node: None means unknown (the node is not reachable)."""

    up: bool | None
    detail: str = ""
    probe: ServiceProbe | None = None
    http: CheckOutcome | None = None


@dataclass
class NodeStatus:
    node: Node
    history: NodeHistory
    state: NodeState = NodeState.CONNECTING
    detail: str = ""
    info: HostInfo | None = None
    sample: NodeSample | None = None
    services: dict[str, ServiceStatus] = field(default_factory=dict)
    http: dict[str, CheckOutcome] = field(default_factory=dict)
    service_up_samples: collections.Counter[str] = field(default_factory=collections.Counter)
    samples: int = 0

    @property
    def name(self) -> str:
        return self.node.name


class ClusterMonitor:
    def __init__(
        self,
        cluster: Cluster,
        interval: float | None = None,
        history_seconds: float = 3600.0,
        local: bool = False,
        pool: ConnectionPool | None = None,
        watch: bool = True,
    ) -> None:
        self.cluster = cluster
        self.watch = watch  # the nodes' service watch (probe/watch.py); off only to compare
        self.local = local
        self.interval = interval or cluster.interval
        capacity = capacity_for(history_seconds, self.interval, len(cluster.nodes))
        self.nodes: dict[str, NodeStatus] = {
            node.name: NodeStatus(node=node, history=NodeHistory(capacity)) for node in cluster.nodes
        }
        # Which services run where never changes: computed once, read on every sample and tick.
        self._services_on = {node.name: tuple(cluster.services_on(node)) for node in cluster.nodes}
        self._hosts_of = {
            name: tuple(node for node, services in self._services_on.items() if any(s.name == name for s in services))
            for name in cluster.services
        }
        self.endpoints: dict[str, CheckOutcome | None] = dict.fromkeys(cluster.endpoints)
        self.events: collections.deque[Event] = collections.deque(maxlen=MAX_EVENTS)
        self.started_at = time.time()
        self._event_listeners: list[Callable[[Event], None]] = []
        self._sample_listeners: list[Callable[[str, NodeSample], None]] = []
        # Every SSH connection goes through the pool; chaos in the same process shares it.
        self.pool = pool or ConnectionPool()
        self._owns_pool = pool is None
        self._sessions: dict[str, NodeSession | LocalSession] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._quorum_held: bool | None = None
        # Nodes per state, kept by node_state: quorum is judged on every state change, and
        # counting the nodes each time cost O(N) per change, O(N^2) to connect a fleet.
        self._in_state: collections.Counter[NodeState] = collections.Counter({NodeState.CONNECTING: len(self.nodes)})
        self.managers = ManagersWatch(self)  # the cluster's own view (`managers:`), read in tasks of its own
        # `source: {prometheus: URL}`: node figures from Prometheus, laid over the frames.
        source = cluster.metrics_source
        self.feed = PrometheusFeed(cluster, source) if source is not None and not local else None

    # -- listeners -----------------------------------------------------------------------

    def on_event(self, listener: Callable[[Event], None]) -> None:
        self._event_listeners.append(listener)

    def off_event(self, listener: Callable[[Event], None]) -> None:
        """Stop telling `listener`; a drill in a long TUI session listens only while it runs."""
        if listener in self._event_listeners:
            self._event_listeners.remove(listener)

    def on_sample(self, listener: Callable[[str, NodeSample], None]) -> None:
        self._sample_listeners.append(listener)

    def emit(self, kind: EventKind, node: str | None, detail: str, source: EventSource = EventSource.MONITOR) -> Event:
        event = Event(time.time(), kind, node, detail, source)
        self.events.append(event)
        for listener in self._event_listeners:
            listener(event)
        return event

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self.started_at = time.time()
        for node in self.cluster.nodes:
            if self.local:
                local = LocalSession(node.name, self.interval, self)
                self._sessions[node.name] = local
                self._tasks.append(asyncio.create_task(local.run(), name=f"local {node.name}"))
                continue
            session = NodeSession(
                target=SSHTarget.from_node(node),
                plan=probe_plan(self.cluster, node, self.watch),
                interval=self.interval,
                sink=self,
                pool=self.pool,
            )
            self._sessions[node.name] = session
            self._tasks.append(asyncio.create_task(session.run(), name=f"session {node.name}"))
        ssh_sessions = [s for s in self._sessions.values() if isinstance(s, NodeSession)]
        self._tasks.append(asyncio.create_task(watch_silence(ssh_sessions), name="silence"))
        self._tasks.append(asyncio.create_task(self._check_loop(), name="checks"))
        if not self.local:
            self._tasks += self.managers.tasks()
        if self.feed is not None:
            self._tasks.append(asyncio.create_task(self.feed.run(lambda: self.interval), name="prometheus"))
            self._tasks.append(asyncio.create_task(self._backfill(self.feed), name="prometheus history"))

    async def _backfill(self, feed: PrometheusFeed) -> None:
        """The charts' recent past from Prometheus (its own task: frames never wait for it)."""
        for name, points in (await feed.history(BACKFILL_SECONDS, self.interval)).items():
            self.nodes[name].history.backfill(points)

    async def stop(self) -> None:
        for session in self._sessions.values():
            await session.stop()
        # Cancelled again while any is left: a cancellation that meets an inner timeout
        # expiring at the same moment can be lost (asyncio before 3.12), and a loop that lost
        # it would run on while stop() waited for it forever.
        pending = set(self._tasks)
        while pending:
            for task in pending:
                task.cancel()
            done, pending = await asyncio.wait(pending, timeout=1.0)
            for task in done:  # retrieved, as gather(return_exceptions=True) did: never logged
                if not task.cancelled():
                    task.exception()
        self._tasks.clear()
        if self._owns_pool:
            self.pool.close()

    async def settled(self, timeout: float, stop: asyncio.Event | None = None) -> bool:
        """Wait (at most `timeout`, or until `stop` is set) until no node is still connecting
        and every node that is up has its services judged: the state a drill's steady state
        and a held fault's stop conditions start from.  True when that was reached."""
        deadline = time.monotonic() + timeout
        while not (stop is not None and stop.is_set()):
            views = [self._node_view(status, time.time()) for status in self.nodes.values()]
            if all(v.state is not NodeState.CONNECTING and (v.state is not NodeState.UP or v.services_judged)
                   for v in views):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.1)
        return False

    def session(self, node: str) -> NodeSession | LocalSession:
        return self._sessions[node]

    def retry(self, node: str) -> None:
        """Reconnect now; the only way out of a host-key alert."""
        self._sessions[node].retry()

    def set_interval(self, seconds: float) -> float:
        """Sample every `seconds` from now on (bounded to 100ms..60s); returns the interval
        in effect.  Each node's probe starts again on its open connection with the new
        interval (a new channel, not a new login; see NodeSession.set_interval for how the
        old one hands over); staleness, the checks and the history's time window follow at
        once.  The history keeps its number of samples, so a shorter interval spans less
        time."""
        seconds = min(MAX_INTERVAL, max(MIN_INTERVAL, float(seconds)))
        if seconds != self.interval:
            self.interval = seconds
            for session in self._sessions.values():
                session.set_interval(seconds)
        return self.interval

    # -- SessionSink ---------------------------------------------------------------------

    def node_state(self, node: str, state: NodeState, detail: str) -> None:
        status = self.nodes[node]
        was_up = status.state is NodeState.UP
        self._in_state[status.state] -= 1
        self._in_state[state] += 1
        status.state, status.detail = state, detail
        if state is NodeState.UP and node in self._sessions:
            # The probe's header (hostname, kernel) arrives with the frame that brings a
            # node up: read it once here, not on every sample.
            status.info = self._sessions[node].info
        if state is NodeState.UP and not was_up:
            self.emit(EventKind.NODE_UP, node, "up")
        elif was_up and state is not NodeState.UP:
            self.emit(EventKind.NODE_DOWN, node, f"{state}: {detail}" if detail else str(state))
        if state is not NodeState.UP:
            status.services = {name: ServiceStatus(None, str(state)) for name in status.services}
        self._update_quorum()

    def node_sample(self, node: str, sample: NodeSample) -> None:
        status = self.nodes[node]
        if self.feed is not None:
            sample = self.feed.overlay(node, sample, self.interval)
            if (change := self.feed.change(node, sample)) is not None:
                self.emit(EventKind.METRICS, node, change)
        self._fault_events(status, status.sample, sample)
        status.sample = sample
        status.samples += 1
        status.history.append(sample)
        self._judge_services(status)
        for listener in self._sample_listeners:
            listener(node, sample)

    def node_watch(self, node: str, report: WatchReport) -> None:
        """A node's service watch saw a watched process end: judge its services again now,
        with the signs the event carries; the history stays the frames', and the next frame
        confirms the verdict (or reports the service back)."""
        self._judge_services(self.nodes[node], report)

    # -- judging -------------------------------------------------------------------------

    def _fault_events(self, status: NodeStatus, before: NodeSample | None, after: NodeSample) -> None:
        """Faults appear and vanish in the node's own ledger, whoever applied or reverted
        them (this process, another operator, or the node's dead-man timer)."""
        if before is None or before.faults == after.faults:  # almost always: no change
            return
        old, new = set(before.faults), set(after.faults)
        for fault in sorted(new - old):
            self.emit(EventKind.FAULT_APPLIED, status.name, fault)
        for fault in sorted(old - new):
            self.emit(EventKind.FAULT_REVERTED, status.name, fault)

    def _judge_services(self, status: NodeStatus, watch: WatchReport | None = None) -> None:
        """Judge from the last frame, or with `watch`, from the last verdict's signs with the
        watch event's on top (it counts no sample)."""
        sample = status.sample
        if sample is None or status.state is not NodeState.UP:
            return
        source = EventSource.MONITOR if watch is None else EventSource.WATCH
        for service in self._services_on[status.name]:
            previous = status.services.get(service.name)
            probe = sample.services.get(service.name)
            if watch is not None:
                if previous is None or previous.probe is None:
                    continue
                probe = previous.probe.watched(watch, service.process, service.port)
            http = status.http.get(service.name)
            problems = service_problems(service, probe, http)
            up = not problems
            status.services[service.name] = ServiceStatus(up, "; ".join(problems), probe, http)
            if up and watch is None:
                status.service_up_samples[service.name] += 1
            if previous is not None and previous.up is not None and previous.up != up:
                kind = EventKind.SERVICE_UP if up else EventKind.SERVICE_DOWN
                self.emit(kind, status.name, f"{service.name}: {'up' if up else '; '.join(problems)}", source)

    def _update_quorum(self) -> None:
        quorum = quorum_for(self.cluster.type, self._in_state[NodeState.UP], len(self.nodes))
        if self._quorum_held is None:
            if not self._in_state[NodeState.CONNECTING]:
                self._quorum_held = quorum.holds
            return
        if quorum.holds != self._quorum_held:
            self._quorum_held = quorum.holds
            kind = EventKind.QUORUM_REGAINED if quorum.holds else EventKind.QUORUM_LOST
            self.emit(kind, None, quorum.describe())

    def health(self) -> ClusterHealth:
        up = self._in_state[NodeState.UP]
        services: dict[str, ServiceHealth] = {}
        for name, hosts in self._hosts_of.items():
            running = sum(1 for node in hosts if (judged := self.nodes[node].services.get(name)) and judged.up)
            services[name] = ServiceHealth(name, running, len(hosts))
        return ClusterHealth(
            quorum=quorum_for(self.cluster.type, up, len(self.nodes)),
            services=services,
            endpoints=dict(self.endpoints),
        )

    # -- views ---------------------------------------------------------------------------

    def snapshot(self, max_events: int = 200) -> ClusterSnapshot:
        now = time.time()
        roles = self.managers.roles()
        nodes = tuple(self._node_view(status, now, roles.get(status.name, ())) for status in self.nodes.values())
        faults = sum(len(view.faults) for view in nodes)
        return ClusterSnapshot(
            t=now,
            interval=self.interval,
            name=self.cluster.name,
            cluster_type=self.cluster.type,
            health=self.health(),
            nodes=nodes,
            events=tuple(self.events)[-max_events:],
            active_faults=faults,
            endpoint_targets={n: e.target for n, e in self.cluster.endpoints.items()},
            thresholds=self.cluster.thresholds,
            managers=tuple(self.managers.views.values()),
            findings=self.managers.findings,
        )

    def view(self, node: str) -> NodeView:
        """One node's immutable view (cheaper than a snapshot, for a reader that polls one)."""
        return self._node_view(self.nodes[node], time.time())

    def _node_view(self, status: NodeStatus, now: float, manager_roles: tuple[str, ...] = ()) -> NodeView:
        sample = status.sample
        services = []
        for service in self._services_on[status.name]:
            judged = status.services.get(service.name, ServiceStatus(None, "no sample yet"))
            probe = judged.probe
            services.append(
                ServiceView(
                    name=service.name,
                    up=judged.up,
                    detail=judged.detail,
                    process_count=probe.process_count if probe else None,
                    port=service.port,
                    listening=probe.listening if probe else None,
                    systemd=probe.systemd if probe else None,
                    http_ms=judged.http.latency_ms if judged.http and judged.http.ok else None,
                )
            )
        return NodeView(
            name=status.name,
            host=status.node.host,
            roles=tuple(status.node.roles),
            labels=dict(status.node.labels),
            state=status.state,
            detail=status.detail,
            info=status.info,
            sample=sample,
            sample_age=sample_age(sample, now),
            services=tuple(services),
            cpu_spark=tuple(status.history.series("cpu", last=SPARK_POINTS)),
            faults=sample.faults if sample is not None and status.state is NodeState.UP else (),
            manager_roles=manager_roles,
        )

    def series(self, node: str, seconds: float = 300.0) -> NodeSeries:
        history = self.nodes[node].history
        last = history.count_since(time.time() - seconds)  # by time: the interval may have changed
        times = history.times(last)
        return NodeSeries(
            times=tuple(times),
            cpu=tuple(history.series("cpu", last=last)),
            mem=tuple(history.series("mem", last=last)),
            rx=tuple(history.series("rx", last=last)),
            tx=tuple(history.series("tx", last=last)),
        )

    # -- controller-side checks ----------------------------------------------------------

    async def _check_loop(self) -> None:
        """Endpoint and service-HTTP checks, one round per interval, never overlapping."""
        while True:
            started = time.monotonic()
            await asyncio.gather(self._check_endpoints(), self._check_service_urls())
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def _check_endpoints(self) -> None:
        names = list(self.cluster.endpoints)
        timeout = max(0.5, self.interval)
        outcomes = await asyncio.gather(*(check_endpoint(self.cluster.endpoints[n], timeout) for n in names))
        for name, outcome in zip(names, outcomes, strict=True):
            previous = self.endpoints[name]
            self.endpoints[name] = outcome
            if previous is not None and previous.ok != outcome.ok:
                kind = EventKind.ENDPOINT_UP if outcome.ok else EventKind.ENDPOINT_DOWN
                self.emit(kind, None, f"{name}: {outcome.describe()}")

    async def _check_service_urls(self) -> None:
        jobs = []
        for status in self.nodes.values():
            if status.state is not NodeState.UP:
                continue
            for service in self._services_on[status.name]:
                if service.http:
                    check = check_service_url(service, status.node.host, max(0.5, self.interval))
                    jobs.append((status, service.name, check))
        outcomes = await asyncio.gather(*(job for _, _, job in jobs))
        for (status, name, _), outcome in zip(jobs, outcomes, strict=True):
            if outcome is not None:  # None only for a service without a URL, which has no job
                status.http[name] = outcome
