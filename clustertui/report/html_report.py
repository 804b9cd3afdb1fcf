"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no fetches)."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from clustertui.report.json_report import iso
from clustertui.report.recording import Recording
from clustertui.report.summary import pct, summarize
from clustertui.report.svg import Line, line_chart

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f3f3f3}.down{color:#b00020;font-weight:600}.up{color:#1b7f3b}
.node{display:inline-block;margin:0 1em 1em 0;vertical-align:top}h3{margin:.3em 0}
"""


def render(rec: Recording) -> str:
    t1 = rec.started + max(rec.duration_s, rec.interval_s)
    quorum = rec.health["quorum"]
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>clustertui report: {escape(rec.cluster)}</title><style>{STYLE}</style></head><body>",
        f"<h1>clustertui report: {escape(rec.cluster)}</h1>",
        f"<p>Started {escape(iso(rec.started))}, {rec.duration_s:.1f} s at a {rec.interval_s:g} s interval"
        + (" (interrupted)" if rec.interrupted else "")
        + f". Quorum at the end: {quorum['up']}/{quorum['total']} up, "
        + ("holds" if quorum["holds"] else "<span class='down'>LOST</span>")
        + f" (needs {quorum['needed']}).</p>",
        "<h2>Summary</h2><table><tr><th>node</th><th>host</th><th>state</th><th>samples</th>"
        "<th>CPU avg</th><th>CPU max</th><th>mem avg</th><th>mem max</th><th>services (up share)</th></tr>",
    ]
    for node in rec.nodes:
        s = summarize(node)
        css = "up" if s.state == "up" else "down"
        out.append(
            f"<tr><td>{escape(s.name)}</td><td>{escape(s.host)}</td><td class='{css}'>{escape(s.state)}</td>"
            f"<td>{s.samples}</td><td>{pct(s.cpu_avg)}</td><td>{pct(s.cpu_max)}</td><td>{pct(s.mem_avg)}</td>"
            f"<td>{pct(s.mem_max)}</td><td>{escape(s.services)}</td></tr>"
        )
    out.append("</table><h2>CPU and memory per node</h2>")
    for node in rec.nodes:
        times = [p.t for p in node.points]
        chart = line_chart(
            [
                Line("cpu", times, [p.cpu for p in node.points], "#d1495b"),
                Line("mem", times, [p.mem for p in node.points], "#00798c"),
            ],
            rec.started,
            t1,
            title=f"{node.name} ({node.host})",
            width=520,
            height=150,
        )
        out.append(f"<div class='node'>{chart}</div>")
    out.append("<h2>Events</h2>")
    if not rec.events:
        out.append("<p>No events.</p>")
    else:
        out.append("<table><tr><th>time (UTC)</th><th>event</th><th>node</th><th>detail</th></tr>")
        for e in rec.events:
            when = datetime.fromtimestamp(e.t, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
            css = "down" if e.kind.endswith(("down", "lost")) else "up" if e.kind.endswith(("up", "regained")) else ""
            out.append(
                f"<tr><td>{when}</td><td class='{css}'>{escape(str(e.kind))}</td>"
                f"<td>{escape(e.node or '')}</td><td>{escape(e.detail)}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>\n")
    return "".join(out)
