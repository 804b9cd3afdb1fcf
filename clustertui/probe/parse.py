"""Frame parsing: the text a node printed -> NodeSample.

The probe computes its figures on the node (see probe.awk), so a frame is a few short lines
of finished numbers.  Every malformed input raises ProbeError and nothing else, because a
node that lies or prints garbage must turn into a `probe-error` state, never into a crashed
monitor.  The parser is one pass over split lines with a dispatch on the record letter: no
regexes, since parsing runs for every node every interval.
"""

from __future__ import annotations

import math

from clustertui.probe.errors import ProbeError
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import CpuBreakdown, DiskUsage, HostInfo, NetRate, NodeSample, ServiceProbe

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


def parse_frame(text: str, plan: ProbePlan, t: float) -> NodeSample:
    """Parse one frame (from `F seq uptime` through `E`) into a sample taken at `t`."""
    try:
        return _parse(text, plan, t)
    except ProbeError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ProbeError(f"malformed frame: {exc}") from None


def _percent(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 100.0:  # also rejects NaN
        raise ProbeError(f"percentage out of range: {value[:20]!r}")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ProbeError(f"negative count: {value[:20]!r}")
    return number


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ProbeError(f"not a finite non-negative number: {value[:20]!r}")
    return number


def _optional(value: str) -> float | None:
    return None if value == "-" else _finite(value)


def _parse(text: str, plan: ProbePlan, t: float) -> NodeSample:
    lines = text.strip("\n").split("\n")
    head = lines[0].split()
    if len(head) != 3 or head[0] != "F" or lines[-1] != "E":
        raise ProbeError("frame does not start with 'F seq uptime' and end with 'E'")
    uptime = _finite(head[2])
    cpu: CpuBreakdown | None = None
    cores: tuple[float, ...] = ()
    cpu_count = 0
    mem: list[str] | None = None
    load: list[str] | None = None
    net: list[NetRate] = []
    psi: tuple[float | None, float | None, float | None] = (None, None, None)
    disks: list[DiskUsage] = []
    processes = 0
    proc_counts: dict[str, int] = {}
    listening: dict[int, bool] = {}
    units: dict[str, str] = {}
    faults: list[str] = []
    for line in lines[1:-1]:
        fields = line.split()
        kind = fields[0] if fields else ""
        if kind == "c" and len(fields) == 6:
            if fields[1] != "-":
                cpu = CpuBreakdown(*(_percent(v) for v in fields[1:]))
        elif kind == "k":
            cpu_count = len(fields) - 1
            if "-" not in fields:  # a core just came online has no rate yet
                cores = tuple(_percent(v) for v in fields[1:])
        elif kind == "m" and len(fields) == 6:
            mem = fields
        elif kind == "l" and len(fields) == 4:
            load = fields
        elif kind == "n" and len(fields) == 4:
            net.append(NetRate(fields[1], _finite(fields[2]), _finite(fields[3])))
        elif kind == "p" and len(fields) == 4:
            psi = (_optional(fields[1]), _optional(fields[2]), _optional(fields[3]))
        elif kind == "d":
            if len(fields) == 5 and fields[2].isdigit():  # df prints nothing usable for a missing path
                disks.append(DiskUsage(fields[1], int(fields[2]) * 1024, int(fields[3]) * 1024, int(fields[4]) * 1024))
        elif kind == "r" and len(fields) == 2:
            processes = _count(fields[1])
        elif kind == "s" and len(fields) == 4:
            sub, name, value = fields[1], fields[2], fields[3]
            if sub == "P":
                proc_counts[name] = _count(value)
            elif sub == "L":
                listening[int(name)] = value == "1"
            elif sub == "U":
                units[name] = value
            else:
                raise ProbeError(f"unknown service record {sub[:10]!r}")
        elif kind == "x" and len(fields) == 2:
            faults.append(fields[1])
        else:
            raise ProbeError(f"unexpected record {line[:40]!r}")
    if mem is None or load is None:
        raise ProbeError("frame lacks its memory or load record")
    total, available = _count(mem[1]) * 1024, _count(mem[2]) * 1024
    swap_total, swap_used = _count(mem[4]) * 1024, _count(mem[5]) * 1024
    return NodeSample(
        t=t,
        uptime=uptime,
        cpu=cpu,
        cores=cores,
        cpu_count=cpu_count,
        load1=_finite(load[1]),
        load5=_finite(load[2]),
        load15=_finite(load[3]),
        mem_total=total,
        mem_available=min(available, total),
        mem_percent=_percent(mem[3]),
        swap_total=swap_total,
        swap_used=min(swap_used, swap_total),
        net=tuple(net),
        disks=tuple(disks),
        psi_cpu=psi[0],
        psi_io=psi[1],
        psi_memory=psi[2],
        processes=processes,
        services={
            check.name: ServiceProbe(
                process_count=proc_counts.get(check.process) if check.process else None,
                listening=listening.get(check.port) if check.port else None,
                systemd=units.get(check.systemd) if check.systemd else None,
            )
            for check in plan.services
        },
        faults=tuple(faults),
    )
