"""Steps that run side by side: a parallel group, and each level of a ramp.

Parts that inject a fault (drills, fault steps) wait at one `StartLine` after their steady
state, so that no part's fault breaks another part's steady state check; a part that ends
before it reached the line (its steady state did not hold) breaks the line, and the others
abort before injecting anything.  Every part runs to its own end (each reverts its own
fault): an error in one never cancels another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from clustertui.drills.runner import Aborted

Ready = Callable[[], Awaitable[None]]
#: One part of a group: given its `ready` (None when it injects nothing), its run.
Part = Callable[[Ready | None], Awaitable[object]]


class StartLine:
    """The parties' faults start together, or none does."""

    def __init__(self, parties: int) -> None:
        self._barrier = asyncio.Barrier(parties) if parties > 1 else None

    def entrant(self) -> Entrant:
        return Entrant(self)

    async def _wait(self) -> None:
        if self._barrier is None:
            return
        try:
            await self._barrier.wait()
        except asyncio.BrokenBarrierError:
            raise Aborted("another part of the parallel group ended before its fault; none was injected") from None

    async def _break(self) -> None:
        if self._barrier is not None:
            await self._barrier.abort()


class Entrant:
    """One party: `ready` is what its runner awaits; `done` breaks the line if it never got
    there (it ended early), releasing the others."""

    def __init__(self, line: StartLine) -> None:
        self.line = line
        self.reached = False

    async def ready(self) -> None:
        await self.line._wait()
        self.reached = True

    async def done(self) -> None:
        if not self.reached:
            await self.line._break()


async def run_together(parts: Sequence[Part], faulting: Sequence[bool]) -> list[object]:
    """Run every part at once; the `faulting` ones share a start line. Returns each part's
    result, or the exception it raised, in order."""
    line = StartLine(sum(faulting))
    entrants = [line.entrant() if faults else None for faults in faulting]

    async def one(part: Part, entrant: Entrant | None) -> object:
        try:
            return await part(entrant.ready if entrant is not None else None)
        finally:
            if entrant is not None:
                await entrant.done()

    return list(await asyncio.gather(*(one(p, e) for p, e in zip(parts, entrants, strict=True)),
                                     return_exceptions=True))
