"""Drill reports: JSON, Markdown, HTML (timeline chart, fault window shaded) and JUnit XML."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html import escape

from clustertui.drills.measure import buckets
from clustertui.drills.result import DrillResult
from clustertui.report.json_report import iso
from clustertui.report.svg import Line, line_chart


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _counts(result: DrillResult) -> dict:
    def count(requests) -> dict:
        ok = sum(1 for r in requests if r.ok)
        return {"sent": len(requests), "ok": ok, "failed": len(requests) - ok}

    every = [r for p in result.probes for r in p.requests]
    by_phase = {
        phase.name: count([r for r in every if phase.start <= r.t < phase.end]) for phase in result.phases
    }
    return {
        "total": count(every),
        "by_phase": by_phase,
        "by_probe": {p.label: count(p.requests) for p in result.probes},
    }


def to_json(result: DrillResult) -> dict:
    return {
        "drill": result.drill,
        "cluster": result.cluster,
        "description": result.description,
        "verdict": result.verdict,
        "reason": result.reason,
        "started": iso(result.started),
        "duration_s": _round(result.ended - result.started),
        "target": result.target,
        "fault": {"kind": result.fault_kind, "id": result.fault_id, "summary": result.fault_summary},
        "steady_success": _round(result.steady_success, 4),
        "availability": _round(result.availability, 4),
        "time_to_detect_s": _round(result.time_to_detect_s),
        "time_to_failover_s": _round(result.time_to_failover_s),
        "time_to_recover_s": _round(result.time_to_recover_s),
        "longest_outage_s": _round(result.longest_outage_s),
        "phases": [
            {"name": p.name, "start": round(p.start, 3), "end": round(p.end, 3), "duration_s": round(p.end - p.start, 3)}
            for p in result.phases
        ],
        "checks": [{"name": c.name, "expected": c.expected, "measured": c.measured, "passed": c.passed}
                   for c in result.checks],
        "events": [{"t": round(e.t, 3), "kind": str(e.kind), "node": e.node, "detail": e.detail} for e in result.events],
        "requests": _counts(result),
        "commands": result.commands,
    }


def render_json(result: DrillResult) -> str:
    return json.dumps(to_json(result), indent=1) + "\n"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def render_md(result: DrillResult) -> str:
    lines = [
        f"# Drill {result.drill}: {result.verdict.upper()}",
        "",
        result.description,
        "",
        f"- cluster: {result.cluster}; started {iso(result.started)}; {result.ended - result.started:.1f} s",
        f"- target: {result.target or '–'}; fault: {result.fault_summary or result.fault_kind} ({result.fault_id or 'not applied'})",
    ]
    if result.reason:
        lines.append(f"- why: {result.reason}")
    availability = "–" if result.availability is None else f"{result.availability:.2%}"
    lines += [
        "",
        "| availability | longest outage | detect | failover | recover |",
        "|---:|---:|---:|---:|---:|",
        f"| {availability} | {_seconds(result.longest_outage_s)} | {_seconds(result.time_to_detect_s)} | "
        f"{_seconds(result.time_to_failover_s)} | {_seconds(result.time_to_recover_s)} |",
        "",
        "## Expectations",
        "",
    ]
    if result.checks:
        lines += ["| check | expected | measured | result |", "|---|---|---|---|"]
        lines += [f"| {c.name} | {c.expected} | {c.measured} | {'pass' if c.passed else 'FAIL'} |" for c in result.checks]
    else:
        lines.append("None were measured.")
    counts = _counts(result)["total"]
    lines += ["", f"Requests: {counts['sent']} sent, {counts['ok']} ok, {counts['failed']} failed.", "", "## Events", ""]
    for e in result.events:
        when = datetime.fromtimestamp(e.t, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
        lines.append(f"- {when} {e.kind} {e.node or ''} {e.detail}".rstrip())
    if not result.events:
        lines.append("No events.")
    return "\n".join(lines) + "\n"


def render_html(result: DrillResult) -> str:
    start, end = result.started, max(result.ended, result.started + 1)
    requests = [r for p in result.probes for r in p.requests]
    series = buckets(requests, start, end)
    times = [b.start for b in series]
    shaded = [(result.t_fault, result.t_revert)] if result.t_fault and result.t_revert else []
    success = line_chart(
        [Line("success %", times, [None if b.success is None else 100 * b.success for b in series], "#1b7f3b")],
        start, end, title="traffic success per 100 ms", width=900, height=180, shaded=shaded,
    )
    latencies = [b.latency_ms for b in series if b.latency_ms is not None]
    top = max(latencies, default=1.0)
    latency = line_chart(
        [Line("p50 latency", times, [b.latency_ms for b in series], "#00798c")],
        start, end, y_max=float(f"{top * 1.2:.2g}"), unit=" ms", title="latency per 100 ms (successful requests)",
        width=900, height=180, shaded=shaded,
    )
    colour = {"passed": "#1b7f3b", "failed": "#b00020"}.get(result.verdict, "#8a6d00")
    rows = "".join(
        f"<tr><td>{escape(c.name)}</td><td>{escape(c.expected)}</td><td>{escape(c.measured)}</td>"
        f"<td style='color:{'#1b7f3b' if c.passed else '#b00020'}'>{'pass' if c.passed else 'FAIL'}</td></tr>"
        for c in result.checks
    )
    events = "".join(
        f"<tr><td>{datetime.fromtimestamp(e.t, tz=timezone.utc).strftime('%H:%M:%S.%f')[:-3]}</td>"
        f"<td>{escape(str(e.kind))}</td><td>{escape(e.node or '')}</td><td>{escape(e.detail)}</td></tr>"
        for e in result.events
    )
    commands = "".join(
        f"<h3>{escape(name)}</h3><pre>{escape(text)}</pre>" for name, text in result.commands.items()
    )
    availability = "–" if result.availability is None else f"{result.availability:.2%}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>drill {escape(result.drill)}: {escape(result.verdict)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}"
        "th{background:#f3f3f3}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}</style></head><body>"
        f"<h1>Drill {escape(result.drill)}: <span style='color:{colour}'>{escape(result.verdict.upper())}</span></h1>"
        f"<p>{escape(result.description)}</p>"
        f"<p>Cluster {escape(result.cluster)}, started {escape(iso(result.started))}, "
        f"{result.ended - result.started:.1f} s. Target <b>{escape(result.target or '–')}</b>: "
        f"{escape(result.fault_summary or result.fault_kind)}.</p>"
        + (f"<p><b>Why:</b> {escape(result.reason)}</p>" if result.reason else "")
        + "<table><tr><th>availability</th><th>longest outage</th><th>detect</th><th>failover</th>"
        f"<th>recover</th></tr><tr><td>{availability}</td><td>{_seconds(result.longest_outage_s)}</td>"
        f"<td>{_seconds(result.time_to_detect_s)}</td>"
        f"<td>{_seconds(result.time_to_failover_s)}</td><td>{_seconds(result.time_to_recover_s)}</td></tr></table>"
        f"<h2>Timeline</h2><p>The shaded band is the fault window.</p>{success}<br>{latency}"
        f"<h2>Expectations</h2><table><tr><th>check</th><th>expected</th><th>measured</th><th>result</th></tr>{rows}</table>"
        f"<h2>Events</h2><table><tr><th>time (UTC)</th><th>event</th><th>node</th><th>detail</th></tr>{events}</table>"
        f"<h2>Commands run</h2>{commands or '<p>None.</p>'}"
        "</body></html>\n"
    )


def render_junit(result: DrillResult) -> str:
    """One test suite per drill; one test case per expectation (or one for an abort)."""
    cases = result.checks or ()
    suite = ET.Element(
        "testsuite",
        name=f"clustertui drill {result.drill}",
        tests=str(max(1, len(cases))),
        failures=str(sum(1 for c in cases if not c.passed)),
        errors="1" if result.verdict == "aborted" else "0",
        time=f"{result.ended - result.started:.3f}",
        timestamp=datetime.fromtimestamp(result.started, tz=timezone.utc).isoformat(timespec="seconds"),
    )
    classname = f"{result.cluster}.{result.drill}"
    if result.verdict == "aborted":
        case = ET.SubElement(suite, "testcase", classname=classname, name="drill")
        ET.SubElement(case, "error", message=result.reason, type="aborted").text = result.reason
    for check in cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=check.name)
        if not check.passed:
            message = f"expected {check.expected}, measured {check.measured}"
            ET.SubElement(case, "failure", message=message, type="expectation").text = message
    if result.verdict != "aborted" and not cases:
        ET.SubElement(suite, "testcase", classname=classname, name="drill")
    ET.SubElement(suite, "system-out").text = render_md(result)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {".json": render_json, ".md": render_md, ".html": render_html}
