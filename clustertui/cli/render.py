"""Human and machine renderings of command results (rich tables, JSON-ready dicts).

Node text is data: table cells are `rich.text.Text` built by `report.escape.terminal`
(never markup strings); plain lines go through `cli.output.echo`. JSON output needs neither: `json.dumps` escapes them.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from clustertui.cli.managers_render import print_managers
from clustertui.cli.output import console
from clustertui.engine.check import CheckReport, MetricsCheck, NodeCheck
from clustertui.report.escape import terminal
from clustertui.report.managers_json import managers_json

_console = console


def _memory(node: NodeCheck) -> str:
    if node.sample is None:
        return ""
    return f"{node.sample.mem_total / 2**30:.1f}G {node.sample.mem_percent:.0f}%"


def _services(node: NodeCheck) -> Text:
    return Text(" ").join(
        terminal(f"{s.name}:up", "green") if s.up else terminal(f"{s.name}:DOWN ({s.detail})", "red")
        for s in node.services
    )


def check_table(report: CheckReport) -> None:
    console = _console()
    table = Table(title=terminal(f"cluster {report.cluster}"), title_justify="left", box=None, pad_edge=False)
    for column in ("node", "address", "state", "rtt ms", "kernel", "cpus", "memory", "services"):
        table.add_column(column, no_wrap=column != "services", justify="right" if column in ("rtt ms", "cpus") else "left")
    for node in report.nodes:
        state = terminal(node.state, "green") if node.state == "up" else terminal(f"{node.state} ({node.detail})", "red")
        table.add_row(
            terminal(node.name),
            terminal(node.host),
            state,
            f"{node.rtt_ms:.0f}" if node.rtt_ms is not None else "",
            terminal(node.info.kernel if node.info else ""),
            str(node.sample.cpu_count) if node.sample else "",
            _memory(node),
            _services(node),
        )
    console.print(table)
    if report.endpoints:
        endpoints = Table(box=None, pad_edge=False)
        for column in ("endpoint", "target", "result"):
            endpoints.add_column(column)
        for endpoint in report.endpoints:
            mark = terminal("up", "green") if endpoint.outcome.ok else terminal("DOWN", "red")
            endpoints.add_row(terminal(endpoint.name), terminal(endpoint.target),
                              Text.assemble(mark, " ", terminal(endpoint.outcome.describe())))
        console.print(endpoints)
    print_managers(console, report.managers)
    if report.metrics is not None:
        _print_metrics(report.metrics, len(report.nodes))
    down = [n for n in report.nodes if not n.ok]
    endpoints_down = "" if all(e.outcome.ok for e in report.endpoints) else ", endpoint(s) down"
    findings = f", {len(report.managers.findings)} finding(s)" if report.managers.findings else ""
    unread = sum(1 for v in report.managers.views for r in v.reads if not r.ok)
    unreadable = f", {unread} manager read(s) failed" if unread else ""
    figures = f", {len(report.metrics.missing)} node(s) without figures" if report.metrics and report.metrics.missing else ""
    console.print(
        Text("all nodes up, all services up" + (", managers agree" if report.managers.views else ""), "green")
        if report.ok
        else Text(f"{len(down)} node(s) not healthy{endpoints_down}{findings}{unreadable}{figures}", "red")
    )


def _print_metrics(metrics: MetricsCheck, nodes: int) -> None:
    """`source:`: how many nodes it has figures for, and why not for the others."""
    console = _console()
    got = nodes - len(metrics.missing)
    console.print(terminal(f"figures from {metrics.source}: {got}/{nodes} nodes", "green" if metrics.ok else "red"))
    for name, why in metrics.missing.items():
        console.print(terminal(f"  {name}: {why} (figures shown are the probe's)", "red"))


def check_to_json(report: CheckReport) -> dict:
    return {
        "cluster": report.cluster,
        "ok": report.ok,
        "nodes": [
            {
                "name": node.name,
                "host": node.host,
                "state": str(node.state),
                "detail": node.detail,
                "rtt_ms": None if node.rtt_ms is None else round(node.rtt_ms, 2),
                "hostname": node.info.hostname if node.info else None,
                "kernel": node.info.kernel if node.info else None,
                "cpus": node.sample.cpu_count if node.sample else None,
                "mem_total": node.sample.mem_total if node.sample else None,
                "mem_percent": None if node.sample is None else round(node.sample.mem_percent, 2),
                "services": {s.name: {"up": s.up, "detail": s.detail} for s in node.services},
            }
            for node in report.nodes
        ],
        "endpoints": [
            {
                "name": e.name,
                "target": e.target,
                "ok": e.outcome.ok,
                "detail": e.outcome.describe(),
                "latency_ms": round(e.outcome.latency_ms, 2),
            }
            for e in report.endpoints
        ],
        "managers": managers_json(report.managers.views, report.managers.findings),
        "metrics": None if report.metrics is None else {
            "source": report.metrics.source, "ok": report.metrics.ok, "missing": report.metrics.missing},
    }
