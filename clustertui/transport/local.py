"""The local node (`clustertui` with no file): this machine, read with psutil, no SSH.

It speaks the same SessionSink interface as an SSH session so the engine and the UI do not
care where a node's samples come from.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from typing import Any

import psutil

from clustertui.probe.sample import CpuBreakdown, DiskUsage, HostInfo, NetRate, NodeSample
from clustertui.transport.session import SessionSink
from clustertui.transport.states import NodeState


def _breakdown(times: Any) -> CpuBreakdown:  # psutil's scputimes: its fields vary by platform
    return CpuBreakdown(
        percent=100.0 - times.idle - getattr(times, "iowait", 0.0),
        user=times.user + times.nice,
        system=times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0),
        iowait=getattr(times, "iowait", 0.0),
        steal=getattr(times, "steal", 0.0),
    )


def _psi(resource: str) -> float | None:
    try:
        with open(f"/proc/pressure/{resource}") as handle:
            first = handle.readline()
    except OSError:
        return None
    for field in first.split():
        if field.startswith("avg10="):
            return float(field[6:])
    return None


class LocalSession:
    connection = None

    def __init__(self, name: str, interval: float, sink: SessionSink, paths: tuple[str, ...] = ("/",)) -> None:
        self.name = name
        self.interval = interval
        self.sink = sink
        self.paths = paths
        self.state = NodeState.CONNECTING
        self.detail = ""
        self.info = HostInfo(hostname=socket.gethostname(), kernel=os.uname().release)
        self._stopping = False
        self._wake = asyncio.Event()

    def set_interval(self, interval: float) -> None:
        """Sample every `interval` from now on, starting a new wait at once."""
        self.interval = interval
        self._wake.set()

    def retry(self) -> None:
        """Nothing to reconnect: the local node is always reachable."""

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def sample(self, previous_net: dict[str, tuple[int, int]], elapsed: float) -> NodeSample:
        cpu = psutil.cpu_times_percent(None)
        cores = psutil.cpu_times_percent(None, percpu=True)
        memory = psutil.virtual_memory()
        swap = psutil.swap_memory()
        load1, load5, load15 = os.getloadavg()
        counters = psutil.net_io_counters(pernic=True)
        net = tuple(
            NetRate(nic, (c.bytes_recv - previous_net[nic][0]) / elapsed, (c.bytes_sent - previous_net[nic][1]) / elapsed)
            for nic, c in counters.items()
            if nic != "lo" and nic in previous_net and elapsed > 0
        )
        previous_net.clear()
        previous_net.update({nic: (c.bytes_recv, c.bytes_sent) for nic, c in counters.items()})
        disks = []
        for path in self.paths:
            usage = psutil.disk_usage(path)
            disks.append(DiskUsage(path, usage.total, usage.used, usage.free))
        return NodeSample(
            t=time.time(),
            uptime=time.time() - psutil.boot_time(),
            cpu=_breakdown(cpu),
            cores=tuple(_breakdown(core).percent for core in cores),
            cpu_count=len(cores),
            load1=load1,
            load5=load5,
            load15=load15,
            mem_total=memory.total,
            mem_available=memory.available,
            mem_percent=memory.percent,
            swap_total=swap.total,
            swap_used=swap.used,
            net=net,
            disks=tuple(disks),
            psi_cpu=_psi("cpu"),
            psi_io=_psi("io"),
            psi_memory=_psi("memory"),
            processes=len(psutil.pids()),
        )

    async def run(self) -> None:
        psutil.cpu_times_percent(None)
        psutil.cpu_times_percent(None, percpu=True)
        net: dict[str, tuple[int, int]] = {}
        last = time.monotonic()
        self.state = NodeState.UP
        self.sink.node_state(self.name, NodeState.UP, "")
        while not self._stopping:
            self._wake.clear()
            try:  # a sleep that set_interval can cut short
                await asyncio.wait_for(self._wake.wait(), self.interval)
                continue
            except TimeoutError:
                pass
            now = time.monotonic()
            self.sink.node_sample(self.name, self.sample(net, now - last))
            last = now
