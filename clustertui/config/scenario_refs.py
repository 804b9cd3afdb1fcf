"""What a scenario's steps name must exist, a ramp must stay within the chaos guard, and no
scenario may lead back to itself: each problem one `FILE:LINE` error at the offending value.

Stop conditions name nodes, services and endpoints as a drill's do (`stops.reference_problem`).
Called by `build.py` with its own `must` (the "expected X (known, ...), found Y" check), so
that a scenario's references read exactly like a drill's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .model import ChaosPolicy, DrillSpec, Target
from .scenario import ScenarioSpec, Step
from .source import LineMap, Loc
from .stops import reference_problem

Must = Callable[[str | None, list[str], str, Loc], None]


def check_scenarios(
    scenarios: Mapping[str, ScenarioSpec],
    drills: Mapping[str, DrillSpec],
    services: list[str],
    endpoints: list[str],
    nodes_by_role: Mapping[str, list[str]],
    node_names: list[str],
    chaos: ChaosPolicy,
    lines: LineMap,
    must: Must,
) -> None:
    """Every reference in file order, then cycles."""
    roles = list(nodes_by_role)
    known_scenarios = list(scenarios)

    def target(value: Target, at: Loc) -> None:
        must(value.node, node_names, "a node name", (*at, "node"))
        must(value.role, roles, "a role that some node has", (*at, "role"))
        if value.primary is not None:
            must(value.primary.node, node_names, "a node name", (*at, "primary", "node"))

    def step(item: Step, at: Loc) -> None:
        must(item.drill, list(drills), "a drill defined under drills:", (*at, "drill"))
        must(item.scenario, known_scenarios, "a scenario defined under scenarios:", (*at, "scenario"))
        if item.fault is not None and item.target is not None:
            must(item.fault.service, services, "a service defined under services:", (*at, "fault", "service"))
            target(item.target, (*at, "target"))
        if item.check is not None:
            for i, endpoint in enumerate(item.check.endpoints):
                must(endpoint, endpoints, "an endpoint defined under endpoints:", (*at, "check", "endpoints", i))
            for service in item.check.services:
                must(service, services, "a service defined under services:", (*at, "check", "services", service))
        if item.ramp is not None:
            ramp, here = item.ramp, (*at, "ramp")
            must(ramp.drill, list(drills), "a drill defined under drills:", (*here, "drill"))
            must(ramp.role, roles, "a role that some node has", (*here, "role"))
            have = len(nodes_by_role[ramp.role])
            if ramp.to > have:
                raise lines.error((*here, "to"), f"expected at most the {have} node(s) of role {ramp.role!r}, "
                                  f"found to: {ramp.to}")
            if ramp.to > chaos.max_faulted_nodes:
                raise lines.error((*here, "to"), f"expected at most chaos.max_faulted_nodes "
                                  f"({chaos.max_faulted_nodes}) nodes at once, found to: {ramp.to}")
        for i, inner in enumerate(item.parallel or ()):
            step(inner, (*at, "parallel", i))

    known = {"node": node_names, "service": services, "endpoint": endpoints}
    for name, scenario in scenarios.items():
        for i, item in enumerate(scenario.steps):
            step(item, ("scenarios", name, "steps", i))
        for i, condition in enumerate(scenario.abort_when):
            problem = reference_problem(condition, known)
            if problem is not None:
                raise lines.error(("scenarios", name, "abort_when", i, problem[0]), problem[1])
    _check_cycles(scenarios, lines)


def _check_cycles(scenarios: Mapping[str, ScenarioSpec], lines: LineMap) -> None:
    """A scenario that includes itself, directly or through others, would never end.
    Depth first; a scenario explored once is not walked again (a diamond stays linear)."""
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        for i, item in enumerate(scenarios[name].steps):
            if item.scenario is None or item.scenario in done:
                continue
            if item.scenario in path:
                cycle = " -> ".join([*path[path.index(item.scenario):], item.scenario])
                raise lines.error(("scenarios", name, "steps", i, "scenario"),
                                  f"expected a scenario that does not include itself, found a cycle: {cycle}")
            walk(item.scenario, [*path, item.scenario])
        done.add(name)

    for name in scenarios:
        walk(name, [name])
