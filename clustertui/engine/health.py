"""Cluster health: the quorum rule of the cluster's type, replica counts, endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clustertui.transport.netcheck import CheckOutcome


@dataclass(frozen=True, slots=True)
class Quorum:
    up: int
    total: int
    needed: int
    rule: str

    @property
    def holds(self) -> bool:
        return self.up >= self.needed

    def describe(self) -> str:
        verdict = "quorum holds" if self.holds else "QUORUM LOST"
        return f"{self.up}/{self.total} up · {verdict} (needs {self.needed})"


def quorum_for(cluster_type: str, up: int, total: int) -> Quorum:
    """majority: more than half the nodes; shared-disk: any one node holding the disk;
    single-node: the node itself."""
    if cluster_type == "majority":
        return Quorum(up, total, total // 2 + 1, "majority")
    if cluster_type == "shared-disk":
        return Quorum(up, total, min(1, total), "shared-disk")
    return Quorum(up, total, total, "single-node")


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    name: str
    up: int
    total: int

    @property
    def healthy(self) -> bool:
        return self.up == self.total


@dataclass(frozen=True, slots=True)
class ClusterHealth:
    quorum: Quorum
    services: dict[str, ServiceHealth] = field(default_factory=dict)
    endpoints: dict[str, CheckOutcome | None] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return (
            self.quorum.holds
            and all(s.healthy for s in self.services.values())
            and all(e is not None and e.ok for e in self.endpoints.values())
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "quorum": {
                "up": self.quorum.up,
                "total": self.quorum.total,
                "needed": self.quorum.needed,
                "rule": self.quorum.rule,
                "holds": self.quorum.holds,
            },
            "services": {n: {"up": s.up, "total": s.total} for n, s in self.services.items()},
            "endpoints": {
                n: None if e is None else {"ok": e.ok, "detail": e.describe(), "latency_ms": round(e.latency_ms, 2)}
                for n, e in self.endpoints.items()
            },
            "healthy": self.healthy,
        }
