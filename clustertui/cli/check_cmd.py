"""`clustertui check FILE`: validate, connect to every node, probe once, judge."""

from __future__ import annotations

import asyncio
import json

import click

from clustertui.cli.exits import FAILED, OK
from clustertui.cli.loading import load_or_exit


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--offline", is_flag=True, help="Validate the file only; no network.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check_command(file: str, offline: bool, as_json: bool) -> None:
    """Validate FILE, connect to every node over SSH, probe once and print a table.

    Exit 0 when every node is reachable and every service and endpoint is up, 1 otherwise,
    2 for a bad file.
    """
    cluster = load_or_exit(file, check_files=not offline)
    if offline:
        summary = {
            "file": str(cluster.source),
            "cluster": cluster.name,
            "nodes": len(cluster.nodes),
            "services": len(cluster.services),
            "endpoints": len(cluster.endpoints),
            "drills": len(cluster.drills),
            "valid": True,
        }
        if as_json:
            click.echo(json.dumps(summary, indent=2))
        else:
            click.echo(
                f"{file}: valid: cluster {cluster.name!r}, {summary['nodes']} nodes, "
                f"{summary['services']} services, {summary['endpoints']} endpoints, {summary['drills']} drills"
            )
        raise SystemExit(OK)
    from clustertui.cli.render import check_table, check_to_json
    from clustertui.engine.check import check_cluster

    report = asyncio.run(check_cluster(cluster))
    if as_json:
        click.echo(json.dumps(check_to_json(report), indent=2))
    else:
        check_table(report)
    raise SystemExit(OK if report.ok else FAILED)
