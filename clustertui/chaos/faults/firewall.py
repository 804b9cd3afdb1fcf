"""block-port, partition, loss: packet filters, with iptables or nft.

Each fault owns its rules outright, so that undoing it cannot touch anyone else's: with
iptables, its own chains `ctui-ID-in` / `ctui-ID-out`, hooked by one jump at the top of
INPUT / OUTPUT; with nft, its own table `inet clustertui_ID` (hook priority -10, before the
usual filter chains), loaded in one atomic `nft -f` transaction.  Undo deletes those and
nothing else; the revert is verified when `iptables -S` (or `nft list tables`) no longer
mentions the fault.

The controller's SSH path is never cut: every chain first lets the node's SSH port through
(in and out), and partition and loss only ever match peer addresses, never the controller's
address as the node sees it (taken from `$SSH_CONNECTION`).  A partition also drops the
node's multicast and broadcast on the cluster's interface (faults/casts.py), after those
exemptions.
"""

from __future__ import annotations

from clustertui.chaos.facts import NodeFacts
from clustertui.chaos.faults import casts
from clustertui.chaos.faults.steps import Check, FaultContext, FaultSteps
from clustertui.chaos.shell import cmd, q

KINDS = ("block-port", "partition", "loss")
IPTABLES = ("iptables", "-w", "5")  # wait up to 5 s for the xtables lock


def backend_for(kind: str, requested: str, facts: NodeFacts) -> tuple[str | None, str]:
    """The firewall to use, or None and why not."""
    usable = [fw for fw in ("iptables", "nft") if fw in facts.firewalls]
    if kind == "loss" and "iptables" in usable and not facts.iptables_statistic:
        usable.remove("iptables")
    if requested != "auto":
        if requested in usable:
            return requested, ""
        extra = " with the statistic match" if kind == "loss" and requested == "iptables" else ""
        return None, f"needs {requested}{extra} on the node"
    if usable:
        return usable[0], ""
    return None, "needs iptables" + (" with the statistic match" if kind == "loss" else "") + " or nft on the node"


def unavailable(kind: str, facts: NodeFacts, requested: str = "auto") -> str | None:
    if facts.controller is None:
        return "cannot tell the controller's address as the node sees it ($SSH_CONNECTION is empty)"
    return backend_for(kind, requested, facts)[1] or None


def _rules(ctx: FaultContext) -> tuple[list[list[str]], list[list[str]]]:
    """iptables match arguments of the DROP rules, for the in and the out chain."""
    kind, params = ctx.kind, ctx.params
    if kind == "block-port":
        match = ["-p", params["proto"], "--dport", str(params["port"])]
        return (
            [match] if params["direction"] in ("in", "both") else [],
            [match] if params["direction"] in ("out", "both") else [],
        )
    extra = []
    if kind == "loss":
        extra = ["-m", "statistic", "--mode", "random", "--probability", f"{params['percent'] / 100:.4f}"]
    cast_ins, cast_outs = casts.iptables_matches(casts.interfaces(ctx))
    return (
        [["-s", peer.address, *extra] for peer in ctx.peers] + cast_ins,
        [["-d", peer.address, *extra] for peer in ctx.peers] + cast_outs,
    )


def _nft_rules(ctx: FaultContext) -> tuple[list[str], list[str]]:
    kind, params = ctx.kind, ctx.params
    if kind == "block-port":
        rule = f"{params['proto']} dport {params['port']} drop"
        return (
            [rule] if params["direction"] in ("in", "both") else [],
            [rule] if params["direction"] in ("out", "both") else [],
        )
    extra = f" numgen random mod 10000 < {round(params['percent'] * 100)}" if kind == "loss" else ""
    cast_ins, cast_outs = casts.nft_rules(casts.interfaces(ctx))
    return (
        [f"ip saddr {peer.address}{extra} drop" for peer in ctx.peers] + cast_ins,
        [f"ip daddr {peer.address}{extra} drop" for peer in ctx.peers] + cast_outs,
    )


def _summary(ctx: FaultContext, backend: str) -> str:
    params, node = ctx.params, ctx.node.name
    if ctx.kind == "block-port":
        return f"block {params['proto']}/{params['port']} ({params['direction']}) on {node} with {backend}"
    peers = ", ".join(peer.name for peer in ctx.peers)
    if ctx.kind == "partition":
        devs = casts.interfaces(ctx)
        also = f" and its multicast and broadcast on {', '.join(devs)}" if devs else " (unicast only)"
        return f"partition {node} from {peers}{also} with {backend}"
    return f"drop {params['percent']:g}% of packets between {node} and {peers} with {backend}"


def _exempt(ctx: FaultContext) -> tuple[str, ...]:
    notes = [f"never matched: tcp port {ctx.ssh_port} (SSH), in and out"]
    if ctx.kind != "block-port":
        notes.append(f"never matched: the controller's address {ctx.facts.controller}")
    notes += [f"{peer.name} ({peer.address}) is the controller's address: left out" for peer in ctx.skipped_peers]
    if devs := casts.interfaces(ctx):
        notes.append(casts.note(devs))
    return tuple(notes)


def build(ctx: FaultContext) -> FaultSteps:
    backend, why = backend_for(ctx.kind, ctx.params["backend"], ctx.facts)
    assert backend is not None, why  # the planner refuses unavailable faults first
    steps = _iptables if backend == "iptables" else _nft
    return steps(ctx, _summary(ctx, backend), _exempt(ctx))


def _iptables(ctx: FaultContext, summary: str, notes: tuple[str, ...]) -> FaultSteps:
    fault_id, ssh, controller = ctx.fault_id, str(ctx.ssh_port), ctx.facts.controller
    ins, outs = _rules(ctx)
    apply: list[str] = []
    verify: list[Check] = []
    undo: list[str] = []
    for rules, hook, direction in ((ins, "INPUT", "in"), (outs, "OUTPUT", "out")):
        if not rules:
            continue
        chain = f"ctui-{fault_id}-{direction}"
        port_flag, addr_flag = ("--dport", "-s") if direction == "in" else ("--sport", "-d")
        apply.append(cmd(*IPTABLES, "-N", chain))
        apply.append(cmd(*IPTABLES, "-A", chain, "-p", "tcp", port_flag, ssh, "-j", "RETURN"))
        if ctx.kind != "block-port":
            apply.append(cmd(*IPTABLES, "-A", chain, addr_flag, controller, "-j", "RETURN"))
        for match in rules:
            apply.append(cmd(*IPTABLES, "-A", chain, *match, "-j", "DROP"))
            verify.append(Check(cmd(*IPTABLES, "-C", chain, *match, "-j", "DROP"), f"a DROP rule is missing from {chain}"))
        apply.append(cmd(*IPTABLES, "-I", hook, "1", "-j", chain))
        verify.append(Check(cmd(*IPTABLES, "-C", hook, "-j", chain), f"the jump from {hook} to {chain} is missing"))
        undo.append(
            f"while {cmd(*IPTABLES, '-D', hook, '-j', chain)} 2>/dev/null; do :; done; "
            f"{cmd(*IPTABLES, '-F', chain)} 2>/dev/null; {cmd(*IPTABLES, '-X', chain)} 2>/dev/null"
        )
    listing = cmd(*IPTABLES, "-S")
    return FaultSteps(
        summary=summary,
        precheck=(),
        apply=tuple(apply),
        verify=tuple(verify),
        undo=tuple(undo),
        verify_revert=(
            Check(
                f"{listing} >/dev/null && ! {listing} | grep -qF -- {q(f'ctui-{fault_id}-')}",
                f"iptables -S still lists chains or rules of {fault_id}",
            ),
        ),
        notes=notes,
    )


def table_name(fault_id: str) -> str:
    return "clustertui_" + fault_id.replace("-", "_")


def _nft(ctx: FaultContext, summary: str, notes: tuple[str, ...]) -> FaultSteps:
    table = table_name(ctx.fault_id)
    ins, outs = _nft_rules(ctx)
    lines = [f"table inet {table} {{"]
    for rules, hook, port_word, addr_word in ((ins, "input", "dport", "saddr"), (outs, "output", "sport", "daddr")):
        if not rules:
            continue
        lines += [
            f"  chain {hook} {{",
            f"    type filter hook {hook} priority -10; policy accept;",
            f"    tcp {port_word} {ctx.ssh_port} accept",
        ]
        if ctx.kind != "block-port":
            lines.append(f"    ip {addr_word} {ctx.facts.controller} accept")
        lines += [f"    {rule}" for rule in rules]
        lines.append("  }")
    lines.append("}")
    ruleset = "\n".join(lines)
    drops = len(ins) + len(outs)
    listing = cmd("nft", "list", "table", "inet", table)
    return FaultSteps(
        summary=summary,
        precheck=(),
        apply=(f"printf '%s\\n' {q(ruleset)} | nft -f -",),
        verify=(
            Check(f"[ \"$({listing} | grep -c ' drop$')\" -eq {drops} ]", f"table {table} does not hold its {drops} drop rules"),
        ),
        undo=(f"{cmd('nft', 'delete', 'table', 'inet', table)} 2>/dev/null",),
        verify_revert=(
            Check(
                f"nft list tables >/dev/null && ! nft list tables | grep -qwF -- {q(table)}",
                f"nft still lists table {table}",
            ),
        ),
        notes=notes,
    )
