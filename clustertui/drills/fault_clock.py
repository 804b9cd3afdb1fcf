"""The fault's two instants on our clock: when it acted on the node, and when it was verified.

The apply script stamps both with the node's clock (chaos/instants.py); the target's clock
offset, measured on its connection before the apply (transport/clock.py), turns them into
ours.  Whatever the clocks say, an instant is kept between the moment we sent the apply and
the moment its answer came back (it cannot have happened outside them): a wrong offset can
shift it inside that span, never out of it.  Without a stamp or an offset, the action is
unknown (None) and the verification is when the answer came back, as before.
"""

from __future__ import annotations

from clustertui.chaos.instants import NodeInstants
from clustertui.transport.clock import ClockOffset


def fault_instants(
    stamps: NodeInstants, clock: ClockOffset | None, sent: float, answered: float
) -> tuple[float | None, float]:
    """(acted, verified) on our clock, for an apply sent at `sent` and answered at `answered`."""

    def local(node_time: float | None) -> float | None:
        if node_time is None or clock is None:
            return None
        return min(max(clock.to_local(node_time), sent), answered)

    acted, verified = local(stamps.acted), local(stamps.verified)
    if acted is not None and verified is not None and verified < acted:
        verified = acted
    return acted, answered if verified is None else verified
