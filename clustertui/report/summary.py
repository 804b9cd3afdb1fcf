"""Per-node figures shared by the Markdown and HTML reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from clustertui.report.recording import NodeRecord


@dataclass(frozen=True, slots=True)
class NodeSummary:
    name: str
    host: str
    state: str
    samples: int
    cpu_avg: float | None
    cpu_max: float | None
    mem_avg: float | None
    mem_max: float | None
    disk_max: float | None
    swap_max: float | None
    psi_cpu_max: float | None
    psi_io_max: float | None
    psi_mem_max: float | None
    services: str


def _known(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and not math.isnan(v)]


def _avg(values: Sequence[float | None]) -> float | None:
    known = _known(values)
    return sum(known) / len(known) if known else None


def _max(values: Sequence[float | None]) -> float | None:
    return max(_known(values), default=None)


def summarize(node: NodeRecord) -> NodeSummary:
    p = node.points
    cpu, mem = [x.cpu for x in p], [x.mem for x in p]
    services = ", ".join(f"{name} {s.state} ({s.up_ratio:.0%})" for name, s in node.services.items())
    return NodeSummary(
        node.name, node.host, node.state, len(p), _avg(cpu), _max(cpu), _avg(mem), _max(mem),
        _max([x.disk for x in p]), _max([x.swap for x in p]),
        _max([x.psi_cpu for x in p]), _max([x.psi_io for x in p]), _max([x.psi_mem for x in p]),
        services,
    )
