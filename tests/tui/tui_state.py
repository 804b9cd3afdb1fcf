"""Recorded cluster states for the TUI tests: JSON files <-> ClusterSnapshot and NodeSeries.

`data/lab_state.json` was recorded from the real lab by `record_lab_state.py` (a CPU hog on
web1, nginx stopped on web2).  `incident()` derives a worse day from it by hand -- db3
unreachable, lb2 stale -- because a shared lab must not be broken that way to record it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pydantic import TypeAdapter

from clustertui.engine.events import Event, EventKind
from clustertui.engine.health import ClusterHealth, quorum_for
from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries, NodeView, ServiceView
from clustertui.transport.states import NodeState

LAB_STATE = Path(__file__).parent / "data" / "lab_state.json"
LAB_HA_STATE = Path(__file__).parent / "data" / "lab_ha_state.json"  # lab-ha.yaml, healthy (`--ha`)
_SNAPSHOT = TypeAdapter(ClusterSnapshot)
_SERIES = TypeAdapter(dict[str, NodeSeries])


def dump_state(snapshot: ClusterSnapshot, series: dict[str, NodeSeries], path: Path = LAB_STATE) -> None:
    data = {
        "snapshot": _SNAPSHOT.dump_python(snapshot, mode="json"),
        "series": _SERIES.dump_python(series, mode="json"),
    }
    path.write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")


def load_state(path: Path = LAB_STATE) -> tuple[ClusterSnapshot, dict[str, NodeSeries]]:
    data = json.loads(path.read_text())
    return _SNAPSHOT.validate_python(data["snapshot"]), _SERIES.validate_python(data["series"])


def with_node(snapshot: ClusterSnapshot, name: str, **changes: object) -> ClusterSnapshot:
    """The snapshot with one node's view changed (dataclasses.replace on that node)."""
    nodes = tuple(dataclasses.replace(v, **changes) if v.name == name else v for v in snapshot.nodes)
    return dataclasses.replace(snapshot, nodes=nodes)


def service_down(view: NodeView, service: str, detail: str) -> tuple[ServiceView, ...]:
    return tuple(
        dataclasses.replace(s, up=False, detail=detail, process_count=0, listening=False, http_ms=None)
        if s.name == service else s
        for s in view.services
    )


def unknown_services(view: NodeView, why: str) -> tuple[ServiceView, ...]:
    return tuple(
        dataclasses.replace(s, up=None, detail=why, process_count=None, listening=None, http_ms=None)
        for s in view.services
    )


def incident(snapshot: ClusterSnapshot) -> ClusterSnapshot:
    """A worse moment: db3 unreachable for 14 s, lb2 stale, on top of the recording."""
    db3, lb2 = snapshot.node("db3"), snapshot.node("lb2")
    snap = with_node(snapshot, "db3", state=NodeState.UNREACHABLE, detail="connection refused",
                     sample_age=14.2, services=unknown_services(db3, "unreachable"))
    snap = with_node(snap, "lb2", state=NodeState.STALE, detail="no frame for 3 intervals", sample_age=3.4,
                     services=unknown_services(lb2, "stale"))
    up = sum(1 for v in snap.nodes if v.state is NodeState.UP)
    health = ClusterHealth(quorum_for(snap.cluster_type, up, len(snap.nodes)), snap.health.services,
                           snap.health.endpoints)
    events = (*snap.events, Event(snap.t - 14.0, EventKind.NODE_DOWN, "db3", "unreachable: connection refused"), Event(snap.t - 3.0, EventKind.NODE_DOWN, "lb2", "stale: no frame for 3 intervals"))
    return dataclasses.replace(snap, health=health, events=events)
