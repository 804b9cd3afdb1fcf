"""`expect: managers:` -- how fast a drill expects the cluster's own managers to react.

    expect:
      managers:
        lb:    {down_within: 3s, up_within: 5s}   # haproxy: every balancer, target DOWN / UP again
        vip:   {moves_within: 4s}                 # keepalived, pacemaker: the address (resource) moves
        redis: {promotes_within: 10s}             # redis-sentinel, command, etcd: a new primary/leader is named

Each key belongs to the kinds whose view can show it (`KEYS`); the manager must exist
under `managers:` and be of such a kind: both are checked by the loader with the file and
line (`check_manager_expectations`).  Times run from the fault acting on the node, except
`up_within`, from the verified revert (docs/drills.md, "The cluster's side").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import model_validator

from .frozen import Frozen
from .managers import ManagerKind, ManagerSpec
from .scalars import Duration, fail
from .source import Loc

#: Which expectation each kind of manager can meet (a kind added later adds its keys).
KEYS: dict[str, tuple[ManagerKind, ...]] = {
    "down_within": (ManagerKind.HAPROXY,),
    "up_within": (ManagerKind.HAPROXY,),
    "moves_within": (ManagerKind.KEEPALIVED, ManagerKind.PACEMAKER),
    "promotes_within": (ManagerKind.REDIS_SENTINEL, ManagerKind.COMMAND, ManagerKind.ETCD),
}


class ManagerExpect(Frozen):
    """What one manager is expected to do during a drill, and within how long."""

    down_within: Duration | None = None
    up_within: Duration | None = None
    moves_within: Duration | None = None
    promotes_within: Duration | None = None

    def limits(self) -> dict[str, float]:
        """The keys that were given, in `KEYS` order."""
        return {key: value for key in KEYS if (value := getattr(self, key)) is not None}

    @model_validator(mode="after")
    def _something(self) -> ManagerExpect:
        if not self.limits():
            raise fail(f"expected at least one of {', '.join(KEYS)}, found none")
        return self


#: (location in the file, message) -> the loader's error naming its line.
Report = Callable[[Loc, str], Exception]


def check_manager_expectations(expected: Mapping[str, ManagerExpect], managers: Mapping[str, ManagerSpec],
                               at: Loc, error: Report) -> None:
    """Each named manager exists and each key fits its kind; raise `error(at + loc, message)`."""
    for name, expect in expected.items():
        manager = managers.get(name)
        if manager is None:
            known = ", ".join(managers) or "none"
            raise error((*at, name), f"expected a manager defined under managers: ({known}), found {name!r}")
        for key in expect.limits():
            kinds = KEYS[key]
            if manager.kind not in kinds:
                raise error((*at, name, key), f"expected {key} only for a manager of kind "
                                         f"{' or '.join(str(k) for k in kinds)}, found it for {name} of kind {manager.kind}")
