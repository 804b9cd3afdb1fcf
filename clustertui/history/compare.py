"""Two recorded runs side by side (`history diff`): what changed, figure by figure.

The rows are the same for the terminal, the JSON and the HTML page; the HTML also overlays
the two runs' timelines (html.py), aligned at the moment each fault took effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clustertui.history.model import StoredRun
from clustertui.history.views import run_json
from clustertui.report.times import iso


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    first: str
    second: str
    change: str  # "" when the same; "+1.20 s", "-3.1 points", "changed"


@dataclass(frozen=True, slots=True)
class Comparison:
    first: StoredRun
    second: StoredRun
    rows: tuple[Row, ...]


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}%"


def _text_row(label: str, first: str, second: str) -> Row:
    return Row(label, first, second, "" if first == second else "changed")


def _number_row(label: str, first: float | None, second: float | None, show: Callable[[float | None], str],
                unit: str, scale: float = 1.0) -> Row:
    if first is None or second is None:
        change = "" if first == second else "changed"
    else:
        delta = (second - first) * scale
        change = "" if abs(delta) < 0.005 else f"{delta:+.2f}{unit}" if unit else f"{delta:+g}"
    return Row(label, show(first), show(second), change)


def _requests(report: dict[str, Any]) -> dict[str, int]:
    return dict(report.get("requests", {}).get("total", {}))


def compare(first: StoredRun, second: StoredRun) -> Comparison:
    a, b = first.summary, second.summary
    fa, fb = a.figures, b.figures
    ra, rb = first.report, second.report
    rows = [
        Row("run", str(a.id), str(b.id), ""),
        _text_row("drill", f"{a.cluster}/{a.name}", f"{b.cluster}/{b.name}"),
        Row("started", iso(a.started), iso(b.started), ""),
        _text_row("verdict", a.verdict, b.verdict),
        _text_row("target", a.target or "–", b.target or "–"),
        _text_row("fault", ra.get("fault", {}).get("summary") or a.fault_kind, rb.get("fault", {}).get("summary") or b.fault_kind),
        _text_row("cluster file", a.cluster_hash[:12] or "–", b.cluster_hash[:12] or "–"),
        _text_row("clustertui", a.tool_version, b.tool_version),
        _text_row("ran from", a.origin or "–", b.origin or "–"),
        _number_row("availability", fa.availability, fb.availability, _share, " points", 100.0),
        _number_row("longest outage", fa.longest_outage_s, fb.longest_outage_s, _seconds, " s"),
        _number_row("detect", fa.time_to_detect_s, fb.time_to_detect_s, _seconds, " s"),
        _number_row("failover", fa.time_to_failover_s, fb.time_to_failover_s, _seconds, " s"),
        _number_row("recover", fa.time_to_recover_s, fb.time_to_recover_s, _seconds, " s"),
    ]
    qa, qb = _requests(ra), _requests(rb)
    for key in ("sent", "failed"):
        if key in qa or key in qb:
            rows.append(_number_row(f"requests {key}", qa.get(key), qb.get(key), lambda v: "–" if v is None else str(v), ""))
    checks_a = {c["name"]: c for c in ra.get("checks", [])}
    checks_b = {c["name"]: c for c in rb.get("checks", [])}
    for name in dict.fromkeys([*checks_a, *checks_b]):
        ca, cb = checks_a.get(name), checks_b.get(name)

        def cell(check: dict[str, Any] | None) -> str:
            return "–" if check is None else f"{check['measured']} ({'pass' if check['passed'] else 'FAIL'})"

        rows.append(_text_row(f"check {name}", cell(ca), cell(cb)))
    if a.reason or b.reason:
        rows.append(_text_row("why", a.reason or "–", b.reason or "–"))
    return Comparison(first, second, tuple(rows))


def compare_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "first": run_json(comparison.first.summary),
        "second": run_json(comparison.second.summary),
        "rows": [{"label": r.label, "first": r.first, "second": r.second, "change": r.change} for r in comparison.rows],
    }
