"""Drill reports: JSON, Markdown, HTML (timeline chart, fault window shaded) and JUnit XML.

The HTML shares the monitoring report's base and stylesheet (`report.html`); every format
escapes node text with its one function from `report.escape`. The JSON holds every request
the probes sent, so it is a complete record: `from_json` reads it back (the HTML can be
re-drawn from it, and the tests draw recorded lab runs).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clustertui.drills import export_managers
from clustertui.drills.measure import BUCKET, buckets
from clustertui.drills.result import Check, DrillResult, Phase, ProbeRecord, StopRecord, Verdict, detected_by
from clustertui.drills.traffic import Request
from clustertui.engine.events import Event, EventKind, EventSource
from clustertui.report.escape import md_text as md
from clustertui.report.escape import xml_text
from clustertui.report.html import render_page
from clustertui.report.svg import Line, line_chart, nice_ceiling
from clustertui.report.times import clock, iso, percent, seconds

#: Chart bucket widths to choose from: each bucket should hold a few requests at the
#: probes' rate (5 requests/s in 100 ms buckets is one point in two, and no line).
_WIDTHS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
_PER_BUCKET = 3  # requests wanted per bucket
_MAX_BUCKETS = 450  # about two pixels per bucket on a 900 px chart


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _counts(result: DrillResult) -> dict[str, Any]:
    def count(requests: list[Request] | tuple[Request, ...]) -> dict[str, int]:
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


def to_json(result: DrillResult) -> dict[str, Any]:
    return {
        "drill": result.drill,
        "cluster": result.cluster,
        "description": result.description,
        "verdict": result.verdict,
        "reason": result.reason,
        "started": iso(result.started),
        "duration_s": _round(result.ended - result.started),
        "target": result.target,
        "fault": {"kind": result.fault_kind, "id": result.fault_id, "summary": result.fault_summary,
                  "acted_t": _round(result.t_action), "applied_t": _round(result.t_fault),
                  "reverted_t": _round(result.t_revert), "clock_offset_s": _round(result.clock_offset_s, 6),
                  "clock_uncertainty_s": _round(result.clock_uncertainty_s, 6)},
        "steady_success": _round(result.steady_success, 4),
        "availability": _round(result.availability, 4),
        "time_to_detect_s": _round(result.time_to_detect_s),
        "detected_by": result.detected_by,
        "time_to_failover_s": _round(result.time_to_failover_s),
        "time_to_recover_s": _round(result.time_to_recover_s),
        "longest_outage_s": _round(result.longest_outage_s),
        "phases": [
            {"name": p.name, "start": round(p.start, 3), "end": round(p.end, 3), "duration_s": round(p.end - p.start, 3)}
            for p in result.phases
        ],
        "checks": [{"name": c.name, "expected": c.expected, "measured": c.measured, "passed": c.passed}
                   for c in result.checks],
        "events": [{"t": round(e.t, 3), "kind": str(e.kind), "node": e.node, "detail": e.detail, "source": str(e.source)}
                   for e in result.events],
        "requests": _counts(result),
        "traffic": [
            {"label": p.label, "requests": [[round(r.t, 3), r.ok, round(r.latency_ms, 2), r.error] for r in p.requests]}
            for p in result.probes
        ],
        "managers": export_managers.managers_json(result),
        "commands": result.commands,
        "stop": None if result.stop is None else {
            "condition": result.stop.condition, "t": _round(result.stop.t), "after_s": _round(result.stop.after_s),
            "observed": result.stop.observed,
        },
    }


def from_json(data: dict[str, Any]) -> DrillResult:
    """The result a JSON drill report holds (times to the millisecond). KeyError/ValueError
    when `data` is not one."""
    started = datetime.fromisoformat(data["started"]).timestamp()
    fault = data["fault"]
    manager_events, manager_reads = export_managers.managers_from_json(data.get("managers"))
    return DrillResult(
        drill=data["drill"], cluster=data["cluster"], description=data["description"],
        verdict=Verdict(data["verdict"]),
        reason=data["reason"], started=started, ended=started + data["duration_s"], target=data["target"],
        fault_kind=fault["kind"], fault_id=fault["id"], fault_summary=fault["summary"],
        t_fault=fault.get("applied_t"), t_revert=fault.get("reverted_t"), t_action=fault.get("acted_t"),
        clock_offset_s=fault.get("clock_offset_s"), clock_uncertainty_s=fault.get("clock_uncertainty_s"),
        manager_events=manager_events, manager_reads=manager_reads,
        steady_success=data["steady_success"], availability=data["availability"],
        time_to_detect_s=data["time_to_detect_s"], detected_by=data.get("detected_by"),
        time_to_failover_s=data["time_to_failover_s"],
        time_to_recover_s=data["time_to_recover_s"], longest_outage_s=data["longest_outage_s"],
        phases=tuple(Phase(p["name"], p["start"], p["end"]) for p in data["phases"]),
        checks=tuple(Check(c["name"], c["expected"], c["measured"], c["passed"]) for c in data["checks"]),
        events=tuple(Event(e["t"], EventKind(e["kind"]), e["node"], e["detail"],
                           EventSource(e.get("source", EventSource.MONITOR))) for e in data["events"]),
        probes=tuple(ProbeRecord(p["label"], tuple(Request(*r) for r in p["requests"])) for p in data.get("traffic", [])),
        commands=dict(data["commands"]),
        stop=StopRecord(**stop) if (stop := data.get("stop")) else None,
    )


def render_json(result: DrillResult) -> str:
    return json.dumps(to_json(result), indent=1) + "\n"


def render_md(result: DrillResult) -> str:
    lines = [
        f"# Drill {md(result.drill)}: {result.verdict.upper()}",
        "",
        md(result.description),
        "",
        f"- cluster: {md(result.cluster)}; started {iso(result.started)}; {result.ended - result.started:.1f} s",
        (f"- target: {md(result.target or '–')}; fault: {md(result.fault_summary or result.fault_kind)} "
         f"({md(result.fault_id or 'not applied')})"),
    ]
    if result.reason:
        lines.append(f"- why: {md(result.reason)}")
    lines += [
        "",
        "| availability | longest outage | detect | failover | recover |",
        "|---:|---:|---:|---:|---:|",
        (f"| {_availability(result)} | {seconds(result.longest_outage_s)} | {seconds(result.time_to_detect_s)}{detected_by(result)} | "
         f"{seconds(result.time_to_failover_s)} | {seconds(result.time_to_recover_s)} |"),
        "",
        "## Expectations",
        "",
    ]
    if result.checks:
        lines += ["| check | expected | measured | result |", "|---|---|---|---|"]
        lines += [f"| {md(c.name)} | {md(c.expected)} | {md(c.measured)} | {'pass' if c.passed else 'FAIL'} |"
                  for c in result.checks]
    else:
        lines.append("None were measured.")
    lines += export_managers.markdown(result, md)
    counts = _counts(result)["total"]
    lines += ["", f"Requests: {counts['sent']} sent, {counts['ok']} ok, {counts['failed']} failed.", "", "## Events", ""]
    for e in result.events:
        lines.append(f"- {clock(e.t)} {md(str(e.kind))} {md(e.node or '')} {md(e.detail)}".rstrip())
    if not result.events:
        lines.append("No events.")
    return "\n".join(lines) + "\n"


def _availability(result: DrillResult) -> str:
    return percent(None if result.availability is None else 100 * result.availability, 2)


def chart_bucket(requests: int, duration_s: float) -> float:
    """The timeline's bucket width: the finest of `_WIDTHS` that holds `_PER_BUCKET`
    requests at the run's average rate and keeps the chart under `_MAX_BUCKETS` points."""
    rate = requests / duration_s if duration_s > 0 else 0.0
    wanted = max(_PER_BUCKET / rate if rate else _WIDTHS[-1], duration_s / _MAX_BUCKETS, BUCKET)
    return next((w for w in _WIDTHS if w >= wanted - 1e-9), _WIDTHS[-1])


def _label(width: float) -> str:
    return f"{width * 1000:.0f} ms" if width < 1 else f"{width:g} s"


@dataclass(frozen=True, slots=True)
class Timeline:
    """A run's traffic as the charts draw it: one point per non-empty bucket (its middle)."""

    width: float  # bucket width, seconds
    label: str  # the width as the charts' titles say it
    requests: int
    times: list[float]
    success: list[float | None]  # percent
    latency: list[float | None]  # p50 of the successful requests, ms


def timeline(result: DrillResult, width: float | None = None) -> Timeline:
    """The drill's timeline in buckets of `width` (default: `chart_bucket`'s choice)."""
    start, end = result.started, max(result.ended, result.started + 1)
    requests = [r for p in result.probes for r in p.requests]
    width = width or chart_bucket(len(requests), end - start)
    series = [b for b in buckets(requests, start, end, width) if b.sent]  # empty buckets: no data, not a gap
    return Timeline(
        width, _label(width), len(requests),
        [min(b.start + width / 2, end) for b in series],  # a bucket's point at its middle
        [None if b.success is None else 100 * b.success for b in series],
        [b.latency_ms for b in series],
    )


def render_html(result: DrillResult) -> str:
    start, end = result.started, max(result.ended, result.started + 1)
    line = timeline(result)
    shaded = [(result.fault_start, result.t_revert)] if result.fault_start and result.t_revert else []
    label = line.label
    marks = [(x.t, f"{x.when}: {x.text}") for x in export_managers.reactions(result)
             if x.change not in export_managers.OURS]
    success = line_chart(
        [Line("success %", line.times, line.success, "#1b7f3b")],
        start, end, title=f"traffic success per {label}", width=900, height=180, shaded=shaded, marks=marks,
    )
    latency = line_chart(
        [Line("p50 latency", line.times, line.latency, "#00798c")],
        start, end, y_max=latency_ceiling(line.latency), unit=" ms",
        title=f"latency per {label} (successful requests)", width=900, height=180, shaded=shaded,
    )
    return render_page(
        "drill.html.j2", r=result, availability=_availability(result), detected_by=detected_by(result),
        charts=(success, latency), instants=export_managers.instants_lines(result),
        reads=export_managers.reads_line(result.manager_reads), reactions=export_managers.reactions(result),
        requests=line.requests, bucket_label=label,
    )


def latency_ceiling(latencies: list[float | None]) -> float:
    """The latency chart's axis top: a round number above the highest point."""
    return nice_ceiling(max((v for v in latencies if v is not None), default=1.0) * 1.1, floor=1.0)


def render_junit(result: DrillResult) -> str:
    """One test suite per drill; one test case per expectation (or one for an abort)."""
    cases = result.checks or ()
    suite = ET.Element(
        "testsuite",
        name=xml_text(f"clustertui drill {result.drill}"),
        tests=str(max(1, len(cases))),
        failures=str(sum(1 for c in cases if not c.passed)),
        errors="1" if result.verdict == Verdict.ABORTED else "0",
        time=f"{result.ended - result.started:.3f}",
        timestamp=iso(result.started),
    )
    classname = xml_text(f"{result.cluster}.{result.drill}")
    if result.verdict == Verdict.ABORTED:
        case = ET.SubElement(suite, "testcase", classname=classname, name="drill")
        reason = xml_text(result.reason)
        ET.SubElement(case, "error", message=reason, type="aborted").text = reason
    for check in cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=xml_text(check.name))
        if not check.passed:
            message = xml_text(f"expected {check.expected}, measured {check.measured}")
            ET.SubElement(case, "failure", message=message, type="expectation").text = message
    if result.verdict != Verdict.ABORTED and not cases:
        ET.SubElement(suite, "testcase", classname=classname, name="drill")
    ET.SubElement(suite, "system-out").text = xml_text(render_md(result))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {".json": render_json, ".md": render_md, ".html": render_html}
