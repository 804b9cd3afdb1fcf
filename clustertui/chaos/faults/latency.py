"""latency: tc netem on the interface that leads to the peers.

Only packets *to the peers* are delayed: the fault installs a `prio` root qdisc with a
fourth band that nothing uses by default, hangs `netem` under that band, and steers each
peer's address into it with a u32 filter.  The controller is not a peer, and a filter of
higher priority keeps the node's SSH port in the first band, so the SSH path is never
delayed.  A kernel without sch_netem is detected before anything is changed: the survey
and the precheck both try `tc qdisc add dev lo root netem` inside a scratch network
namespace (`unshare -n`), which leaves the node's own interfaces alone.
"""

from __future__ import annotations

from clustertui.chaos.errors import Refused
from clustertui.chaos.facts import NodeFacts
from clustertui.chaos.faults.steps import Check, FaultContext, FaultSteps
from clustertui.chaos.shell import cmd, q

KINDS = ("latency",)
#: Root qdiscs that the kernel installs by itself: replacing one loses no configuration.
DEFAULT_ROOTS = ("noqueue", "pfifo_fast", "fq_codel", "fq", "mq", "cake")
NETEM_TEST = "[ -d /sys/module/sch_netem ] || unshare -n tc qdisc add dev lo root netem delay 1ms 2>/dev/null"


def unavailable(facts: NodeFacts) -> str | None:
    missing = facts.missing("tc", "ip")
    if missing:
        return "needs " + ", ".join(missing) + " (iproute2) on the node"
    return facts.netem_problem


def handles(fault_id: str) -> tuple[str, str]:
    """The fault's own qdisc handles (prio root, netem), from its id's 32 random bits.

    Each fault owns its handles, so that a revert or a rollback deletes only its own root
    qdisc: a second latency fault on the same interface (refused by the precheck, which
    finds the first's prio root) can never take the first's qdisc with it.  Majors 0 and
    ffff are reserved by tc; the two halves of the id never give the same handle twice.
    The precheck also refuses when either handle is already in use on the interface.
    """
    bits = int(fault_id.removeprefix("f-"), 16)
    root = bits >> 16 & 0xFFFF or 1
    root = min(root, 0xFFFD)
    netem = bits & 0xFFFF
    if netem in (0, 0xFFFF, root):
        netem = root + 1
    return f"{root:x}:", f"{netem:x}:"


def _usec(seconds: float) -> str:
    return f"{round(seconds * 1_000_000)}us"


def build(ctx: FaultContext) -> FaultSteps:
    devs = {ctx.facts.dev_for(peer.address) for peer in ctx.peers}
    routed = {dev for dev in devs if dev is not None}
    if len(routed) < len(devs):
        raise Refused(f"{ctx.node.name} has no route to some of the peers")
    if len(routed) != 1:
        raise Refused(f"{ctx.node.name} reaches the peers through several interfaces ({', '.join(sorted(routed))})")
    dev = routed.pop()
    delay, jitter = ctx.params["delay"], ctx.params["jitter"]
    root, netem_handle = handles(ctx.fault_id)
    netem = ["delay", _usec(delay)] + ([_usec(jitter)] if jitter else [])
    tc_filter = ("tc", "filter", "add", "dev", dev, "parent", root, "protocol", "ip")
    show = cmd("tc", "qdisc", "show", "dev", dev)
    apply = [
        cmd("tc", "qdisc", "add", "dev", dev, "root", "handle", root, "prio", "bands", "4",
            "priomap", *"1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1".split()),
        cmd("tc", "qdisc", "add", "dev", dev, "parent", f"{root}4", "handle", netem_handle, "netem", *netem),
        cmd(*tc_filter, "prio", "1", "u32", "match", "ip", "protocol", "6", "0xff",
            "match", "ip", "sport", str(ctx.ssh_port), "0xffff", "flowid", f"{root}1"),
    ]
    apply += [
        cmd(*tc_filter, "prio", "2", "u32", "match", "ip", "dst", f"{peer.address}/32", "flowid", f"{root}4")
        for peer in ctx.peers
    ]
    roots = "|".join(DEFAULT_ROOTS)
    jitter_text = f" ± {jitter * 1000:g}ms" if jitter else ""
    return FaultSteps(
        summary=f"delay {ctx.node.name}'s packets to {', '.join(p.name for p in ctx.peers)} "
        f"by {delay * 1000:g}ms{jitter_text} on {dev}",
        precheck=(
            Check(NETEM_TEST, "unsupported on this node: no sch_netem"),
            Check(
                f"{show} | head -n 1 | grep -qE {q(f'^qdisc ({roots}) ')}",
                f"{dev} has a configured root qdisc (or another latency fault): latency would replace it",
            ),
            Check(
                f"! {show} | grep -qE {q(f'^qdisc [^ ]+ ({root}|{netem_handle}) ')}",
                f"qdisc handle {root} or {netem_handle} is already in use on {dev}",
            ),
        ),
        apply=tuple(apply),
        verify=(Check(f"{show} | grep -q {q('^qdisc netem ' + netem_handle)}", f"the netem qdisc is missing on {dev}"),),
        undo=(f"if {show} | grep -q {q('^qdisc prio ' + root + ' root')}; then {cmd('tc', 'qdisc', 'del', 'dev', dev, 'root')}; fi",),
        verify_revert=(
            Check(f"{show} >/dev/null && ! {show} | grep -qE {q(f'^qdisc [^ ]+ {root} ')}", f"tc still shows qdisc {root} on {dev}"),
        ),
        notes=(f"not delayed: tcp port {ctx.ssh_port} (SSH), the controller, any address that is not a peer",),
    )
