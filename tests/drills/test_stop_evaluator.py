"""Stop conditions on synthetic streams: every kind, both sides of each threshold.

The evaluator is fed as the guard feeds it during a run -- 100 ms buckets of completed
requests, engine views, node samples, command outcomes -- all made by hand here, so each
case says exactly what was seen and when.  A condition trips strictly past its threshold,
once its traffic window is full, and never on an unknown state.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from clustertui.config.stop_text import parse_stop_text
from clustertui.config.stops import StopCondition
from clustertui.drills.stops import Breach, EngineView, StopEvaluator, TrafficBucket, p99
from clustertui.engine.health import quorum_for
from clustertui.probe.sample import CpuBreakdown, NodeSample
from clustertui.transport.netcheck import CheckOutcome
from clustertui.transport.states import NodeState

ARMED = 1_000.0
NODES = ("web1", "web2", "web3")


def cond(text: str) -> StopCondition:
    (condition,) = parse_stop_text(text)
    return condition


def evaluator(text: str, target: str = "web2") -> StopEvaluator:
    return StopEvaluator([cond(text)], target, ARMED)


def feed(ev: StopEvaluator, buckets: list[tuple[int, int]], latency_ms: float = 5.0) -> Breach | None:
    """Feed (sent, ok) buckets from the arming on; the first breach, or None."""
    for i, (sent, ok) in enumerate(buckets):
        bucket = TrafficBucket(ARMED + (i + 1) * 0.1, sent, ok, (latency_ms,) * sent)
        if (breach := ev.on_bucket(bucket)) is not None:
            return breach
    return None


# -- availability_below -----------------------------------------------------------------


def test_availability_below_trips_once_the_rolling_window_is_under_the_threshold() -> None:
    ev = evaluator("availability_below=0.5,over=1s")
    # 1 s of success, then every request fails: at 2 requests per bucket, the window of ten
    # buckets goes under 50 % ok when six of its buckets are failures.
    breach = feed(ev, [(2, 2)] * 10 + [(2, 0)] * 10)
    assert breach is not None
    assert breach.t == pytest.approx(ARMED + 1.6)
    assert breach.reason() == ("stop condition availability_below=0.5,over=1s at +1.6 s "
                               "(availability 0.40 over the last 1s: 8 of 20 requests ok)")


def test_availability_exactly_at_the_threshold_does_not_trip() -> None:
    ev = evaluator("availability_below=0.5,over=1s")
    assert feed(ev, [(2, 1)] * 30) is None  # 50 % ok is not below 50 %


def test_availability_is_judged_only_on_a_full_window() -> None:
    ev = evaluator("availability_below=0.5,over=1s")
    assert feed(ev, [(2, 0)] * 9) is None  # nine buckets of failure: the window is not full yet
    assert ev.on_bucket(TrafficBucket(ARMED + 1.0, 2, 0)) is not None  # the tenth fills it


def test_a_window_without_completed_requests_is_not_judged() -> None:
    ev = evaluator("availability_below=0.9,over=500ms")
    assert feed(ev, [(0, 0)] * 30) is None  # a black-holed target: nothing completed yet
    assert feed(ev, [(3, 0)]) is not None  # the timeouts arrive


def test_over_is_counted_in_whole_buckets() -> None:
    ev = evaluator("availability_below=0.5,over=250ms")  # three buckets
    assert feed(ev, [(1, 0)] * 2) is None
    assert ev.on_bucket(TrafficBucket(ARMED + 0.3, 1, 0)) is not None


def test_over_defaults_to_one_second() -> None:
    ev = evaluator("availability_below=0.5")
    assert feed(ev, [(1, 0)] * 9) is None
    assert feed(ev, [(1, 0)]) is not None


# -- p99_above ----------------------------------------------------------------------------


def test_p99_above_trips_on_a_slow_tail() -> None:
    ev = evaluator("p99_above=200ms,over=1s")
    assert feed(ev, [(10, 10)] * 10, latency_ms=200.0) is None  # exactly 200 ms is not above
    breach = feed(ev, [(10, 10)], latency_ms=250.0)
    assert breach is not None and breach.observed == "p99 250 ms over the last 1s of 100 requests"


def test_p99_is_the_nearest_rank() -> None:
    assert p99([float(i) for i in range(1, 101)]) == 99.0
    assert p99([1.0, 2.0, 900.0]) == 900.0


def test_p99_below_the_threshold_does_not_trip() -> None:
    ev = evaluator("p99_above=1s")
    assert feed(ev, [(5, 5)] * 50, latency_ms=999.0) is None


# -- engine conditions ------------------------------------------------------------------------


def view(states: dict[str, NodeState] | None = None, down: dict[str, tuple[str, ...]] | None = None,
         endpoints: dict[str, CheckOutcome | None] | None = None) -> EngineView:
    nodes = {name: NodeState.UP for name in NODES} | (states or {})
    up = sum(1 for s in nodes.values() if s is NodeState.UP)
    quorum = quorum_for("majority", up, len(nodes))
    judged = NodeState.CONNECTING not in nodes.values()
    return EngineView(nodes, down or {}, endpoints or {}, quorum.holds if judged else None, quorum.describe())


def test_quorum_lost_trips_when_quorum_does_not_hold() -> None:
    ev = evaluator("quorum_lost")
    assert ev.on_engine(view({"web2": NodeState.UNREACHABLE}), ARMED + 1) is None  # 2 of 3 up: holds
    breach = ev.on_engine(view({"web1": NodeState.STALE, "web2": NodeState.UNREACHABLE}), ARMED + 2)
    assert breach is not None and breach.reason() == "stop condition quorum_lost at +2.0 s (1/3 up · QUORUM LOST (needs 2))"


def test_quorum_is_not_judged_while_a_node_is_connecting() -> None:
    ev = evaluator("quorum_lost")
    assert ev.on_engine(view({n: NodeState.CONNECTING for n in NODES}), ARMED) is None


@pytest.mark.parametrize(("text", "down_node", "trips"), [
    ("node_down=other", "web2", False),  # the target itself is what the fault takes down
    ("node_down=other", "web3", True),
    ("node_down=any", "web2", True),
    ("node_down=web3", "web1", False),
    ("node_down=web3", "web3", True),
])
def test_node_down_watches_the_nodes_it_names(text: str, down_node: str, trips: bool) -> None:
    ev = evaluator(text)
    breach = ev.on_engine(view({down_node: NodeState.UNREACHABLE}), ARMED + 0.5)
    assert (breach is not None) is trips
    if trips:
        assert breach is not None and breach.observed == f"{down_node} is unreachable"


def test_a_connecting_node_is_not_down() -> None:
    assert evaluator("node_down=any").on_engine(view({"web1": NodeState.CONNECTING}), ARMED) is None


def test_service_down_ignores_the_target() -> None:
    ev = evaluator("service_down=nginx")
    assert ev.on_engine(view(down={"nginx": ("web2",)}), ARMED + 1) is None
    assert ev.on_engine(view(down={"redis": ("web3",)}), ARMED + 1) is None  # another service
    breach = ev.on_engine(view(down={"nginx": ("web2", "web3")}), ARMED + 1.25)
    assert breach is not None and breach.observed == "nginx is down on web3"


@pytest.mark.parametrize(("text", "endpoints", "trips"), [
    ("endpoint_down=vip", {"vip": CheckOutcome(True, 3.0, 200)}, False),
    ("endpoint_down=vip", {"vip": None}, False),  # not checked yet: unknown
    ("endpoint_down=vip", {"vip": CheckOutcome(False, 2000.0, error="timed out")}, True),
    ("endpoint_down=vip", {"other": CheckOutcome(False, 1.0, error="refused")}, False),
    ("endpoint_down=any", {"other": CheckOutcome(False, 1.0, error="refused")}, True),
])
def test_endpoint_down(text: str, endpoints: dict, trips: bool) -> None:
    breach = evaluator(text).on_engine(view(endpoints=endpoints), ARMED)
    assert (breach is not None) is trips


# -- node samples ---------------------------------------------------------------------------


def sample(t: float, cpu: float = 10.0, mem: float = 40.0, psi: tuple[float | None, ...] = (None, None, None)) -> NodeSample:
    return NodeSample(
        t=t, uptime=1.0, cpu=CpuBreakdown(cpu, cpu, 0, 0, 0), cores=(), cpu_count=2, load1=0, load5=0, load15=0,
        mem_total=1, mem_available=1, mem_percent=mem, swap_total=0, swap_used=0, net=(), disks=(),
        psi_cpu=psi[0], psi_io=psi[1], psi_memory=psi[2], processes=1,
    )


@pytest.mark.parametrize(("text", "below", "above"), [
    ("cpu_above=90", sample(ARMED, cpu=90.0), sample(ARMED, cpu=90.5)),
    ("memory_above=80", sample(ARMED, mem=80.0), sample(ARMED, mem=81.0)),
    ("psi_above=25", sample(ARMED, psi=(25.0, 3.0, None)), sample(ARMED, psi=(1.0, 30.0, None))),
    ("psi_above=25,resource=memory", sample(ARMED, psi=(90.0, 90.0, 20.0)), sample(ARMED, psi=(0.0, 0.0, 26.0))),
])
def test_metrics_trip_strictly_above(text: str, below: NodeSample, above: NodeSample) -> None:
    assert evaluator(text).on_sample("web1", below) is None
    assert evaluator(text).on_sample("web1", above) is not None


def test_a_metric_must_stay_above_for_over() -> None:
    ev = evaluator("cpu_above=90,over=3s")
    assert ev.on_sample("web1", sample(ARMED, cpu=95)) is None
    assert ev.on_sample("web1", sample(ARMED + 2, cpu=95)) is None
    assert ev.on_sample("web1", sample(ARMED + 2.5, cpu=50)) is None  # dipped: starts again
    assert ev.on_sample("web1", sample(ARMED + 3, cpu=95)) is None
    assert ev.on_sample("web1", sample(ARMED + 5.9, cpu=95)) is None
    breach = ev.on_sample("web1", sample(ARMED + 6, cpu=96))
    assert breach is not None and breach.observed == "web1 CPU 96.0% for 3.0s"


@pytest.mark.parametrize(("node_ref", "node", "trips"), [
    ("other", "web2", False), ("other", "web1", True), ("any", "web2", True), ("web3", "web1", False),
])
def test_metric_conditions_watch_the_nodes_they_name(node_ref: str, node: str, trips: bool) -> None:
    breach = evaluator(f"cpu_above=50,node={node_ref}").on_sample(node, sample(ARMED, cpu=99))
    assert (breach is not None) is trips


def test_an_unknown_metric_never_trips() -> None:
    assert evaluator("psi_above=1").on_sample("web1", sample(ARMED)) is None  # no /proc/pressure
    unknown_cpu = replace(sample(ARMED), cpu=None)
    assert evaluator("cpu_above=1").on_sample("web1", unknown_cpu) is None


# -- command_fails ----------------------------------------------------------------------------


def test_command_fails_trips_on_a_failed_run_only() -> None:
    ev = evaluator("command_fails='curl -sf http://198.18.0.100/',every=500ms")
    condition = ev.conditions[0]
    assert ev.on_command(condition, CheckOutcome(True, 12.0), ARMED + 0.5) is None
    breach = ev.on_command(condition, CheckOutcome(False, 1000.0, error="timed out after 1s"), ARMED + 1.5)
    assert breach is not None
    assert breach.reason() == ("stop condition command_fails='curl -sf http://198.18.0.100/',every=500ms "
                               "at +1.5 s (the command failed: timed out after 1s)")


# -- together ---------------------------------------------------------------------------------


def test_the_first_breach_is_final() -> None:
    ev = StopEvaluator([cond("quorum_lost"), cond("node_down=other")], "web2", ARMED)
    first = ev.on_engine(view({"web3": NodeState.UNREACHABLE}), ARMED + 1)
    assert first is not None and first.condition.kind == "node_down"
    later = ev.on_engine(view({"web1": NodeState.STALE, "web3": NodeState.UNREACHABLE}), ARMED + 2)
    assert later is first and ev.on_bucket(TrafficBucket(ARMED + 3, 1, 0)) is first


def test_no_conditions_never_trip() -> None:
    ev = StopEvaluator([], "web2", ARMED)
    assert feed(ev, [(1, 0)] * 50) is None and ev.on_engine(view({"web1": NodeState.STALE}), ARMED) is None
