"""One rule for "a service is up" (ServiceProbe) and "a node does its job" (NodeView), and
the words engine/judge.py puts on them."""

from __future__ import annotations

import pytest

from clustertui.config import Service
from clustertui.engine.judge import service_problems, service_signs
from clustertui.engine.snapshot import NodeView, ServiceView
from clustertui.probe.sample import ServiceProbe, Sign
from clustertui.transport.states import NodeState

NGINX = Service(name="nginx", roles=["web"], process="nginx", port=80, systemd="nginx.service")


@pytest.mark.parametrize(
    ("probe", "failed", "held"),
    [
        (ServiceProbe(2, True, "active"), (), (Sign.PROCESS, Sign.PORT, Sign.SYSTEMD)),
        (ServiceProbe(0, True, "active"), (Sign.PROCESS,), (Sign.PORT, Sign.SYSTEMD)),
        (ServiceProbe(1, False, None), (Sign.PORT,), (Sign.PROCESS,)),
        (ServiceProbe(None, None, "failed"), (Sign.SYSTEMD,), ()),
        (ServiceProbe(None, None, None), (), ()),  # nothing configured to look at
    ],
)
def test_a_service_is_up_when_every_configured_sign_holds(probe, failed, held) -> None:
    assert (probe.failed, probe.held, probe.up) == (failed, held, not failed)


def test_judge_words_the_failed_and_the_held_signs() -> None:
    assert service_problems(NGINX, ServiceProbe(0, False, "inactive"), None) == [
        "no nginx process", "port 80 not listening", "nginx.service inactive"]
    assert service_signs(NGINX, ServiceProbe(3, True, "active"), None) == [
        "3 pids", "port 80 listening", "nginx.service active"]
    assert service_problems(NGINX, ServiceProbe(1, True, "active"), None) == []


def view(state: NodeState, *ups: bool | None) -> NodeView:
    return NodeView("web1", "198.18.0.11", ("web",), {}, state, "", None, None, None,
                    tuple(ServiceView(f"s{i}", up) for i, up in enumerate(ups)), ())


@pytest.mark.parametrize(
    ("node", "healthy", "degraded", "judged"),
    [
        (view(NodeState.UP, True, True), True, False, True),
        (view(NodeState.UP), True, False, True),  # no services: up is enough
        (view(NodeState.UP, True, False), False, True, True),
        (view(NodeState.UP, True, None), False, False, False),  # not judged yet: not down either
        (view(NodeState.STALE, True), False, True, True),
        (view(NodeState.UNREACHABLE, None), False, True, False),
    ],
)
def test_node_health_rules(node: NodeView, healthy: bool, degraded: bool, judged: bool) -> None:
    assert (node.healthy, node.degraded, node.services_judged) == (healthy, degraded, judged)
