"""A node's clock against ours: the offset that turns a time the node wrote into our time.

A drill times the fault by the instant its apply script acted on the node (`date` on the
node, chaos/planner.py), not by when the script's answer came back: on a busy link the
answer is late by the round trip and the script's own verification.  The node's clock may
differ from the controller's (no NTP, a drifting VM), so its times are corrected by the
offset measured over the same SSH connection, NTP-style: we note our clock before and after
asking the node for its clock; the node's answer was written somewhere in between, so

    offset = node - (sent + received) / 2,   uncertainty = (received - sent) / 2.

The exchange is repeated a few times on one shell and the round trip that was shortest
wins (a round trip delayed by the scheduler or the network says least).  It is measured
once per connection, the first time a timed action needs it (`ConnectionPool.clock`), so a
monitor that never applies a fault pays nothing for it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncssh

#: Exchanges per measurement; the one with the shortest round trip is kept.
SAMPLES = 5
#: The whole measurement gives up after this long (a node that does not answer).
TIMEOUT = 5.0
#: Prints the node's clock for every line it reads (one `date` per exchange, no new login).
_ECHO_CLOCK = "while read -r _; do date +%s.%N; done"


class ClockError(Exception):
    """The node's clock could not be read (no answer, or not a time)."""


@dataclass(frozen=True, slots=True)
class ClockOffset:
    """The node's clock minus ours, in seconds, within +-`uncertainty`."""

    offset: float
    uncertainty: float
    samples: int = SAMPLES

    def to_local(self, node_time: float) -> float:
        """A time the node wrote (its clock) as our clock reads it."""
        return node_time - self.offset


def parse_node_time(text: str) -> float | None:
    """`date +%s.%N` output as seconds since the epoch; None if it is not one (a `date`
    without `%N` prints `1700000000.N` or `1700000000.%N`: only whole seconds are known,
    which is too coarse to time an action by)."""
    whole, dot, fraction = text.strip().partition(".")
    if not (whole.isascii() and whole.isdigit() and 9 <= len(whole) <= 12):
        return None
    if not (dot and fraction.isascii() and fraction.isdigit() and len(fraction) <= 9):
        return None
    return float(f"{whole}.{fraction}")


def best_offset(exchanges: list[tuple[float, float, float]]) -> ClockOffset:
    """The offset from (sent, node time, received) exchanges: the shortest round trip's."""
    if not exchanges:
        raise ClockError("no exchange with the node's clock")
    sent, node, received = min(exchanges, key=lambda e: e[2] - e[0])
    return ClockOffset(node - (sent + received) / 2, (received - sent) / 2, len(exchanges))


async def measure_offset(conn: asyncssh.SSHClientConnection, samples: int = SAMPLES) -> ClockOffset:
    """The node's clock offset over `conn`, from `samples` exchanges on one shell."""
    try:
        async with asyncio.timeout(TIMEOUT):
            process = await conn.create_process(_ECHO_CLOCK)
            try:
                exchanges = []
                for _ in range(samples):
                    sent = time.time()
                    process.stdin.write("\n")
                    line = await process.stdout.readline()
                    received = time.time()
                    node = parse_node_time(line[:40])
                    if node is None:
                        raise ClockError(f"the node's `date +%s.%N` printed {line.strip()[:40]!r}")
                    exchanges.append((sent, node, received))
            finally:
                process.close()
    except TimeoutError:
        raise ClockError(f"the node's clock did not answer within {TIMEOUT:g}s") from None
    except (asyncssh.Error, OSError) as exc:
        raise ClockError(f"the node's clock could not be read: {exc}") from None
    return best_offset(exchanges)
