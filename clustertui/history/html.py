"""The history as self-contained HTML: the dashboard (`history -o x.html`) and the diff of
two runs (`history diff A B -o x.html`).

Both extend the reports' base template (report/templates/base.html.j2: one stylesheet
inlined, autoescape) and draw with report/svg.py, so they look like, and escape like, the
drill reports.  Trends are inline SVG: no script, no fetch.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from clustertui.drills.export import from_json, latency_ceiling, timeline
from clustertui.history.compare import Comparison
from clustertui.history.model import StoredRun
from clustertui.history.views import DrillHistory, age
from clustertui.report.escape import Markup
from clustertui.report.html import render_page
from clustertui.report.svg import Line, line_chart, nice_ceiling

COLOURS = {"detect": "#6a3d9a", "failover": "#d95f02", "recover": "#1b7f3b"}
FIRST, SECOND = "#00798c", "#d95f02"


def _dates(t0: float, t1: float) -> str:
    day = "%Y-%m-%d %H:%M"
    return f"{time.strftime(day, time.gmtime(t0))} – {time.strftime(day, time.gmtime(t1))} UTC"


def trend_charts(history: DrillHistory) -> tuple[Markup, ...]:
    """The drill's timings and availability over its runs shown, by start time."""
    runs = history.runs
    if not runs:
        return ()
    times = [r.started for r in runs]
    t0, t1 = times[0], max(times[-1], times[0] + 1)
    lines = [
        Line(label, times, [getattr(r.figures, f"time_to_{label}_s") for r in runs], colour)
        for label, colour in COLOURS.items()
    ]
    peak = max((v for line in lines for v in line.values if v is not None), default=1.0)
    timings = line_chart(lines, t0, t1, y_max=nice_ceiling(peak * 1.1, floor=1.0), unit=" s", width=900,
                         height=180, title="detect, failover and recover (s) per run", x_label=_dates(t0, t1))
    availability = line_chart(
        [Line("availability %", times, [None if r.figures.availability is None else 100 * r.figures.availability
                                        for r in runs], "#00798c")],
        t0, t1, width=900, height=150, title="availability during the fault (%) per run", x_label=_dates(t0, t1),
    )
    return timings, availability


def render_dashboard(histories: Sequence[DrillHistory], path: str) -> str:
    now = time.time()
    drills = [
        {"h": h, "charts": trend_charts(h), "age": age(now - h.latest.started) if h.latest else ""}
        for h in histories
    ]
    return render_page("history.html.j2", drills=drills, path=path,
                       cluster=histories[0].cluster if histories else "", generated=now)


def _relative(run: StoredRun) -> float:
    """When the run's fault took effect (its start if it never did): the overlay's zero."""
    fault = run.report.get("fault", {})
    applied = fault.get("applied_t")
    return float(applied) if applied is not None else run.summary.started


def overlay_charts(first: StoredRun, second: StoredRun) -> tuple[Markup, Markup]:
    """Both runs' traffic success and latency on one chart each, aligned at their faults."""
    results = [from_json(run.report) for run in (first, second)]
    width = max(timeline(result).width for result in results)  # one bucket width for both
    lines_ok, lines_latency, shaded = [], [], []
    t0, t1 = 0.0, 1.0
    for run, result, colour in zip((first, second), results, (FIRST, SECOND), strict=True):
        zero = _relative(run)
        line = timeline(result, width)
        times = [t - zero for t in line.times]
        label = f"run {run.summary.id}"
        lines_ok.append(Line(label, times, line.success, colour))
        lines_latency.append(Line(label, times, line.latency, colour))
        t0, t1 = min(t0, result.started - zero), max(t1, result.ended - zero)
        if result.fault_start and result.t_revert:
            shaded.append((result.fault_start - zero, result.t_revert - zero))
    label = timeline(results[0], width).label
    success = line_chart(lines_ok, t0, t1, width=900, height=200, shaded=shaded,
                         title=f"traffic success per {label}, seconds from each fault",
                         x_label=f"{t1 - t0:.0f} s; 0 = the fault took effect")
    peak = latency_ceiling([v for line in lines_latency for v in line.values])
    latency = line_chart(lines_latency, t0, t1, y_max=peak, unit=" ms", width=900, height=200, shaded=shaded,
                         title=f"latency per {label} (successful requests)",
                         x_label=f"{t1 - t0:.0f} s; 0 = the fault took effect")
    return success, latency


def render_diff(comparison: Comparison) -> str:
    return render_page("history_diff.html.j2", c=comparison, a=comparison.first.summary,
                       b=comparison.second.summary, charts=overlay_charts(comparison.first, comparison.second),
                       colours=(FIRST, SECOND))
