"""`clustertui chaos FILE list|status|apply|revert|freeze|thaw`: faults that always revert.

Exit codes: 0 ok; 1 a fault did not apply or a revert did not verify; 2 bad usage, file or
parameter; 3 refused (a guard, no confirmation, a node's precheck) or a node unreachable.
`apply` prints the fault's id on stdout (everything else goes to stderr), or JSON with
--json, so that `id=$(clustertui chaos lab.yaml apply ...)` works.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING

import click

from clustertui.cli.chaos_output import (
    apply_json,
    emit_json,
    print_plan,
    remaining,
    revert_json,
    say,
    show_dry_run,
    show_halt,
)
from clustertui.cli.completion import complete_node_list, complete_nodes
from clustertui.cli.durations import DURATION
from clustertui.cli.exits import CANNOT_RUN, FAILED, OK, USAGE, fail
from clustertui.cli.freeze_cmd import freeze_command, thaw_command
from clustertui.cli.help import examples
from clustertui.cli.hold import check_lease, holding_already, parse_abort_when, watching
from clustertui.cli.hold import hold as hold_fault
from clustertui.cli.loading import load_or_exit
from clustertui.cli.numbers import NUMBER
from clustertui.cli.output import echo

if TYPE_CHECKING:
    from clustertui.chaos import (
        ApplyOutcome,
        HaltReport,
        RevertOutcome,
    )
    from clustertui.config import Cluster

#: The fault kinds, for the KIND argument without importing the chaos package (it is
#: imported when a chaos command runs, not for --help or a Tab: docs/cli.md, "Start-up
#: time"); tests/cli/test_cli_conventions.py checks them against the catalog.
KINDS = ("kill", "stop", "start", "pause", "block-port", "partition", "loss", "latency", "cpu-hog", "mem-hog",
         "disk-fill")


@click.group(
    "chaos",
    epilog=examples(
        "clustertui chaos prod.yaml list",
        "clustertui chaos prod.yaml apply kill --node web1 --service nginx --ttl 2m --dry-run",
        "id=$(clustertui chaos prod.yaml apply block-port --node db1 --port 5432 --yes)",
        "clustertui chaos prod.yaml status",
        "clustertui chaos prod.yaml revert \"$id\"     # or: revert --all",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def chaos_group(ctx: click.Context, file: str) -> None:
    """Inject faults into the nodes of FILE's cluster; every fault reverts by itself.

    Before a fault is applied, its record and exact revert are written to the node's
    ledger (/run/clustertui/faults) and a timer is armed on the node that reverts it when
    its TTL ends, even if clustertui is killed or the network drops.  See docs/chaos.md.
    """
    ctx.obj = file


def _cluster(ctx: click.Context) -> Cluster:
    return load_or_exit(ctx.obj)


# -- list ------------------------------------------------------------------------------


@chaos_group.command("list", epilog=examples("clustertui chaos prod.yaml list", "clustertui chaos prod.yaml list --json"))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """The fault catalog and, per node, which faults are available and why not."""
    from clustertui.chaos import CATALOG, ChaosSession

    cluster = _cluster(ctx)

    async def run() -> dict:
        async with ChaosSession.open(cluster) as session:
            return await session.availability()

    nodes = asyncio.run(run())
    if as_json:
        emit_json(
            {
                "catalog": [
                    {
                        "kind": spec.kind,
                        "summary": spec.summary,
                        "params": [
                            {"name": p.name, "help": p.help, "required": p.required, "default": p.default,
                             "choices": list(p.choices)}
                            for p in spec.params
                        ],
                        "needs": spec.needs,
                        "revert": spec.revert,
                        "verify": spec.verify,
                    }
                    for spec in CATALOG.values()
                ],
                "nodes": {
                    name: {
                        "roles": list(node.roles),
                        "reachable": node.reachable,
                        "detail": node.detail,
                        "active": list(node.active),
                        "faults": {
                            kind: {"available": a.available, "reason": a.reason, "services": a.services}
                            for kind, a in node.faults.items()
                        },
                    }
                    for name, node in nodes.items()
                },
            }
        )
        raise SystemExit(OK)
    echo("catalog")
    for spec in CATALOG.values():
        params = ", ".join(p.name + ("" if p.required else "?") for p in spec.params)
        echo(f"  {spec.kind:<11} {spec.summary}")
        echo(f"  {'':<11} params: {params}   (? = optional)")
        echo(f"  {'':<11} needs: {spec.needs}")
        echo(f"  {'':<11} revert: {spec.revert}")
    echo("\nnodes")
    for name, node in nodes.items():
        available = [k for k, a in node.faults.items() if a.available]
        echo(f"  {name} ({', '.join(node.roles) or 'no roles'})" + (f"  active: {', '.join(node.active)}" if node.active else ""))
        echo(f"      available: {', '.join(available) or 'none'}")
        reasons: dict[str, list[str]] = {}
        for kind, a in node.faults.items():
            if a.reason is not None:
                reasons.setdefault(a.reason, []).append(kind)
        for reason, kinds in reasons.items():
            echo(f"      not {', '.join(kinds)}: {reason}")
    raise SystemExit(OK)


# -- status ----------------------------------------------------------------------------


@chaos_group.command("status", epilog=examples("clustertui chaos prod.yaml status", "clustertui chaos prod.yaml status --json"))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Active faults, read from every node's ledger (whoever applied them).

    Exit 3 when a node could not be reached, 1 when one answered nonsense (a garbled
    survey, a corrupt ledger entry; its faults are unknown either way), 0 otherwise.
    """
    from clustertui.chaos import ChaosSession

    cluster = _cluster(ctx)

    async def run():
        async with ChaosSession.open(cluster) as session:
            return await session.status()

    status = asyncio.run(run())
    # A node that could not be reached: 3 (could not run); one that answered nonsense: 1.
    nonsense = status.garbled or status.corrupt
    code = CANNOT_RUN if set(status.unreachable) - set(status.garbled) else FAILED if nonsense else OK
    if as_json:
        emit_json(
            {
                "cluster": cluster.name,
                "faults": [fault.to_json() for fault in status.faults],
                "unreachable": status.unreachable,
                "reverted_elsewhere": list(status.reverted_elsewhere),
                "corrupt": {node: list(names) for node, names in status.corrupt.items()},
                "frozen": {node: mark.to_json() for node, mark in status.frozen.items()},
            }
        )
        raise SystemExit(code)
    if status.faults:
        echo(f"{'ID':<11} {'NODE':<10} {'STATE':<13} {'KIND':<10} {'LEFT':>5} {'TIMER':<9}  SUMMARY")
        for fault in status.faults:
            kind = fault.record.kind if fault.record else "?"
            summary = fault.record.summary if fault.record else fault.detail
            by = f"  (by {fault.record.by})" if fault.record and fault.record.by else ""
            echo(f"{fault.id:<11} {fault.node:<10} {fault.state:<13} {kind:<10} {remaining(fault):>5} {fault.timer_text():<9}  {summary}{by}")
            if fault.detail and fault.record:
                echo(f"{'':<11} {fault.detail}")
    else:
        echo("no active faults")
    for fault_id in status.reverted_elsewhere:
        say(f"{fault_id}: no longer on its node (reverted by its timer or another operator)")
    for node, why in status.unreachable.items():
        say(f"{node}: ledger not read: {why}")
    for node, names in status.corrupt.items():
        say(f"{node}: corrupt ledger entries, left alone: {', '.join(names)}")
    for node, mark in status.frozen.items():
        echo(f"{node}: {mark.describe()}")
    raise SystemExit(code)


# -- apply -----------------------------------------------------------------------------


def _apply_exit(outcome: ApplyOutcome) -> int:
    from clustertui.chaos import ApplyStatus

    if outcome.ok:
        return OK
    return CANNOT_RUN if outcome.status is ApplyStatus.REFUSED else FAILED


@chaos_group.command(
    "apply",
    epilog=examples(
        "clustertui chaos prod.yaml apply kill --node web1 --service nginx --dry-run",
        "clustertui chaos prod.yaml apply latency --node db1 --delay 200ms --jitter 20ms --ttl 5m --yes",
        "clustertui chaos prod.yaml apply loss --node web2 --percent 2.5 --peers db1,db2 --yes",
        "clustertui chaos prod.yaml apply cpu-hog --node web3 --cores 2 --ttl 1m --hold",
        "clustertui chaos prod.yaml apply latency --node db1 --delay 300ms --hold --abort-when endpoint_down=web-vip",
    ),
)
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.option("--node", required=True, shell_complete=complete_nodes, help="The node to fault.")
@click.option("--service", help="Service (kill, stop, start, pause; block-port takes its port).")
@click.option("--port", type=int, help="Port (block-port).")
@click.option("--ttl", type=DURATION,
              help="Revert by itself after this long, 1s to 24h (default: the file's chaos.default_ttl).")
@click.option("--proto", type=click.Choice(["tcp", "udp"]), help="block-port: tcp (default) or udp.")
@click.option("--direction", type=click.Choice(["in", "out", "both"]), help="block-port: in (default), out or both.")
@click.option("--backend", type=click.Choice(["auto", "iptables", "nft"]), help="Firewall (default auto: iptables, else nft).")
@click.option("--peers", shell_complete=complete_node_list, help="partition, loss, latency: node names, comma-separated (default: every other node).")
@click.option("--mode", type=click.Choice(["all", "unicast"]),
              help="partition: all (default) also drops the node's multicast and broadcast on the cluster's "
                   "interface (VRRP, Corosync); unicast drops the peers' addresses only.")
@click.option("--percent", type=NUMBER, help="loss: share of packets dropped; disk-fill: fill up to this % used.")
@click.option("--delay", help="latency: added delay, like 100ms.")
@click.option("--jitter", help="latency: random variation, like 10ms.")
@click.option("--cores", type=click.IntRange(min=1), help="cpu-hog: cores to load (default: all).")
@click.option("--mb", type=click.IntRange(min=1), help="mem-hog: MiB to hold; disk-fill: MiB to write.")
@click.option("--path", help="disk-fill: a directory on the filesystem to fill.")
@click.option("--dry-run", is_flag=True, help="Print the exact remote commands; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@click.option("--force", is_flag=True, help="Override the quorum guard (and only it).")
@click.option("--hold", is_flag=True, help="Stay in the foreground; revert at the TTL or on Ctrl-C.")
@click.option("--abort-when", "abort_when", multiple=True, metavar="COND",
              help="With --hold: revert at once when COND holds, like endpoint_down=web-vip or "
                   "'{cpu_above: 95, node: other}' (repeatable; docs/chaos.md).")
@click.option("--lease", type=DURATION,
              help="With --hold: the node reverts the fault this long after clustertui last renewed it, "
                   "3s to 5m, shorter than the TTL (default: the file's chaos.lease, 10s).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def apply_command(
    ctx: click.Context, kind: str, node: str, ttl: float | None, dry_run: bool, yes: bool, force: bool,
    hold: bool, lease: float | None, as_json: bool, abort_when: tuple[str, ...], **options: str | int | None,
) -> None:
    """Apply a fault of KIND to one node, and print its id.

    The guards run first: chaos enabled in the file, the node allowed, the blast radius
    (counted from the nodes' ledgers) and the quorum guard; a refusal exits 3.  With
    --hold the fault is on a lease that this command renews: if it dies, hangs or loses
    the node, the node reverts the fault when the lease ends, not at the TTL.
    """
    from clustertui.chaos import ChaosSession, FaultRequest, InvalidInput, Refused
    from clustertui.chaos.audit import AuditLog
    from clustertui.config.scalars import ttl_problem

    problem = None if ttl is None else ttl_problem(ttl)
    if problem is not None:
        fail(f"--ttl: {problem}", USAGE)
    cluster = _cluster(ctx)
    check_lease(lease, hold, cluster.chaos.default_ttl if ttl is None else ttl)
    conditions = parse_abort_when(abort_when, cluster, hold)
    request = FaultRequest(kind, node, {k: v for k, v in options.items() if v is not None}, ttl)
    if not (dry_run or yes or sys.stdin.isatty()):
        reason = "no confirmation: stdin is not a terminal (pass --yes)"
        AuditLog().append("apply", cluster.name, node=node, fault=None, kind=kind, params=request.params,
                          commands=None, result=f"refused: {reason}", revert_result=None)
        fail(reason, CANNOT_RUN)

    async def run() -> int:
        async with ChaosSession.open(cluster, revert_on_exit=hold, lease=lease) as session, \
                watching(cluster, session, [] if dry_run else conditions) as monitor:
            if dry_run:
                return show_dry_run(await session.dry_run(request, force=force), as_json)
            plan = await session.plan(request, force=force)
            if (already := holding_already(monitor, conditions, plan.node)) is not None:
                why = f"stop condition {already.condition.text()} holds already ({already.observed})"
                session.chaos.audit.append("apply", cluster.name, node=plan.node, fault=plan.id, kind=plan.kind,
                                           params=plan.params, commands=None, result=f"refused: {why}",
                                           revert_result=None)
                raise Refused(f"not applied: {why}")
            if not yes:
                print_plan(plan, "about to apply")
                if not await asyncio.to_thread(click.confirm, f"apply {plan.kind} to {plan.node}?", err=True):
                    session.chaos.audit.append("apply", cluster.name, node=plan.node, fault=plan.id, kind=plan.kind,
                                       params=plan.params, commands=None, result="refused: not confirmed",
                                       revert_result=None)
                    raise Refused("not confirmed")
            outcome = await session.apply(plan, force=force)
            applied_at = time.time()
            if as_json:
                emit_json(apply_json(outcome))
            elif outcome.ok:
                echo(plan.id)
                say(f"applied {plan.id}: {plan.summary}; it reverts by itself in {plan.ttl:g}s "
                    f"({plan.timer.mechanism} timer)" + (f", or {plan.timer.lease:g}s after the last renewal of "
                                                          "its lease" if plan.timer.lease else ""))
                if not hold:
                    say(f"revert now: clustertui chaos {ctx.obj} revert {plan.id}")
            else:
                say(f"clustertui: error: {plan.kind} on {plan.node}: {outcome.result}")
                if outcome.output:
                    say(outcome.output)
            if outcome.ok and hold:
                armed = f"; {len(conditions)} stop condition(s) armed" if conditions else ""
                renewing = (f"; renewing its {plan.timer.lease:g}s lease every {session.renewer.period:g}s"
                            if plan.timer.lease and session.renewer else "")
                say(f"holding {plan.id} until its TTL ends; Ctrl-C reverts it now{renewing}{armed}")
                reverted, breach = await hold_fault(session, plan, monitor, conditions, applied_at)
                if breach is not None:
                    say(f"{plan.id}: aborted: {breach.reason()}")
                say(f"{plan.id}: {reverted.result}")
                return FAILED if not reverted.ok else CANNOT_RUN if breach is not None else OK
            return _apply_exit(outcome)

    started = time.monotonic()
    try:
        code = asyncio.run(run())
    except InvalidInput as exc:
        fail(str(exc), USAGE)
    except Refused as exc:
        fail(str(exc), CANNOT_RUN)
    if not as_json:
        say(f"({time.monotonic() - started:.2f}s)")
    raise SystemExit(code)


# -- revert ----------------------------------------------------------------------------


@chaos_group.command(
    "revert", epilog=examples("clustertui chaos prod.yaml revert f-1a2b3c4d", "clustertui chaos prod.yaml revert --all   # halt")
)
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Halt: revert every fault in every node's ledger.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def revert_command(ctx: click.Context, ids: tuple[str, ...], everything: bool, as_json: bool) -> None:
    """Revert faults by ID (from any operator or run), or all of them with --all.

    Exit 0 when every revert is verified, 1 when one is not (or an id is unknown; with
    --all also a node whose survey is garbled or whose ledger holds a corrupt entry), 3
    when a node could not be reached (its timer still reverts its faults at their TTL).
    """
    from clustertui.chaos import ChaosSession, InvalidInput, RevertStatus, validate

    if bool(ids) == everything:
        fail("give fault ids, or --all (not both)", USAGE)
    try:
        ids = tuple(validate.fault_id(fault_id) for fault_id in ids)
    except InvalidInput as exc:
        fail(str(exc), USAGE)
    cluster = _cluster(ctx)

    if everything:
        report = asyncio.run(_halt(cluster))
        show_halt(report, as_json)
        if report.error:
            fail(report.summary(), CANNOT_RUN)
        raise SystemExit(CANNOT_RUN if report.unreachable else OK if report.ok else FAILED)

    async def run() -> list[RevertOutcome]:
        async with ChaosSession.open(cluster) as session:
            return await session.revert_many(ids)

    outcomes = asyncio.run(run())
    if as_json:
        emit_json([revert_json(o) for o in outcomes])
    for outcome in outcomes if not as_json else ():
        where = f" on {outcome.node}" if outcome.node else ""
        echo(f"{outcome.fault_id}{where}: {outcome.result}")
    if any(o.status is RevertStatus.UNREACHABLE for o in outcomes):
        raise SystemExit(CANNOT_RUN)
    raise SystemExit(OK if all(o.ok for o in outcomes) else FAILED)


async def _halt(cluster: Cluster) -> HaltReport:
    from clustertui.chaos import ChaosSession

    async with ChaosSession.open(cluster) as session:
        return await session.halt()



chaos_group.add_command(freeze_command)
chaos_group.add_command(thaw_command)
