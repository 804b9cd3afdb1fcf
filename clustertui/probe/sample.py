"""Immutable samples that the probe's frames are parsed into.

The engine keeps many of these per node, so they are slotted frozen dataclasses; the UI and
the report writers only ever read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class HostInfo:
    """What a node says about itself once, when the probe starts."""

    hostname: str
    kernel: str
    page_size: int = 4096


@dataclass(frozen=True, slots=True)
class CpuBreakdown:
    """Busy share of all CPUs over the last interval, in percent (psutil's formulas)."""

    percent: float
    user: float
    system: float
    iowait: float
    steal: float


@dataclass(frozen=True, slots=True)
class DiskUsage:
    path: str
    total: int
    used: int
    available: int

    @property
    def percent(self) -> float:
        # df's own "Use%": used / (used + available), which excludes root-reserved blocks.
        denominator = self.used + self.available
        return 100.0 * self.used / denominator if denominator else 0.0


@dataclass(frozen=True, slots=True)
class NetRate:
    iface: str
    rx_bps: float
    tx_bps: float


class MetricsOrigin(StrEnum):
    """Where a sample's CPU, memory, swap, load and network figures come from."""

    PROBE = "probe"  # the node's own probe frame (SSH)
    PROMETHEUS = "prometheus"  # the cluster file's `source:` (node_exporter through Prometheus)


class Sign(StrEnum):
    """A sign of life of a service that the probe checks."""

    PROCESS = "process"  # a process with the configured name runs
    PORT = "port"  # something listens on the configured port
    SYSTEMD = "systemd"  # the configured unit is active


@dataclass(frozen=True, slots=True)
class WatchReport:
    """A watch event (probe/watch.py): a watched process ended and a service's process or
    port sign flipped; the counts and ports as scanned right then, between two frames."""

    uptime: float
    process_counts: dict[str, int]  # by process name
    listening: dict[int, bool]  # by port


@dataclass(frozen=True, slots=True)
class ServiceProbe:
    """What the probe saw of one configured service on one node."""

    process_count: int | None
    listening: bool | None
    systemd: str | None

    def _holds(self) -> dict[Sign, bool]:
        """Each sign of life the probe looked at (None fields were not configured)."""
        signs: dict[Sign, bool] = {}
        if self.process_count is not None:
            signs[Sign.PROCESS] = self.process_count > 0
        if self.listening is not None:
            signs[Sign.PORT] = self.listening
        if self.systemd is not None:
            signs[Sign.SYSTEMD] = self.systemd == "active"
        return signs

    @property
    def failed(self) -> tuple[Sign, ...]:
        """The signs of life that did not hold."""
        return tuple(sign for sign, held in self._holds().items() if not held)

    @property
    def held(self) -> tuple[Sign, ...]:
        """The signs of life that held."""
        return tuple(sign for sign, held in self._holds().items() if held)

    def watched(self, report: WatchReport, process: str | None, port: int | None) -> ServiceProbe:
        """This probe with the signs a watch event carries for the service's process and port."""
        return ServiceProbe(
            process_count=report.process_counts.get(process, self.process_count) if process else self.process_count,
            listening=report.listening.get(port, self.listening) if port else self.listening,
            systemd=self.systemd,
        )

    @property
    def up(self) -> bool:
        """The one rule: a service is up when every configured sign of life holds (the
        engine adds the HTTP check on top, in engine/judge.py)."""
        return not self.failed


@dataclass(frozen=True, slots=True)
class NodeSample:
    """One node at one instant: the unit the engine stores and the UI draws."""

    t: float
    uptime: float
    cpu: CpuBreakdown | None
    cores: tuple[float, ...]  # busy % per core; empty on a stream's first sample
    cpu_count: int
    load1: float
    load5: float
    load15: float
    mem_total: int
    mem_available: int
    mem_percent: float
    swap_total: int
    swap_used: int
    net: tuple[NetRate, ...]
    disks: tuple[DiskUsage, ...]
    psi_cpu: float | None
    psi_io: float | None
    psi_memory: float | None
    processes: int
    services: dict[str, ServiceProbe] = field(default_factory=dict)
    faults: tuple[str, ...] = ()
    watch: str | None = None  # the service watch: "on", a reason it is off, None: nothing watched
    metrics: MetricsOrigin = MetricsOrigin.PROBE
    #: Why the configured `source:` gave no figures for this sample (they are the probe's then).
    metrics_note: str = ""

    @property
    def cpu_percent(self) -> float | None:
        return self.cpu.percent if self.cpu else None

    @property
    def disk_percent(self) -> float | None:
        """The fullest probed filesystem's use, in percent (None: no filesystem probed)."""
        return max((disk.percent for disk in self.disks), default=None)

    @property
    def swap_percent(self) -> float | None:
        """Swap in use, in percent (None: the node has no swap)."""
        return 100.0 * self.swap_used / self.swap_total if self.swap_total > 0 else None

    @property
    def psi_worst(self) -> tuple[str, float] | None:
        """The most stalled resource and its PSI `some avg10` (None: no /proc/pressure)."""
        known = [(name, value) for name, value in (("cpu", self.psi_cpu), ("io", self.psi_io),
                                                   ("mem", self.psi_memory)) if value is not None]
        return max(known, key=lambda item: item[1]) if known else None

    @property
    def rx_bps(self) -> float:
        return sum(rate.rx_bps for rate in self.net)

    @property
    def tx_bps(self) -> float:
        return sum(rate.tx_bps for rate in self.net)
