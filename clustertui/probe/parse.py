"""Frame parsing: text a node printed -> RawFrame -> NodeSample.

Every malformed input raises ProbeError and nothing else, because a node that lies or prints
garbage must turn into a `probe-error` state, never into a crashed monitor.  The parser is a
single pass over whitespace-split lines with a dispatch on the first character: no regexes,
since parsing is most of the controller's per-sample cost.
"""

from __future__ import annotations

from clustertui.probe.errors import ProbeError
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import (
    CpuBreakdown,
    DiskUsage,
    HostInfo,
    NetRate,
    NodeSample,
    RawFrame,
    ServiceProbe,
)

# MemTotal MemFree MemAvailable Buffers Cached SReclaimable Shmem SwapTotal SwapFree
# Active(file) Inactive(file)
_MEM_FIELDS = 11
_CPU_FIELDS = 10
FRAME_END = "\nE\n"


def split_header(chunk: str) -> tuple[HostInfo | None, str]:
    """Separate the one-off `H` line from the first frame it precedes."""
    if not chunk.startswith("H "):
        return None, chunk
    line, _, rest = chunk.partition("\n")
    parts = line.split()
    if len(parts) != 4 or not parts[3].isdigit() or int(parts[3]) == 0:
        raise ProbeError(f"malformed header line {line[:80]!r}")
    return HostInfo(hostname=parts[1], kernel=parts[2], page_size=int(parts[3])), rest


def parse_frame(text: str) -> RawFrame:
    """Parse one frame (from `F seq` through `E`)."""
    try:
        return _parse_frame(text)
    except ProbeError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ProbeError(f"malformed frame: {exc}") from None


def _ints(fields: list[str], start: int, count: int) -> tuple[int, ...]:
    values = tuple(int(value) for value in fields[start : start + count])
    if len(values) != count or any(value < 0 for value in values):
        raise ProbeError(f"expected {count} non-negative counters in {' '.join(fields)[:80]!r}")
    return values


def _optional_float(value: str) -> float | None:
    return None if value == "-" else float(value)


def _parse_frame(text: str) -> RawFrame:
    lines = text.strip("\n").split("\n")
    if not lines or not lines[0].startswith("F ") or lines[-1] != "E":
        raise ProbeError("frame does not start with 'F seq' and end with 'E'")
    seq = int(lines[0][2:])
    uptime: float | None = None
    cpu: tuple[int, ...] | None = None
    cores: list[tuple[int, ...]] = []
    mem: tuple[int | None, ...] | None = None
    zone_low: int | None = None
    load: tuple[float, float, float] | None = None
    net: list[tuple[str, int, int]] = []
    psi = None
    disks: list[tuple[str, int, int, int]] = []
    processes = 0
    proc_counts: dict[str, int] = {}
    listening: dict[int, bool] = {}
    units: dict[str, str] = {}
    faults: list[str] = []
    for line in lines[1:-1]:
        fields = line.split()
        if not fields:
            raise ProbeError("empty line inside a frame")
        kind = fields[0]
        if kind == "c":
            cpu = _ints(fields, 1, _CPU_FIELDS)
        elif kind == "k":
            if int(fields[1]) != len(cores):
                raise ProbeError(f"core lines out of order at {line[:40]!r}")
            cores.append(_ints(fields, 2, _CPU_FIELDS))
        elif kind == "u":
            uptime = float(fields[1])
        elif kind == "m":
            if len(fields) != _MEM_FIELDS + 1:
                raise ProbeError(f"memory line has {len(fields) - 1} fields, expected {_MEM_FIELDS}")
            mem = tuple(None if value == "-" else int(value) for value in fields[1:])
        elif kind == "z":
            zone_low = int(fields[1])
        elif kind == "l":
            load = (float(fields[1]), float(fields[2]), float(fields[3]))
        elif kind == "n":
            net.append((fields[1], int(fields[2]), int(fields[3])))
        elif kind == "p":
            psi = (_optional_float(fields[1]), _optional_float(fields[2]), _optional_float(fields[3]))
        elif kind == "d":
            if len(fields) == 5 and fields[2].isdigit():
                disks.append((fields[1], int(fields[2]), int(fields[3]), int(fields[4])))
        elif kind == "r":
            processes = int(fields[1])
        elif kind == "s":
            sub, name, value = fields[1], fields[2], fields[3]
            if sub == "P":
                proc_counts[name] = int(value)
            elif sub == "L":
                listening[int(name, 16)] = value == "1"
            elif sub == "U":
                units[name] = value
            else:
                raise ProbeError(f"unknown service record {sub!r}")
        elif kind == "x":
            faults.append(fields[1])
        else:
            raise ProbeError(f"unknown record {line[:40]!r}")
    if cpu is None or mem is None or load is None or uptime is None:
        raise ProbeError("frame lacks one of the cpu, memory, load or uptime records")
    if mem[0] is None or mem[1] is None:
        raise ProbeError("memory line lacks MemTotal or MemFree")
    return RawFrame(
        seq=seq,
        uptime=uptime,
        cpu=cpu,
        cores=tuple(cores),
        mem=mem,
        zone_low_pages=zone_low,
        load=load,
        net=tuple(net),
        psi=psi,
        disks=tuple(disks),
        processes=processes,
        proc_counts=proc_counts,
        listening=listening,
        units=units,
        faults=tuple(faults),
    )


def cpu_breakdown(before: tuple[int, ...], after: tuple[int, ...]) -> CpuBreakdown | None:
    """CPU busy % between two /proc/stat lines, by psutil's formula.

    psutil (Linux) subtracts guest and guest_nice from the total, since the kernel already
    counts them in user and nice, and counts idle + iowait as not busy.
    """
    user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice = (
        a - b for a, b in zip(after, before)
    )
    total = user + nice + system + idle + iowait + irq + softirq + steal - guest - guest_nice
    if total <= 0:
        return None
    busy = total - idle - iowait
    scale = 100.0 / total
    return CpuBreakdown(
        percent=min(100.0, max(0.0, busy * scale)),
        user=(user + nice - guest - guest_nice) * scale,
        system=(system + irq + softirq) * scale,
        iowait=iowait * scale,
        steal=steal * scale,
    )


def memory_figures(
    mem: tuple[int | None, ...], zone_low_pages: int | None = None, page_size: int = 4096
) -> tuple[int, int, float, int, int]:
    """(total, available, percent, swap_total, swap_used) in bytes, by psutil's formula.

    psutil takes MemAvailable (kernel 3.14+); where it is missing or 0 it re-does the
    kernel's own estimate from the zone low watermarks and the file LRU lists, and where
    even those are missing it falls back to free + cached.  An "available" above the total
    (LXC-style /proc views) is clamped to free, as psutil and procps do.
    """
    kib = [None if value is None else value * 1024 for value in mem]
    total, free, available, _buffers, cached, reclaimable, _shmem, swap_total, swap_free, active_file, inactive_file = kib
    total, free = total or 0, free or 0
    if not available:
        available = _estimate_available(free, cached or 0, reclaimable, active_file, inactive_file,
                                        None if zone_low_pages is None else zone_low_pages * page_size)
    if available < 0:
        available = 0
    elif available > total:
        available = free
    percent = round(100.0 * (total - available) / total, 1) if total else 0.0
    swap_total, swap_free = swap_total or 0, swap_free or 0
    return total, int(available), percent, swap_total, swap_total - swap_free


def _estimate_available(
    free: int, cached: int, reclaimable: int | None, active_file: int | None,
    inactive_file: int | None, watermark_low: int | None,
) -> float:
    """The kernel's MemAvailable (commit 34e431b0ae39), as psutil.calculate_avail_vmem."""
    if reclaimable is None or active_file is None or inactive_file is None or watermark_low is None:
        return free + cached
    available = free - watermark_low
    pagecache = active_file + inactive_file
    pagecache -= min(pagecache / 2, watermark_low)
    available += pagecache
    available += reclaimable - min(reclaimable / 2.0, watermark_low)
    return available


def derive_sample(
    plan: ProbePlan, previous: RawFrame | None, current: RawFrame, t: float, page_size: int = 4096
) -> NodeSample:
    """Turn a frame (and the one before it, for rates) into a NodeSample."""
    elapsed = current.uptime - previous.uptime if previous else 0.0
    rates = previous is not None and elapsed > 0
    cpu = cpu_breakdown(previous.cpu, current.cpu) if rates else None
    cores: tuple[CpuBreakdown, ...] = ()
    if rates and len(previous.cores) == len(current.cores):
        cores = tuple(
            core
            for core in (cpu_breakdown(b, a) for b, a in zip(previous.cores, current.cores))
            if core is not None
        )
    net: tuple[NetRate, ...] = ()
    if rates:
        before = {iface: (rx, tx) for iface, rx, tx in previous.net}
        net = tuple(
            NetRate(iface, max(0, rx - before[iface][0]) / elapsed, max(0, tx - before[iface][1]) / elapsed)
            for iface, rx, tx in current.net
            if iface in before
        )
    total, available, percent, swap_total, swap_used = memory_figures(
        current.mem, current.zone_low_pages, page_size
    )
    psi = current.psi or (None, None, None)
    services = {
        check.name: ServiceProbe(
            process_count=current.proc_counts.get(check.process) if check.process else None,
            listening=current.listening.get(check.port) if check.port else None,
            systemd=current.units.get(check.systemd) if check.systemd else None,
        )
        for check in plan.services
    }
    return NodeSample(
        t=t,
        uptime=current.uptime,
        cpu=cpu,
        cores=cores,
        cpu_count=len(current.cores),
        load1=current.load[0],
        load5=current.load[1],
        load15=current.load[2],
        mem_total=total,
        mem_available=available,
        mem_percent=percent,
        swap_total=swap_total,
        swap_used=swap_used,
        net=net,
        disks=tuple(DiskUsage(path, t_kb * 1024, u_kb * 1024, a_kb * 1024) for path, t_kb, u_kb, a_kb in current.disks),
        psi_cpu=psi[0],
        psi_io=psi[1],
        psi_memory=psi[2],
        processes=current.processes,
        services=services,
        faults=current.faults,
    )
