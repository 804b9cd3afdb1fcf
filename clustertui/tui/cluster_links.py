"""Chaos, drills and game days per cluster when the app shows several (multi_source.py).

Each cluster file keeps its own sessions: its own `ChaosSession` (its guards: chaos
enabled, allowed roles, blast radius, freeze, quorum guard; its audit records), its drills
and game days.  The app acts on one cluster at a time -- the cluster of the node(s) an
action names -- and, for what concerns every fault (the status survey, reverts by id, halt,
revert on quit), on each cluster's session in turn.  The sessions speak plain node names;
the app's rows are `cluster/node`: this module translates between the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from clustertui.chaos import ChaosSession, ChaosStatus
from clustertui.chaos.session import StatusReading
from clustertui.drills.session import DrillSession
from clustertui.gameday.session import GamedaySession
from clustertui.tui.multi_source import qualified, split


@dataclass(frozen=True, slots=True)
class ClusterLink:
    """One cluster's sessions: drills (and through them chaos) and game days."""

    drills: DrillSession
    gamedays: GamedaySession | None = None

    @property
    def name(self) -> str:
        return self.drills.cluster.name

    @property
    def chaos(self) -> ChaosSession:
        return self.drills.chaos


def cluster_of(nodes: Iterable[str]) -> set[str | None]:
    """The clusters named by qualified node names (None for plain names)."""
    return {split(node)[0] for node in nodes}


def group_by_cluster(fault_ids: Iterable[str], node_of: Mapping[str, str]) -> dict[str | None, list[str]]:
    """Fault ids by the cluster of the node that holds them (`node_of`: id -> qualified
    node); an id of no known node goes under None."""
    groups: dict[str | None, list[str]] = {}
    for fault_id in fault_ids:
        node = node_of.get(fault_id)
        groups.setdefault(split(node)[0] if node is not None else None, []).append(fault_id)
    return groups


def qualify_status(cluster: str, status: ChaosStatus) -> ChaosStatus:
    """A cluster's status with its nodes named `cluster/node`."""
    def name(node: str) -> str:
        return qualified(cluster, node)

    return dataclasses.replace(
        status,
        faults=tuple(dataclasses.replace(fault, node=name(fault.node)) for fault in status.faults),
        unreachable={name(node): why for node, why in status.unreachable.items()},
        garbled=tuple(name(node) for node in status.garbled),
        corrupt={name(node): names for node, names in status.corrupt.items()},
        frozen={name(node): mark for node, mark in status.frozen.items()},
    )


@dataclass
class StatusMerge:
    """The latest status reading of each cluster, merged into the one the fault book takes:
    faults, unreachable and frozen nodes of every cluster, under qualified names."""

    readings: dict[str, StatusReading] = field(default_factory=dict)

    def see(self, cluster: str, reading: StatusReading) -> StatusReading:
        old = self.readings.get(cluster)
        status = qualify_status(cluster, reading.status) if reading.status is not None else None
        if status is None and old is not None:  # a failed survey keeps the cluster's last details
            status = old.status
        self.readings[cluster] = StatusReading(status, reading.taken, f"{cluster}: {reading.note}" if reading.note
                                               else "")
        held = [r for r in self.readings.values() if r.status is not None]
        notes = "; ".join(r.note for r in self.readings.values() if r.note)
        if not held:
            return StatusReading(None, reading.taken, notes)
        merged = ChaosStatus(
            faults=tuple(f for r in held for f in r.status.faults),  # type: ignore[union-attr]
            unreachable={k: v for r in held for k, v in r.status.unreachable.items()},  # type: ignore[union-attr]
            reverted_elsewhere=tuple(i for r in held for i in r.status.reverted_elsewhere),  # type: ignore[union-attr]
            garbled=tuple(n for r in held for n in r.status.garbled),  # type: ignore[union-attr]
            corrupt={k: v for r in held for k, v in r.status.corrupt.items()},  # type: ignore[union-attr]
            frozen={k: v for r in held for k, v in r.status.frozen.items()},  # type: ignore[union-attr]
        )
        # The oldest survey speaks for the merge: a sample newer than it overrides its details.
        return StatusReading(merged, min(r.taken for r in held), notes)
