"""What the history proves: a grid of services x fault kinds, each cell the last verdict.

A cell is the newest recorded run whose fault hit that service with that kind: a drill that
kills nginx fills (nginx, kill). A node-level fault (partition, loss, a hog) names no service;
it fills the cell of every service on the role it hit, since each of them had to fail over.
Runs of services or kinds the file no longer has are left out. `start` is not a failure and
has no column; `block-port` applies only to services with a port. docs/coverage.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clustertui.config import Cluster
from clustertui.config.scalars import FaultKind
from clustertui.history import RunSummary

#: The columns: every fault kind that makes something fail.
KINDS: tuple[str, ...] = tuple(str(kind) for kind in FaultKind if kind is not FaultKind.START)


@dataclass(frozen=True, slots=True)
class Cell:
    """One service under one fault kind: its newest run (None: never drilled) and how old it is."""

    service: str
    kind: str
    applicable: bool
    run: RunSummary | None = None
    age: float | None = None
    stale: bool = False

    @property
    def verdict(self) -> str | None:
        return self.run.verdict if self.run is not None else None

    @property
    def value(self) -> float:
        """This cell's share of the resilience score: 1 passed and fresh, 0.5 passed but stale,
        0 failed, aborted or never drilled (docs/coverage.md)."""
        if self.run is None or not self.run.passed:
            return 0.0
        return 0.5 if self.stale else 1.0


@dataclass(frozen=True, slots=True)
class Coverage:
    """The grid of one cluster at one moment, and the score it gives."""

    cluster: str
    services: tuple[str, ...]
    kinds: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    stale_after: float
    now: float

    def cell(self, service: str, kind: str) -> Cell:
        return self.cells[(service, kind)]

    @property
    def applicable(self) -> list[Cell]:
        return [cell for cell in self.cells.values() if cell.applicable]

    @property
    def drilled(self) -> list[Cell]:
        return [cell for cell in self.applicable if cell.run is not None]

    @property
    def coverage(self) -> float:
        """Share of the applicable cells with any run."""
        return len(self.drilled) / len(self.applicable) if self.applicable else 0.0

    @property
    def pass_rate(self) -> float | None:
        """Share of the drilled cells whose last run passed (None: nothing drilled)."""
        drilled = self.drilled
        return sum(cell.run is not None and cell.run.passed for cell in drilled) / len(drilled) if drilled else None

    @property
    def freshness(self) -> float | None:
        """Share of the drilled cells whose last run is younger than `stale_after`."""
        drilled = self.drilled
        return sum(not cell.stale for cell in drilled) / len(drilled) if drilled else None

    @property
    def score(self) -> float:
        """The resilience score, 0 to 100: the mean of the applicable cells' values."""
        cells = self.applicable
        return 100.0 * sum(cell.value for cell in cells) / len(cells) if cells else 0.0


def coverage(cluster: Cluster, runs: Iterable[RunSummary], now: float, stale_after: float | None = None) -> Coverage:
    """The grid of `cluster` from its recorded `runs` (any order), as of `now` (epoch seconds);
    a cell is stale after `stale_after` seconds (None: the file's `coverage.stale_after`)."""
    if stale_after is None:
        stale_after = cluster.coverage.stale_after
    services = tuple(cluster.services)
    newest: dict[tuple[str, str], RunSummary] = {}
    for run in runs:
        if run.cluster != cluster.name or run.fault_kind not in KINDS:
            continue
        for service in _services_hit(cluster, run):
            key = (service, run.fault_kind)
            if key not in newest or (run.started, run.id) > (newest[key].started, newest[key].id):
                newest[key] = run
    cells: dict[tuple[str, str], Cell] = {}
    for service in services:
        for kind in KINDS:
            applicable = kind != FaultKind.BLOCK_PORT or cluster.services[service].port is not None
            last = newest.get((service, kind))
            if last is None:
                cells[(service, kind)] = Cell(service, kind, applicable)
                continue
            age = max(0.0, now - last.ended)
            cells[(service, kind)] = Cell(service, kind, applicable, last, age, age > stale_after)
    return Coverage(cluster.name, services, KINDS, cells, stale_after, now)


def _services_hit(cluster: Cluster, run: RunSummary) -> list[str]:
    if run.service is not None:
        return [run.service] if run.service in cluster.services else []
    if run.role is None:
        return []
    return [name for name, service in cluster.services.items() if run.role in service.roles]
