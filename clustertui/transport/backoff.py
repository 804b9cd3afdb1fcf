"""Jittered exponential backoff for reconnects.

Equal jitter: each delay is half the exponential bound plus a random part up to the other
half. The random half spreads a fleet's reconnects after a shared outage, so 200 nodes do
not hammer a recovering bastion in lockstep. Full jitter (anywhere from 0 to the bound)
spreads a little more, but lets a node retry a dead host almost at once, again and again;
the fixed half keeps the retry rate against a dead node (and its sshd's MaxStartups, or a
bastion in front of it) bounded by the schedule, which matters more for a monitor that
keeps retrying for hours.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays from `base` doubling (by `factor`) up to `cap`, each in [bound/2, bound]."""

    base: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        bound = min(self.cap, self.base * self.factor**self.attempts)
        self.attempts += 1
        return bound / 2 + self.rng.uniform(0, bound / 2)

    def reset(self) -> None:
        """After a success: the next failure starts again from `base`."""
        self.attempts = 0
