"""Where the app's snapshots come from: the live monitor, or a fixed replay.

The app never touches the engine directly: once per interval it asks its source for an
immutable `ClusterSnapshot` and applies it (memray's TUI works the same way).  The live
source wraps a `ClusterMonitor`; the replay source hands out recorded or hand-built
snapshots, which is what makes snapshot tests deterministic and lets the benchmark feed
200 nodes without 200 machines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from clustertui.engine.monitor import ClusterMonitor
from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries

if TYPE_CHECKING:
    from clustertui.metrics.exporter import Exporter

EMPTY_SERIES = NodeSeries((), (), (), (), ())


class SnapshotSource(Protocol):
    interval: float  # seconds between ticks

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def snapshot(self) -> ClusterSnapshot:
        """The cluster now; called once per tick."""
        ...

    def series(self, node: str, seconds: float) -> NodeSeries:
        """A node's history for the detail charts."""
        ...

    def retry(self, node: str) -> None:
        """Reconnect a node now (the way out of a host-key alert)."""
        ...

    def set_interval(self, seconds: float) -> float:
        """Sample every `seconds` from now on; returns the interval in effect (bounded)."""
        ...


#: The intervals `+` and `-` step through (the engine's bounds, 100ms and 60s, at the ends).
INTERVAL_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0)


def next_interval(current: float, step: int) -> float:
    """The next step up (`step` > 0) or down from `current`, which need not be on the ladder
    (the file may say 3s: + gives 5s, - gives 2s); the ends stay where they are."""
    if step > 0:
        return next((s for s in INTERVAL_STEPS if s > current + 1e-9), INTERVAL_STEPS[-1])
    return next((s for s in reversed(INTERVAL_STEPS) if s < current - 1e-9), INTERVAL_STEPS[0])


class MonitorSource:
    """The live cluster: a ClusterMonitor started and stopped with the app (and, with
    `--metrics`, exported while it runs)."""

    def __init__(self, monitor: ClusterMonitor, exporter: Exporter | None = None) -> None:
        self.monitor = monitor
        self.exporter = exporter
        self.interval = monitor.interval

    async def start(self) -> None:
        await self.monitor.start()
        if self.exporter is not None:
            self.exporter.attach(self.monitor)

    async def stop(self) -> None:
        try:
            if self.exporter is not None:
                await self.exporter.close()
        finally:
            await self.monitor.stop()

    def snapshot(self) -> ClusterSnapshot:
        return self.monitor.snapshot()

    def series(self, node: str, seconds: float) -> NodeSeries:
        return self.monitor.series(node, seconds)

    def retry(self, node: str) -> None:
        self.monitor.retry(node)

    def set_interval(self, seconds: float) -> float:
        self.interval = self.monitor.set_interval(seconds)
        return self.interval


class ReplaySource:
    """Fixed snapshots, one per tick: the last one repeats, or the sequence loops."""

    def __init__(
        self,
        frames: Sequence[ClusterSnapshot],
        series: Mapping[str, NodeSeries] | None = None,
        interval: float = 1.0,
        loop: bool = False,
    ) -> None:
        if not frames:
            raise ValueError("a replay needs at least one snapshot")
        self.frames = frames
        self.recorded_series = dict(series or {})
        self.interval = interval
        self.loop = loop
        self.position = 0
        self.retried: list[str] = []

    async def start(self) -> None:
        """Nothing to start: the frames are already in memory."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def snapshot(self) -> ClusterSnapshot:
        index = self.position % len(self.frames) if self.loop else min(self.position, len(self.frames) - 1)
        self.position += 1
        return self.frames[index]

    def series(self, node: str, seconds: float) -> NodeSeries:
        return self.recorded_series.get(node, EMPTY_SERIES)

    def retry(self, node: str) -> None:
        self.retried.append(node)

    def set_interval(self, seconds: float) -> float:
        """The replay's ticks follow the interval too (its frames do not change)."""
        self.interval = seconds
        return seconds
