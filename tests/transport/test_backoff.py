"""Reconnect backoff: equal jitter, as its docstring says (issue 11, point 8)."""

from __future__ import annotations

import random
import statistics

from clustertui.transport.backoff import Backoff


def test_delays_double_within_equal_jitter_bounds_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=30.0, rng=random.Random(1))
    bounds = [min(30.0, 0.5 * 2**n) for n in range(12)]
    for bound in bounds:
        delay = backoff.next_delay()
        assert bound / 2 <= delay <= bound, (bound, delay)
    assert bounds[-1] == 30.0  # the cap was reached and held


def test_reset_starts_again_from_base() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(2))
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert 0.5 <= backoff.next_delay() <= 1.0


def test_jitter_spreads_a_fleet_but_never_retries_at_once() -> None:
    """200 nodes failing together: their third delays spread over [1, 2] s, none below 1 s."""
    third = []
    for seed in range(200):
        backoff = Backoff(base=0.5, rng=random.Random(seed))
        backoff.next_delay(), backoff.next_delay()
        third.append(backoff.next_delay())
    assert min(third) >= 1.0 and max(third) <= 2.0
    assert statistics.pstdev(third) > 0.2  # uniform over [1, 2] has 0.29; lockstep has 0
    assert len({round(d, 3) for d in third}) > 150
