"""Inline SVG line charts: self-contained HTML reports need no JavaScript or files.

A series is drawn as connected segments, split where a value is unknown; a segment of a
single point (a sample between two gaps, a sparse drill bucket) is drawn as a dot, so that
sparse data still shows instead of vanishing as zero-length polylines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from clustertui.report.escape import Markup, html


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    times: list[float]
    values: list[float | None]
    color: str


def line_chart(
    lines: list[Line],
    t0: float,
    t1: float,
    y_max: float = 100.0,
    unit: str = "%",
    width: int = 640,
    height: int = 160,
    shaded: Sequence[tuple[float, float]] = (),
    title: str = "",
    x_label: str | None = None,
    marks: Sequence[tuple[float, str]] = (),
) -> Markup:
    """A chart of one or more lines over [t0, t1]; `shaded` spans mark e.g. a fault window;
    `marks` are instants drawn as dashed lines, their text shown on hover (e.g. a drill's
    manager reactions); `x_label` replaces the span in seconds under the x axis (e.g. a
    trend's dates)."""
    left, right, top, bottom = 44, 8, 18, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(t1 - t0, 1e-9)
    y_max = y_max if y_max > 0 else 1.0

    def x(t: float) -> float:
        return left + (t - t0) / span * plot_w

    def y(v: float) -> float:
        return top + plot_h - min(max(v, 0.0), y_max) / y_max * plot_h

    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" role="img" aria-label="{html(title)}">'),
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>',
    ]
    for start, end in shaded:
        parts.append(
            f'<rect x="{x(max(start, t0)):.1f}" y="{top}" width="{max(0.0, x(min(end, t1)) - x(max(start, t0))):.1f}" '
            f'height="{plot_h}" fill="#f4b4b4" fill-opacity="0.45"><title>fault window</title></rect>'
        )
    for t, text in marks:
        if t0 <= t <= t1:
            parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{top + plot_h}" stroke="#6a3d9a" '
                         f'stroke-dasharray="3,2" stroke-width="1.2"><title>{html(text)}</title></line>')
    for fraction in (0.0, 0.5, 1.0):
        value = y_max * fraction
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end" fill="#555">'
            f"{value:g}{html(unit)}</text>"
        )
    parts.append(f'<text x="{left}" y="12" font-size="11" fill="#222">{html(title)}</text>')
    parts.append(
        f'<text x="{left + plot_w}" y="{height - 5}" font-size="10" text-anchor="end" fill="#555">'
        f'{html(x_label) if x_label is not None else f"{span:.0f} s"}</text>'
    )
    legend_x = left + plot_w
    for line in reversed(lines):
        legend_x -= 8 + 7 * len(line.label)
        parts.append(f'<text x="{legend_x}" y="12" font-size="11" fill="{line.color}">{html(line.label)}</text>')
        for segment in _segments(line.times, line.values):
            if len(segment) == 1:
                (t, v), = segment
                parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" fill="{line.color}"/>')
                continue
            points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in segment)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{line.color}" stroke-width="1.5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_ceiling(value: float, floor: float = 1.0) -> float:
    """A round axis top at or above `value` (1, 2, 5 times a power of ten), at least `floor`."""
    value = max(value, floor)
    scale = 10.0 ** math.floor(math.log10(value))
    return next(step * scale for step in (1, 2, 5, 10) if step * scale >= value)


def _segments(times: list[float], values: list[float | None]) -> list[list[tuple[float, float]]]:
    """Split a series at unknown values so a gap shows as a gap, not as a slope."""
    segments: list[list[tuple[float, float]]] = [[]]
    for t, v in zip(times, values, strict=True):
        if v is None or math.isnan(v):
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((t, v))
    return [s for s in segments if s]
