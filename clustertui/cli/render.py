"""Human and machine renderings of command results (rich tables, JSON-ready dicts)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from clustertui.engine.check import CheckReport, NodeCheck


def _console() -> Console:
    # Piped output must not wrap at 80 columns: a table in a log is read by people too.
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def _memory(node: NodeCheck) -> str:
    if node.sample is None:
        return ""
    return f"{node.sample.mem_total / 2**30:.1f}G {node.sample.mem_percent:.0f}%"


def _services(node: NodeCheck) -> str:
    return " ".join(
        f"[green]{s.name}:up[/]" if s.up else f"[red]{s.name}:DOWN ({s.detail})[/]" for s in node.services
    )


def check_table(report: CheckReport) -> None:
    console = _console()
    table = Table(title=f"cluster {report.cluster}", title_justify="left", box=None, pad_edge=False)
    for column in ("node", "address", "state", "rtt ms", "kernel", "cpus", "memory", "services"):
        table.add_column(column, no_wrap=column != "services", justify="right" if column in ("rtt ms", "cpus") else "left")
    for node in report.nodes:
        state = f"[green]{node.state}[/]" if node.state == "up" else f"[red]{node.state}[/]"
        if node.state != "up":
            state += f" ({node.detail})"
        table.add_row(
            node.name,
            node.host,
            state,
            f"{node.rtt_ms:.0f}" if node.rtt_ms is not None else "",
            node.info.kernel if node.info else "",
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
            mark = "[green]up[/]" if endpoint.outcome.ok else "[red]DOWN[/]"
            endpoints.add_row(endpoint.name, endpoint.target, f"{mark} {endpoint.outcome.describe()}")
        console.print(endpoints)
    down = [n for n in report.nodes if not n.ok]
    console.print(
        "[green]all nodes up, all services up[/]" if report.ok else f"[red]{len(down)} node(s) not healthy[/]"
        + ("" if all(e.outcome.ok for e in report.endpoints) else ", endpoint(s) down")
    )


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
    }
