"""`clustertui chaos FILE freeze|thaw`: stop every controller from applying new faults.

Exit codes: 0 every node frozen (thawed); 2 bad usage (an unknown node, a bad --reason or
--for); 3 a node could not be frozen (unreachable, its chaos lock held too long) -- the
others are frozen all the same, each node's line says which.
"""

from __future__ import annotations

import asyncio

import click

from clustertui.cli.chaos_output import emit_json, say
from clustertui.cli.completion import complete_node_list
from clustertui.cli.durations import DURATION
from clustertui.cli.exits import CANNOT_RUN, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.output import echo

#: The longest freeze `--for` takes (a longer one: freeze without --for, thaw by hand).
MAX_FREEZE = 7 * 86400.0


def _nodes(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def _report(report, as_json: bool) -> None:
    """Each node's line, then the summary; exit 0 when every node is done, 3 otherwise."""
    if as_json:
        emit_json(report.to_json())
    else:
        for node in report.nodes:
            echo(f"{node.node}: {node.detail}")
        say(report.summary())
    if report.error and not as_json:
        fail(report.summary(), CANNOT_RUN)
    raise SystemExit(OK if report.ok else CANNOT_RUN)


async def _run(cluster, action: str, nodes: list[str] | None, reason: str = "", seconds: float | None = None):
    from clustertui.chaos import ChaosSession

    async with ChaosSession.open(cluster) as session:
        if action == "freeze":
            return await session.freeze(nodes, reason, seconds)
        return await session.thaw(nodes)


def _checked_nodes(cluster, text: str | None) -> list[str] | None:
    nodes = _nodes(text)
    unknown = [name for name in nodes or () if name not in {node.name for node in cluster.nodes}]
    if unknown:
        fail(f"--nodes: no node called {unknown[0]!r} in cluster {cluster.name}", USAGE)
    return nodes


@click.command(
    "freeze",
    epilog=examples(
        "clustertui chaos prod.yaml freeze --reason 'release 4.2 rollout' --for 2h",
        "clustertui chaos prod.yaml freeze --nodes db1,db2 --reason 'backup running'",
        "clustertui chaos prod.yaml thaw",
    ),
)
@click.option("--reason", default="", help="Why (shown to whoever is refused), one line, at most 200 characters.")
@click.option("--for", "seconds", type=DURATION, help="Thaw by itself after this long (default: until thawed).")
@click.option("--nodes", shell_complete=complete_node_list, help="Node names, comma-separated (default: every node).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def freeze_command(ctx: click.Context, reason: str, seconds: float | None, nodes: str | None, as_json: bool) -> None:
    """Freeze nodes: every controller (any operator, any machine) refuses new faults there.

    A mark in each node's ledger directory, written under the node's chaos lock; the
    node's own apply script refuses while it holds.  Reverts and halts still work.
    """
    from clustertui.chaos.freeze import check_reason

    try:
        reason = check_reason(reason)
    except ValueError as exc:
        fail(str(exc), USAGE)
    if seconds is not None and seconds > MAX_FREEZE:
        fail(f"--for: at most 7d, found {seconds:g}s (freeze without --for to hold until a thaw)", USAGE)
    cluster = load_or_exit(ctx.obj)
    _report(asyncio.run(_run(cluster, "freeze", _checked_nodes(cluster, nodes), reason, seconds)), as_json)


@click.command("thaw", epilog=examples("clustertui chaos prod.yaml thaw", "clustertui chaos prod.yaml thaw --nodes db1"))
@click.option("--nodes", shell_complete=complete_node_list, help="Node names, comma-separated (default: every node).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def thaw_command(ctx: click.Context, nodes: str | None, as_json: bool) -> None:
    """Lift the freeze from nodes (all by default), whoever froze them."""
    cluster = load_or_exit(ctx.obj)
    _report(asyncio.run(_run(cluster, "thaw", _checked_nodes(cluster, nodes))), as_json)
