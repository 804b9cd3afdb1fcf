"""The Markdown report: a summary a human pastes into an incident or game-day doc."""

from __future__ import annotations

from datetime import datetime, timezone

from clustertui.report.json_report import iso
from clustertui.report.recording import Recording
from clustertui.report.summary import pct, summarize


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rec: Recording) -> str:
    quorum = rec.health["quorum"]
    lines = [
        f"# clustertui report: {rec.cluster}",
        "",
        f"- started: {iso(rec.started)}",
        f"- duration: {rec.duration_s:.1f} s at a {rec.interval_s:g} s interval"
        + (" (interrupted)" if rec.interrupted else ""),
        f"- cluster type: {rec.cluster_type}; quorum at the end: {quorum['up']}/{quorum['total']} up, "
        f"{'holds' if quorum['holds'] else 'LOST'} (needs {quorum['needed']})",
        "",
        "## Nodes",
        "",
        "| node | host | state | samples | CPU avg | CPU max | mem avg | mem max | services (up share) |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for node in rec.nodes:
        s = summarize(node)
        lines.append(
            f"| {s.name} | {s.host} | {s.state} | {s.samples} | {pct(s.cpu_avg)} | {pct(s.cpu_max)} | "
            f"{pct(s.mem_avg)} | {pct(s.mem_max)} | {_escape(s.services)} |"
        )
    if rec.health.get("endpoints"):
        lines += ["", "## Endpoints", "", "| endpoint | at the end |", "|---|---|"]
        for name, outcome in rec.health["endpoints"].items():
            lines.append(f"| {name} | {'unknown' if outcome is None else _escape(outcome['detail'])} |")
    lines += ["", "## Events", ""]
    if not rec.events:
        lines.append("No events.")
    else:
        lines += ["| time (UTC) | event | node | detail |", "|---|---|---|---|"]
        for e in rec.events:
            when = datetime.fromtimestamp(e.t, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]
            lines.append(f"| {when} | {e.kind} | {e.node or ''} | {_escape(e.detail)} |")
    return "\n".join(lines) + "\n"
