"""Per-node figures shared by the Markdown and HTML reports."""

from __future__ import annotations

import math
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
    services: str


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return None, None
    return sum(values) / len(values), max(values)


def summarize(node: NodeRecord) -> NodeSummary:
    cpu_avg, cpu_max = _stats([p.cpu for p in node.points if p.cpu is not None])
    mem_avg, mem_max = _stats([p.mem for p in node.points])
    services = ", ".join(f"{name} {s.state} ({s.up_ratio:.0%})" for name, s in node.services.items())
    return NodeSummary(node.name, node.host, node.state, len(node.points), cpu_avg, cpu_max, mem_avg, mem_max, services)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"
