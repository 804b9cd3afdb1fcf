"""The cluster's reactions judged: `expect: managers:` checks, and the managers' first sign.

Pure functions over the changes a drill's managers timeline recorded (managers/changes.py),
so every rule is unit-tested without a cluster:

- `down_within` (haproxy): every balancer that routed to the target before the fault marks
  it DOWN within the limit of the fault acting; the slowest balancer is the measure.
- `up_within` (haproxy): after the verified revert, each of them routes to it again (its
  last change is `marked-up`) within the limit; one that never marked it down counts 0 s.
- `moves_within` (keepalived, pacemaker): an address (a resource) moves to a single node other than
  the target within the limit.
- `promotes_within` (redis-sentinel, command, etcd): a node other than the target is named
  primary (by a sentinel, an etcd member naming its leader, or by its own role) within the limit.

The first sign of the fault among the managers (`manager_signs`) is a change about the
target: a balancer marking it down, an address leaving it (for another node or for none),
another node promoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clustertui.config.manager_expect import ManagerExpect
from clustertui.drills.result import Check
from clustertui.managers.changes import Change, ManagerEvent


def _in(events: Sequence[ManagerEvent], manager: str, change: Change, start: float, end: float) -> list[ManagerEvent]:
    return sorted((e for e in events if e.manager == manager and e.change is change and start <= e.t <= end),
                  key=lambda e: e.t)


def _away(event: ManagerEvent, target: str) -> bool:
    """A move or a promotion that names a node other than the target."""
    return event.node is not None and event.node != target


def manager_signs(events: Sequence[ManagerEvent], target: str, since: float, until: float) -> list[tuple[float, str]]:
    """(when, by whom) of each change that shows the fault on `target`."""
    signs = []
    for e in events:
        if not since <= e.t <= until:
            continue
        if ((e.change is Change.MARKED_DOWN and e.node == target)
                or (e.change is Change.MOVED and target in e.before.split(" and ")
                    and target not in e.after.split(" and "))
                or (e.change is Change.PROMOTED and _away(e, target))):
            signs.append((e.t, e.by))
    return signs


def _seconds(value: float) -> str:
    return f"{value:.1f}s"


def _slowest(limit: float, times: dict[str, float | None]) -> tuple[str, bool]:
    """The measured text and verdict when every party must react: the slowest counts."""
    if not times:
        return "no balancer routed to the target before the fault", False
    late = [by for by, t in times.items() if t is None]
    detail = ", ".join(f"{by} {'never' if t is None else _seconds(t)}" for by, t in times.items())
    if late:
        return f"never ({detail})", False
    worst = max(t for t in times.values() if t is not None)
    return f"{_seconds(worst)} ({detail})", worst <= limit


def manager_checks(
    expected: Mapping[str, ManagerExpect], events: Sequence[ManagerEvent], routing: Mapping[str, tuple[str, ...]],
    target: str, start: float, revert: float, end: float,
) -> list[Check]:
    """One check per expectation: `managers.NAME.KEY`. `routing`: per haproxy manager, the
    balancers that routed to the target before the fault."""
    checks = []
    for name, expect in expected.items():
        for key, limit in expect.limits().items():
            measured, passed = _judge(key, limit, name, events, routing.get(name, ()), target, start, revert, end)
            checks.append(Check(f"managers.{name}.{key}", f"<= {limit:g}s", measured, passed))
    return checks


def _judge(key: str, limit: float, name: str, events: Sequence[ManagerEvent], balancers: tuple[str, ...],
           target: str, start: float, revert: float, end: float) -> tuple[str, bool]:
    if key == "down_within":
        downs = [e for e in _in(events, name, Change.MARKED_DOWN, start, revert) if e.node == target]
        return _slowest(limit, {by: next((e.t - start for e in downs if e.by == by), None) for by in balancers})
    if key == "up_within":
        times: dict[str, float | None] = {}
        for by in balancers:
            own = [e for e in events if e.manager == name and e.by == by and e.node == target and start <= e.t <= end
                   and e.change in (Change.MARKED_DOWN, Change.MARKED_UP)]
            last = max(own, key=lambda e: e.t, default=None)
            times[by] = 0.0 if last is None else None if last.change is Change.MARKED_DOWN else max(0.0, last.t - revert)
        return _slowest(limit, times)
    change = Change.MOVED if key == "moves_within" else Change.PROMOTED
    first = next((e for e in _in(events, name, change, start, revert) if _away(e, target)), None)
    if first is None:
        return "never", False
    after = first.t - start
    return f"{_seconds(after)} ({first.node}, by {first.by})", after <= limit
