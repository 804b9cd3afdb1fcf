"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no fetches).

Layout and escaping are the shared base's (`html.py`, `templates/monitor.html.j2`); this
module only prepares what to show: the summary rows and three charts per node.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.report.escape import Markup
from clustertui.report.html import render_page
from clustertui.report.recording import NodeRecord, Recording, findings_note
from clustertui.report.summary import summarize
from clustertui.report.svg import Line, line_chart, nice_ceiling

#: Line colours, one per series (also the legend's).
COLORS = {"cpu": "#d1495b", "mem": "#00798c", "disk": "#8a5a00", "swap": "#6a4c93", "io": "#e07a00"}
_WIDTH, _HEIGHT = 360, 150


@dataclass(frozen=True, slots=True)
class NodeCharts:
    name: str
    host: str
    charts: tuple[Markup, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventRow:
    t: float
    kind: str
    node: str | None
    detail: str
    css: str


def _charts(node: NodeRecord, t0: float, t1: float) -> NodeCharts:
    if not node.points:
        why = f"{node.state}: {node.detail}" if node.detail else node.state
        return NodeCharts(node.name, node.host, (), (f"No samples ({why}).",))
    times = [p.t for p in node.points]

    def line(label: str, values: list[float | None]) -> Line:
        return Line(label, times, values, COLORS[label])

    p = node.points
    charts = [
        line_chart([line("cpu", [x.cpu for x in p]), line("mem", [x.mem for x in p])], t0, t1,
                   title="CPU and memory", width=_WIDTH, height=_HEIGHT),
        line_chart([line("disk", [x.disk for x in p]), line("swap", [x.swap for x in p])], t0, t1,
                   title="disk and swap in use", width=_WIDTH, height=_HEIGHT),
    ]
    notes = []
    if all(x.swap is None for x in p):
        notes.append("No swap on this node.")
    psi = [line("cpu", [x.psi_cpu for x in p]), line("io", [x.psi_io for x in p]), line("mem", [x.psi_mem for x in p])]
    known = [v for series in psi for v in series.values if v is not None]
    if known:
        top = nice_ceiling(max(known), floor=10.0)
        charts.append(line_chart(psi, t0, t1, y_max=top, title="PSI some avg10", width=_WIDTH, height=_HEIGHT))
    else:
        notes.append("No pressure stall information (/proc/pressure) on this node.")
    return NodeCharts(node.name, node.host, tuple(charts), tuple(notes))


def _css(kind: str) -> str:
    return "down" if kind.endswith(("down", "lost")) else "up" if kind.endswith(("up", "regained")) else ""


def render(rec: Recording) -> str:
    t1 = rec.started + max(rec.duration_s, rec.interval_s)
    endpoints = [(name, "unknown" if outcome is None else outcome["detail"])
                 for name, outcome in (rec.health.get("endpoints") or {}).items()]
    return render_page(
        "monitor.html.j2",
        rec=rec,
        quorum=rec.health["quorum"],
        summaries=[summarize(node) for node in rec.nodes],
        endpoints=endpoints,
        nodes=[_charts(node, rec.started, t1) for node in rec.nodes],
        findings_note=findings_note(rec),
        findings=rec.findings,
        managers=rec.managers,
        events=[EventRow(e.t, str(e.kind), e.node, e.detail, _css(str(e.kind))) for e in rec.events],
    )
