"""One hold of every node's chaos lock, shared by one session's applies that overlap.

The node locks keep *other* controllers out between a guard and its apply (nodelock.py).
A session's own applies that run at once — the drills of a ramp level or of a parallel
game-day group, which wait at one start line so that their faults start together — need no
protection from each other across the network: the session admits them one at a time in
process (`ChaosSession.apply_batch`).  Taking and releasing every node's lock per apply made
such faults start one lock round after another (2.1 s apart for two kills on the lab); here
the first apply takes the locks, the others that arrive while they are held join the hold,
and the last one to finish lets go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from clustertui.chaos.nodelock import NodeLocks


class SharedNodeLocks:
    """`join()` then `leave()`: every node's lock is held in between, taken by the first to
    join (Refused, as NodeLocks, when it cannot be) and released by the last to leave."""

    def __init__(self, new_locks: Callable[[], NodeLocks]) -> None:
        self._new_locks = new_locks
        self._locks: NodeLocks | None = None
        self._holders = 0
        self._changing = asyncio.Lock()  # taking or releasing: a joiner waits for either to end

    @property
    def held(self) -> bool:
        return self._locks is not None

    async def join(self) -> None:
        async with self._changing:
            if self._locks is None:
                locks = self._new_locks()
                await locks.acquire()  # Refused, with whatever it took released
                self._locks = locks
            self._holders += 1

    async def leave(self) -> None:
        async with self._changing:
            self._holders -= 1
            if self._holders == 0 and self._locks is not None:
                locks, self._locks = self._locks, None
                await locks.release()
