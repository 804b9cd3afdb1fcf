"""Fixtures for the hostile-node suite: a lying SSH node served from a thread, and cluster
files that put it beside the lab's real nodes.

The server runs on its own event loop in a thread, so that a test can run clustertui in a
subprocess (as a user does) or in-process (Pilot, the engine) while the node answers.
Changing ``node.behaviour`` from the test is safe: the server reads it per command/frame.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.node import HostileNode


class ThreadedNode:
    """A HostileNode served by a private event loop in a daemon thread."""

    def __init__(self, workdir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="hostile-node", daemon=True)
        self.thread.start()
        self.node = HostileNode(workdir)
        asyncio.run_coroutine_threadsafe(self.node.start(), self.loop).result(timeout=30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.node.stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[HostileNode]:
    served = ThreadedNode(tmp_path / "hostile-node")
    try:
        yield served.node
    finally:
        served.close()


@pytest.fixture
def honest(tmp_path: Path) -> Iterator[HostileNode]:
    """A second served node, honest unless a test changes it: the neighbour of a hostile
    node, whose samples must go on whatever the hostile one sends."""
    served = ThreadedNode(tmp_path / "honest-node")
    try:
        yield served.node
    finally:
        served.close()
