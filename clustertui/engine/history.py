"""Per-node ring buffers of the numbers the UI charts and the reports export.

One hour at one second for 200 nodes is 720k samples: keeping NodeSample objects would
cost hundreds of MB, so history is a set of fixed-size typed arrays (float64 for time,
float32 for values) written round-robin.  Only the latest full sample is kept as an object.

The arrays are preallocated, so a capacity is memory spent at once: all nodes' history
together is capped at MAX_HISTORY_BYTES. The monitor keeps the newest samples that fit;
`report`, which needs every sample of its duration, refuses a recording that would not fit
before it connects to anything (`history_needed` says what it would take).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from clustertui.probe.sample import NodeSample

_NAN = math.nan
SERIES = ("cpu", "mem", "load1", "rx", "tx", "disk", "swap", "psi_cpu", "psi_io", "psi_mem")


@dataclass(frozen=True, slots=True)
class Point:
    """One sample's numbers. None: not known (a first CPU sample, no swap, no /proc/pressure)."""

    t: float
    cpu: float | None
    mem: float
    load1: float
    rx: float
    tx: float
    disk: float | None = None  # the fullest probed filesystem, %
    swap: float | None = None  # swap in use, %
    psi_cpu: float | None = None  # PSI "some avg10", % of time stalled
    psi_io: float | None = None
    psi_mem: float | None = None


#: Bytes of history per sample: a float64 time and a float32 per series.
SAMPLE_BYTES = 8 + 4 * len(SERIES)
#: The most memory the history of all nodes may take together (docs/performance.md). At
#: 48 bytes a sample: 24 h of 60 nodes at 1 s, or 1 h of 200 nodes at 200 ms.
MAX_HISTORY_BYTES = 256 * 1024 * 1024


def samples_for(seconds: float, interval: float) -> int:
    """Samples per node that `seconds` of history at `interval` takes (at least 1)."""
    return max(1, int(min(seconds / interval, 2.0**62)))


def capacity_for(seconds: float, interval: float, nodes: int) -> int:
    """Per-node capacity for `seconds` of history, cut to what fits in MAX_HISTORY_BYTES."""
    return max(1, min(samples_for(seconds, interval), MAX_HISTORY_BYTES // (SAMPLE_BYTES * max(1, nodes))))


def history_needed(seconds: float, interval: float, nodes: int) -> int:
    """Bytes that `seconds` of history at `interval` for `nodes` nodes would take."""
    return samples_for(seconds, interval) * SAMPLE_BYTES * max(1, nodes)


class NodeHistory:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("history capacity must be at least 1")
        self.capacity = capacity
        # Repetition allocates exactly; array("d", bytes(n)) over-allocates ~6% and copies.
        self._t = array("d", [0.0]) * capacity
        self._values = {name: array("f", [0.0]) * capacity for name in SERIES}
        self._next = 0
        self.count = 0  # samples ever appended

    @property
    def size(self) -> int:
        return min(self.count, self.capacity)

    def append(self, sample: NodeSample) -> None:
        i = self._next
        self._t[i] = sample.t
        self._values["cpu"][i] = math.nan if sample.cpu is None else sample.cpu.percent
        self._values["mem"][i] = sample.mem_percent
        self._values["load1"][i] = sample.load1
        self._values["rx"][i] = sample.rx_bps
        self._values["tx"][i] = sample.tx_bps
        disk, swap = sample.disk_percent, sample.swap_percent
        self._values["disk"][i] = _NAN if disk is None else disk
        self._values["swap"][i] = _NAN if swap is None else swap
        self._values["psi_cpu"][i] = _NAN if sample.psi_cpu is None else sample.psi_cpu
        self._values["psi_io"][i] = _NAN if sample.psi_io is None else sample.psi_io
        self._values["psi_mem"][i] = _NAN if sample.psi_memory is None else sample.psi_memory
        self._next = (i + 1) % self.capacity
        self.count += 1

    def backfill(self, points: list[Point]) -> None:
        """Put `points` (oldest first) before what the history holds, as far as they are older
        than its first sample and fit: the past a metrics source (Prometheus) already has, so
        the charts start full.  Rebuilt once, at start, while the history holds few samples."""
        kept = self.points()
        first = kept[0].t if kept else math.inf
        merged = ([point for point in points if point.t < first] + kept)[-self.capacity:]
        self._next = self.count = 0
        for point in merged:
            i = self._next
            self._t[i] = point.t
            for name in SERIES:
                value = getattr(point, name)
                self._values[name][i] = _NAN if value is None else value
            self._next = (i + 1) % self.capacity
            self.count += 1

    def _span(self, last: int | None) -> tuple[int, int]:
        """(buffer index of the oldest, count) of the newest `last` samples (all by default)."""
        n = self.size if last is None else max(0, min(last, self.size))
        return (self._next - n) % self.capacity, n

    def _order(self, last: int | None = None) -> list[int]:
        """Buffer indices of the newest `last` samples (all kept ones by default), oldest first.

        Computed arithmetically so a sparkline of 60 points costs 60 steps, not a pass over
        an hour of buffer: the UI asks for 200 of these per tick.
        """
        start, n = self._span(last)
        if start + n <= self.capacity:
            return list(range(start, start + n))
        return list(range(start, self.capacity)) + list(range(0, start + n - self.capacity))

    def count_since(self, cutoff: float) -> int:
        """How many of the newest samples were taken at `cutoff` or later (walks back from
        the newest, so a five-minute window costs its own samples, not the whole buffer)."""
        count = 0
        i = self._next
        while count < self.size:
            i = (i - 1) % self.capacity
            if self._t[i] < cutoff:
                break
            count += 1
        return count

    def _newest(self, buffer: array[float], last: int | None) -> list[float]:
        """The newest `last` values of `buffer` (all kept ones by default), oldest first, as
        at most two slices of the ring: copied in C: an index lookup per value was most of a
        snapshot's time at 1,000 nodes (docs/performance.md, the fleet bench)."""
        start, n = self._span(last)
        if start + n <= self.capacity:
            return buffer[start:start + n].tolist()
        return buffer[start:].tolist() + buffer[:start + n - self.capacity].tolist()

    def times(self, last: int | None = None) -> list[float]:
        return self._newest(self._t, last)

    def series(self, name: str, last: int | None = None) -> list[float]:
        """Values oldest first (NaN where unknown, e.g. CPU % of a node's first sample)."""
        return self._newest(self._values[name], last)

    def points(self) -> list[Point]:
        values = self._values
        return [
            Point(
                t=self._t[i],
                cpu=_known(values["cpu"][i]),
                mem=float(values["mem"][i]),
                load1=float(values["load1"][i]),
                rx=float(values["rx"][i]),
                tx=float(values["tx"][i]),
                disk=_known(values["disk"][i]),
                swap=_known(values["swap"][i]),
                psi_cpu=_known(values["psi_cpu"][i]),
                psi_io=_known(values["psi_io"][i]),
                psi_mem=_known(values["psi_mem"][i]),
            )
            for i in self._order()
        ]


def _known(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
