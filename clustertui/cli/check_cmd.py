"""`clustertui check FILE...`: validate, connect to every node, probe once, judge."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustertui.cli.exits import FAILED, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.output import echo

if TYPE_CHECKING:
    from clustertui.chaos.freeze import FreezeMark
    from clustertui.config import Cluster
    from clustertui.engine.check import CheckReport


@click.command(
    "check",
    epilog=examples(
        "clustertui check prod.yaml                  # connect, probe once, print a table",
        "clustertui check --offline prod.yaml        # validate the file only",
        "clustertui check --json prod.yaml | jq '.nodes[] | select(.state != \"up\")'",
        "clustertui check --lint --offline prod.yaml # single points of failure in the file",
        "clustertui check eu.yaml us.yaml            # several clusters at once, a table each",
        "clustertui check --json eu.yaml us.yaml | jq '.clusters[] | select(.ok | not) | .cluster'",
    ),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="FILE...")
@click.option("--offline", is_flag=True, help="Validate the file only; no network.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--lint", is_flag=True, help="Find single points of failure (docs/lint.md); exit 1 on any finding.")
def check_command(files: tuple[str, ...], offline: bool, as_json: bool, lint: bool) -> None:
    """Validate FILE, connect to every node over SSH, probe once and print a table.

    Several files: every one is validated first, then all clusters are checked at once, a
    table each under a heading naming the cluster and its file (--json: {"clusters": [...],
    "ok": ...}). Exit 0 when every node is reachable and every service and endpoint is up,
    1 otherwise, 2 for a bad file.
    """
    if len(files) > 1:
        from clustertui.cli.check_several import check_several

        check_several(files, offline, as_json, lint)
    file = files[0]
    if as_json:
        cluster = load_or_json_error(file, check_files=not offline)
    else:
        cluster = load_or_exit(file, check_files=not offline)
    if lint:
        from clustertui.cli.lint_cmd import run_lint

        run_lint(cluster, file, offline, as_json)
    if offline:
        summary = offline_summary(cluster)
        echo(json.dumps(summary, indent=2) if as_json else offline_line(file, summary))
        raise SystemExit(OK)
    report, frozen = asyncio.run(check_and_freezes(cluster))
    if as_json:
        echo(json.dumps(check_json(report, frozen), indent=2))
    else:
        print_check(report, frozen)
    raise SystemExit(OK if report.ok else FAILED)


def offline_summary(cluster: Cluster) -> dict:
    """What `check --offline` says of a valid file, as JSON-ready counts."""
    return {
        "file": str(cluster.source),
        "cluster": cluster.name,
        "nodes": len(cluster.nodes),
        "services": len(cluster.services),
        "endpoints": len(cluster.endpoints),
        "drills": len(cluster.drills),
        "valid": True,
    }


def offline_line(file: str, summary: dict) -> str:
    from clustertui.tui.format import plural  # plain text, no Textual

    counts = ", ".join(plural(summary[what], what[:-1]) for what in ("nodes", "services", "endpoints", "drills"))
    return f"{file}: valid: cluster {summary['cluster']!r}, {counts}"


def check_json(report: CheckReport, frozen: dict[str, FreezeMark]) -> dict:
    """One cluster's `check --json` object: the check, and each node's freeze mark."""
    from clustertui.cli.render import check_to_json

    return {**check_to_json(report), "frozen": {node: mark.to_json() for node, mark in frozen.items()}}


def print_check(report: CheckReport, frozen: dict[str, FreezeMark]) -> None:
    """One cluster's `check` table, then a line per frozen node."""
    from clustertui.cli.render import check_table

    check_table(report)
    for mark in frozen.values():
        echo(f"{mark.node}: {mark.describe()}: no new faults (clustertui chaos FILE thaw)")


async def check_and_freezes(cluster: Cluster) -> tuple[CheckReport, dict[str, FreezeMark]]:
    """The check, then each node's freeze mark over the same connections (a freeze is
    shown, and does not fail the check)."""
    from clustertui.chaos.freezer import read_marks
    from clustertui.engine.check import check_cluster
    from clustertui.transport.pool import ConnectionPool
    from clustertui.transport.states import NodeState

    pool = ConnectionPool()
    try:
        report = await check_cluster(cluster, pool)
        up = [node.name for node in report.nodes if node.state is NodeState.UP]
        return report, await read_marks(cluster, pool, up)
    finally:
        pool.close()


def load_or_json_error(file: str, check_files: bool) -> Cluster:
    """With --json, a bad file is JSON on stdout too (and the one-line error on stderr), exit 2."""
    from clustertui.config import ConfigError, load_cluster

    try:
        return load_cluster(Path(file), check_files=check_files)
    except ConfigError as exc:
        echo(json.dumps({"file": file, "valid": False, "error": {
            "path": str(exc.path), "line": exc.line, "field": exc.field, "message": exc.message, "text": str(exc)}},
            indent=2))
        fail(str(exc), USAGE)
