"""What a partition cuts beyond the peers' addresses: the node's multicast and broadcast on
the cluster's interface.

Dropping packets from (`-s peer`) and to (`-d peer`) the peers leaves a node's outgoing
multicast and broadcast alone, and a cluster speaks through them: VRRP adverts go to
224.0.0.18, Corosync and many discovery protocols to a group or to the subnet's broadcast.
A load balancer "partitioned" that way keeps telling its peer it holds the address, and the
peer never takes over.  So a partition (`mode: all`, its default) also drops every IPv4
packet whose destination is a multicast or broadcast address, in and out, on each interface
the node reaches its peers through ("the cluster's interface"): iptables' `addrtype` match,
nft's `fib daddr type`, both judged by the kernel's own routing tables (so every subnet's
broadcast address counts, not only one we computed).  `mode: unicast` keeps the old, peers-
only behaviour.  The controller's path is untouched: its unicast SSH connection is let
through before any drop, and ARP (not IP) never meets these rules.
"""

from __future__ import annotations

import re

from clustertui.chaos.errors import Refused
from clustertui.chaos.faults.steps import FaultContext

MODES = ("all", "unicast")
#: An interface name as the kernel allows it (IFNAMSIZ - 1), plain enough for an nft ruleset.
_IFNAME = re.compile(r"[A-Za-z0-9_.:-]{1,15}")
_TYPES = ("MULTICAST", "BROADCAST")


def interfaces(ctx: FaultContext) -> tuple[str, ...]:
    """The interfaces whose multicast and broadcast the fault cuts: none but for a partition
    in mode `all`, then those the node routes its peers through (refused when a peer has no
    route, or the survey named an interface that is not a plain name: it is node text)."""
    if ctx.kind != "partition" or ctx.params.get("mode", "all") != "all":
        return ()
    devs = [ctx.facts.dev_for(peer.address) for peer in ctx.peers]
    missing = [peer.name for peer, dev in zip(ctx.peers, devs, strict=True) if dev is None]
    if missing:
        raise Refused(f"{ctx.node.name} has no route to {', '.join(missing)}: cannot tell the cluster's interface "
                      "(use --mode unicast to drop the peers' addresses only)")
    found = tuple(sorted({dev for dev in devs if dev is not None}))
    bad = [dev for dev in found if not _IFNAME.fullmatch(dev)]
    if bad:
        raise Refused(f"{ctx.node.name}'s routes name an interface that is not a plain name: {bad[0][:40]!r}")
    return found


def iptables_matches(devs: tuple[str, ...]) -> tuple[list[list[str]], list[list[str]]]:
    """iptables match arguments of the multicast and broadcast DROPs, in and out."""
    return (
        [["-i", dev, "-m", "addrtype", "--dst-type", kind] for dev in devs for kind in _TYPES],
        [["-o", dev, "-m", "addrtype", "--dst-type", kind] for dev in devs for kind in _TYPES],
    )


def nft_rules(devs: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """nft rules of the same drops (IPv4 only: IPv6's neighbour discovery is multicast, and
    network faults are IPv4 anyway)."""
    match = "meta nfproto ipv4 fib daddr type { broadcast, multicast } drop"
    return [f'iifname "{dev}" {match}' for dev in devs], [f'oifname "{dev}" {match}' for dev in devs]


def note(devs: tuple[str, ...]) -> str:
    return (f"also dropped: every IPv4 multicast and broadcast packet on {', '.join(devs)} (the cluster's "
            "interface), in and out (VRRP, Corosync, ...); --mode unicast leaves them")
