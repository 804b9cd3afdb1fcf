"""The Markdown report: a summary a human pastes into an incident or game-day doc."""

from __future__ import annotations

from clustertui.report.escape import md_text as md
from clustertui.report.recording import Recording, findings_note
from clustertui.report.summary import summarize
from clustertui.report.times import clock, iso, percent


def render(rec: Recording) -> str:
    quorum = rec.health["quorum"]
    lines = [
        f"# clustertui report: {md(rec.cluster)}",
        "",
        f"- started: {iso(rec.started)}",
        f"- duration: {rec.duration_s:.1f} s at a {rec.interval_s:g} s interval"
        + (" (interrupted)" if rec.interrupted else ""),
        (f"- cluster type: {md(rec.cluster_type)}; quorum at the end: {quorum['up']}/{quorum['total']} up, "
         f"{'holds' if quorum['holds'] else 'LOST'} (needs {quorum['needed']})"),
        "",
        "## Nodes",
        "",
        ("| node | host | state | samples | CPU avg | CPU max | mem avg | mem max | disk max | swap max "
         "| PSI max cpu / io / mem | services (up share) |"),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for node in rec.nodes:
        s = summarize(node)
        lines.append(
            f"| {md(s.name)} | {md(s.host)} | {md(s.state)} | {s.samples} | {percent(s.cpu_avg)} | "
            f"{percent(s.cpu_max)} | {percent(s.mem_avg)} | {percent(s.mem_max)} | {percent(s.disk_max)} | "
            f"{percent(s.swap_max)} | {percent(s.psi_cpu_max)} / {percent(s.psi_io_max)} / {percent(s.psi_mem_max)} | "
            f"{md(s.services)} |"
        )
    if rec.health.get("endpoints"):
        lines += ["", "## Endpoints", "", "| endpoint | at the end |", "|---|---|"]
        for name, outcome in rec.health["endpoints"].items():
            lines.append(f"| {md(name)} | {'unknown' if outcome is None else md(outcome['detail'])} |")
    lines += ["", "## Findings", "", findings_note(rec)]
    if rec.findings:
        lines += ["", "| since (UTC) | until (UTC) | finding | manager | nodes | detail |", "|---|---|---|---|---|---|"]
        for span in rec.findings:
            f = span.finding
            lines.append(f"| {clock(span.since)} | {'still holds' if span.until is None else clock(span.until)} | "
                         f"{md(str(f.kind))} | {md(f.manager)} | {md(', '.join(f.nodes))} | {md(f.detail)} |")
    if rec.managers:
        lines += ["", "## Managers at the end", "", "| manager | kind | view |", "|---|---|---|"]
        for view in rec.managers:
            lines.append(f"| {md(view.manager)} | {md(str(view.kind))} | {md(view.summary())} |")
    lines += ["", "## Events", ""]
    if not rec.events:
        lines.append("No events.")
    else:
        lines += ["| time (UTC) | event | node | detail |", "|---|---|---|---|"]
        for e in rec.events:
            lines.append(f"| {clock(e.t)} | {md(str(e.kind))} | {md(e.node or '')} | {md(e.detail)} |")
    return "\n".join(lines) + "\n"
