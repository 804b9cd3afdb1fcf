"""The one polling helper of the tests.

``wait_for`` polls a predicate from a plain (or threaded) test; ``until`` does the same from
a Pilot test, pausing the app between polls so that it keeps processing messages.  Both
return the seconds the condition took and fail with an ``AssertionError`` that says what was
awaited: a timeout is a test failure, never a silent ``False`` that a caller forgets to assert.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def _timed_out(what: str, timeout: float) -> AssertionError:
    return AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, step: float = 0.1, what: str = "the condition") -> float:
    """Poll ``predicate`` until it holds; the seconds it took.  Raises on timeout."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started >= timeout:
            raise _timed_out(what, timeout)
        time.sleep(step)
    return time.monotonic() - started


async def until(pilot: Any, predicate: Callable[[], Any], timeout: float = 15.0, step: float = 0.02,
                what: str = "the condition") -> float:
    """``wait_for`` for a Pilot test: ``pilot.pause(step)`` between polls.  The default wait
    is long because it only matters when the app is slow (a busy machine), never when it works."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started >= timeout:
            raise _timed_out(what, timeout)
        await pilot.pause(step)
    return time.monotonic() - started
