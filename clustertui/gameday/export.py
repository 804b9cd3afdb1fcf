"""Game day reports: one per run, every step's verdict on one timeline.

JSON holds every step and, for each drill a step ran, the drill's own complete JSON record
(`drills.export.to_json`); Markdown is a step table then each drill's Markdown; HTML draws
the steps as bars on one time axis above the traffic of every drill, with every fault window
shaded; JUnit XML has one test case per step (skipped steps are `<skipped/>`) and, after it,
each drill's own suite.  Node text is escaped by the one function of each format.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from clustertui.drills import export as drill_export
from clustertui.drills.measure import buckets
from clustertui.drills.result import Verdict
from clustertui.gameday.result import ScenarioResult, StepResult
from clustertui.report.escape import Markup, html, xml_text
from clustertui.report.escape import md_text as md
from clustertui.report.html import render_page
from clustertui.report.svg import Line, line_chart
from clustertui.report.times import iso, seconds

_COLOURS = {"passed": "#1b7f3b", "failed": "#b3261e", "aborted": "#b26a00", "skipped": "#9e9e9e"}


def _span(step: StepResult, t0: float) -> tuple[float | None, float | None]:
    if step.started is None or step.ended is None:
        return None, None
    return round(step.started - t0, 3), round(step.ended - step.started, 3)


def to_json_data(result: ScenarioResult) -> dict[str, Any]:
    steps = []
    for step in result.steps:
        offset, duration = _span(step, result.started)
        steps.append({
            "index": step.index, "label": step.label, "kind": step.kind, "verdict": step.shown,
            "reason": step.reason, "offset_s": offset, "duration_s": duration, "notes": list(step.notes),
            "drills": [drill_export.to_json(drill) for drill in step.drills],
        })
    return {
        "scenario": result.scenario,
        "cluster": result.cluster,
        "description": result.description,
        "verdict": result.verdict,
        "reason": result.reason,
        "started": iso(result.started),
        "duration_s": round(result.ended - result.started, 3),
        "stop_conditions": list(result.stop_conditions),
        "steps": steps,
    }


def render_json(result: ScenarioResult) -> str:
    return json.dumps(to_json_data(result), indent=1) + "\n"


def render_md(result: ScenarioResult) -> str:
    lines = [
        f"# Game day {md(result.scenario)}: {result.verdict.upper()}",
        "",
        md(result.description),
        "",
        f"- cluster: {md(result.cluster)}; started {iso(result.started)}; {result.ended - result.started:.1f} s",
        f"- stop conditions: {md(', '.join(result.stop_conditions) or 'none')}",
    ]
    if result.reason:
        lines.append(f"- why: {md(result.reason)}")
    lines += ["", "## Steps", "", "| # | step | verdict | at | took | why |", "|---:|---|---|---:|---:|---|"]
    for step in result.steps:
        offset, duration = _span(step, result.started)
        at = "–" if offset is None else f"+{offset:.1f} s"
        lines.append(f"| {step.index} | {md(step.label)} | {step.shown} | {at} | {seconds(duration)} | "
                     f"{md(step.reason)} |")
    for step in result.steps:
        if step.notes:
            lines += ["", f"Step {step.index}:", *(f"- {md(note)}" for note in step.notes)]
    for step in result.steps:
        for drill in step.drills:
            demoted = ["#" + line if line.startswith("#") else line for line in drill_export.render_md(drill).splitlines()]
            lines += ["", f"## Step {step.index}: drill {md(drill.drill)} on {md(drill.target or '–')}", "",
                      *demoted[1:]]
    return "\n".join(lines) + "\n"


def _step_bars(result: ScenarioResult, start: float, end: float, width: int = 900) -> Markup:
    """The steps as bars on the run's time axis, coloured by verdict (skipped: not drawn)."""
    left, right, row = 44, 8, 18
    ran = [s for s in result.steps if s.started is not None and s.ended is not None]
    height = row * max(1, len(ran)) + 6
    span = max(end - start, 1e-9)

    def x(t: float) -> float:
        return left + (t - start) / span * (width - left - right)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="steps">']
    for i, step in enumerate(ran):
        assert step.started is not None and step.ended is not None
        x0, x1, y = x(step.started), x(step.ended), 3 + i * row
        parts.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(1.0, x1 - x0):.1f}" height="{row - 4}" '
                     f'fill="{_COLOURS[step.shown]}"><title>{html(step.label)}: {html(step.shown)}</title></rect>')
        parts.append(f'<text x="{min(x0 + 3, width - 200):.1f}" y="{y + row - 8}" font-size="11" fill="#111">'
                     f'{step.index}. {html(step.label)} — {html(step.shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def render_html(result: ScenarioResult) -> str:
    start, end = result.started, max(result.ended, result.started + 1)
    drills = result.drills
    requests = [r for drill in drills for probe in drill.probes for r in probe.requests]
    width = drill_export.chart_bucket(len(requests), end - start)
    series = [b for b in buckets(requests, start, end, width) if b.sent]
    times = [min(b.start + width / 2, end) for b in series]
    shaded = [(d.fault_start, d.t_revert) for d in drills if d.fault_start and d.t_revert]
    shaded += [(s.started, s.ended) for s in result.steps if s.kind == "fault" and s.started and s.ended]
    success = line_chart(
        [Line("success %", times, [None if b.success is None else 100 * b.success for b in series], "#1b7f3b")],
        start, end, title="traffic success, every drill of the run", width=900, height=180, shaded=shaded,
    )
    rows = []
    for step in result.steps:
        offset, duration = _span(step, result.started)
        rows.append({"step": step, "at": "–" if offset is None else f"+{offset:.1f} s", "took": seconds(duration)})
    return render_page("gameday.html.j2", r=result, rows=rows, bars=_step_bars(result, start, end), chart=success,
                       requests=len(requests), drills=[(s, d) for s in result.steps for d in s.drills])


def render_junit(result: ScenarioResult) -> str:
    """A `testsuites` document: the game day's suite (one case per step), then each drill's."""
    root = ET.Element("testsuites", name=xml_text(f"clustertui gameday {result.scenario}"))
    suite = ET.SubElement(
        root, "testsuite", name=xml_text(f"clustertui gameday {result.scenario}"), tests=str(len(result.steps)),
        failures=str(sum(1 for s in result.steps if s.verdict is Verdict.FAILED)),
        errors=str(sum(1 for s in result.steps if s.verdict is Verdict.ABORTED)),
        skipped=str(sum(1 for s in result.steps if s.verdict is None)),
        time=f"{result.ended - result.started:.3f}", timestamp=iso(result.started),
    )
    classname = xml_text(f"{result.cluster}.{result.scenario}")
    for step in result.steps:
        duration = 0.0 if step.started is None or step.ended is None else step.ended - step.started
        case = ET.SubElement(suite, "testcase", classname=classname, name=xml_text(f"{step.index}. {step.label}"),
                             time=f"{duration:.3f}")
        reason = xml_text(step.reason)
        if step.verdict is None:
            ET.SubElement(case, "skipped", message=reason)
        elif step.verdict is Verdict.FAILED:
            ET.SubElement(case, "failure", message=reason, type="expectation").text = reason
        elif step.verdict is Verdict.ABORTED:
            ET.SubElement(case, "error", message=reason, type="aborted").text = reason
        if step.notes:
            ET.SubElement(case, "system-out").text = xml_text("\n".join(step.notes))
    for drill in result.drills:
        root.append(ET.fromstring(drill_export.render_junit(drill)))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {".json": render_json, ".md": render_md, ".html": render_html}
