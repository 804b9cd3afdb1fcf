"""When a fault acted on its node, by the node's own clock.

The apply script prints the node's clock (`date +%s.%N`) just before its first fault step
(`acting T`) and just after its verification passed (`verified T`).  A drill times its
fault window from the first, corrected by the node's clock offset (transport/clock.py):
requests that failed between the action and its verification belong to the fault, and the
time the answer took to come back is not counted as the cluster's.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.transport.clock import parse_node_time

ACTING, VERIFIED = "acting", "verified"


@dataclass(frozen=True, slots=True)
class NodeInstants:
    """The apply's two instants on the node's clock; None where the node did not say."""

    acted: float | None = None
    verified: float | None = None


def node_instants(output: str) -> NodeInstants:
    """The `acting T` and `verified T` lines of an apply's output (the first of each;
    anything else, or a time that is not one, is ignored: node text is data)."""
    found: dict[str, float] = {}
    for line in output.splitlines()[:200]:
        word, _, rest = line.partition(" ")
        if word in (ACTING, VERIFIED) and word not in found:
            value = parse_node_time(rest[:40])
            if value is not None:
                found[word] = value
    return NodeInstants(found.get(ACTING), found.get(VERIFIED))
