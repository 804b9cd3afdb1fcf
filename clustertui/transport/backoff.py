"""Jittered exponential backoff for reconnects.

Full jitter (a random delay up to the exponential bound) spreads a fleet's reconnects after
a shared outage, so 200 nodes do not hammer a recovering bastion in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        bound = min(self.cap, self.base * self.factor**self.attempts)
        self.attempts += 1
        return self.rng.uniform(bound / 2, bound)

    def reset(self) -> None:
        self.attempts = 0
