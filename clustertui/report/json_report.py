"""The JSON report: the schema scripts and CI depend on (see docs/reports.md)."""

from __future__ import annotations

import json
from typing import Any

from clustertui.engine.history import Point
from clustertui.report.managers_json import managers_json, span_json
from clustertui.report.recording import Recording, finite
from clustertui.report.times import iso


def sample(p: Point) -> dict[str, float | None]:
    """One sample's numbers under their report names (JSON keys and CSV columns alike)."""
    return {
        "cpu_percent": finite(p.cpu),
        "mem_percent": finite(p.mem),
        "load1": finite(p.load1),
        "rx_bps": finite(p.rx, 1),
        "tx_bps": finite(p.tx, 1),
        "disk_percent": finite(p.disk),
        "swap_percent": finite(p.swap),
        "psi_cpu": finite(p.psi_cpu),
        "psi_io": finite(p.psi_io),
        "psi_memory": finite(p.psi_mem),
    }


def to_json(rec: Recording) -> dict[str, Any]:
    return {
        "cluster": rec.cluster,
        "started": iso(rec.started),
        "duration_s": rec.duration_s,
        "interval_s": rec.interval_s,
        "interrupted": rec.interrupted,
        "nodes": [
            {
                "name": node.name,
                "host": node.host,
                "roles": list(node.roles),
                "state": node.state,
                "samples": [{"t": round(p.t, 3), **sample(p)} for p in node.points],
                "services": {
                    name: {"state": s.state, "up_ratio": s.up_ratio} for name, s in node.services.items()
                },
            }
            for node in rec.nodes
        ],
        "events": [
            {"t": round(e.t, 3), "kind": str(e.kind), "node": e.node, "detail": e.detail, "source": str(e.source)}
            for e in rec.events
        ],
        "health": rec.health,
        "managers": managers_json(rec.managers, [span.finding for span in rec.findings_at_end]),
        "findings": [span_json(span) for span in rec.findings],
    }


def render(rec: Recording) -> str:
    return json.dumps(to_json(rec), indent=1) + "\n"
