"""Frame parsing: the text a node printed -> NodeSample.

The probe computes its figures on the node (see probe.awk), so a frame is a few short lines
of finished numbers.  Every malformed input raises ProbeError and nothing else, because a
node that lies or prints garbage must turn into a `probe-error` state, never into a crashed
monitor.  The parser is one pass over split lines with a dispatch on the record letter: no
regexes, since parsing runs for every node every interval.  Every size and number is checked
against its bound (probe/limits.py) before it is used, so the work per frame is linear in
its size and no number a node sends can break arithmetic later (float conversion, float32
history, formatting).
"""

from __future__ import annotations

from clustertui.probe.errors import ProbeError
from clustertui.probe.limits import MAX_CORES, MAX_DIGITS, MAX_FRAME, MAX_LINE, MAX_NAME, MAX_NUMBER, MAX_RECORDS
from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import CpuBreakdown, DiskUsage, HostInfo, NetRate, NodeSample, ServiceProbe, WatchReport

FRAME_END = "\nE\n"
WATCH_START = "W "  # a watch event block, cut from the stream like a frame
_MAX_REASON = 40


def split_header(chunk: str) -> tuple[HostInfo | None, str]:
    """Separate the one-off `H` line from the first frame it precedes."""
    if not chunk.startswith("H "):
        return None, chunk
    line, _, rest = chunk.partition("\n")
    parts = line.split() if len(line) <= 3 * MAX_NAME else []
    if len(parts) != 4 or len(parts[1]) > MAX_NAME or len(parts[2]) > MAX_NAME:
        raise ProbeError(f"malformed header line {line[:80]!r}")
    try:
        page_size = _count(parts[3])
    except ProbeError as exc:
        raise ProbeError(f"malformed header line {line[:80]!r}: {exc}") from None
    if page_size == 0:
        raise ProbeError(f"malformed header line {line[:80]!r}: page size 0")
    return HostInfo(hostname=parts[1], kernel=parts[2], page_size=page_size), rest


def parse_frame(text: str, plan: ProbePlan, t: float) -> NodeSample:
    """Parse one frame (from `F seq uptime` through `E`) into a sample taken at `t`."""
    try:
        return _parse(text, plan, t)
    except ProbeError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ProbeError(f"malformed frame: {exc}") from None


def _number(value: str) -> float:
    """A finite number from 0 to MAX_NUMBER, written in ASCII (float() would also take
    `1_0`, Arabic-Indic digits and 10^6-digit strings)."""
    if len(value) > MAX_DIGITS or not value.isascii() or "_" in value:
        raise ProbeError(f"not a number of at most {MAX_DIGITS} ASCII characters: {value[:20]!r}")
    number = float(value)
    if not 0.0 <= number <= MAX_NUMBER:  # also rejects NaN and infinities
        raise ProbeError(f"number out of range 0..2^53: {value[:20]!r}")
    return number


def _percent(value: str) -> float:
    number = _number(value)
    if number > 100.0:
        raise ProbeError(f"percentage out of range: {value[:20]!r}")
    return number


def _count(value: str) -> int:
    """A whole number from 0 to MAX_NUMBER in ASCII digits (no sign, no `³`, no `٣`)."""
    if not (0 < len(value) <= MAX_DIGITS and value.isascii() and value.isdigit()):
        raise ProbeError(f"not a count: {value[:20]!r}")
    number = int(value)
    if number > MAX_NUMBER:
        raise ProbeError(f"count out of range 0..2^53: {value[:20]!r}")
    return number


def _optional(value: str) -> float | None:
    return None if value == "-" else _number(value)


def _port(value: str) -> int:
    port = _count(value)
    if not 1 <= port <= 65535:
        raise ProbeError(f"port out of range: {value[:20]!r}")
    return port


def _lines(text: str) -> list[str]:
    """The frame's lines, after checking its size, line count and every line's length."""
    if len(text) > MAX_FRAME:
        raise ProbeError(f"frame of {len(text)} characters, over the limit of {MAX_FRAME}")
    lines = text.strip("\n").split("\n")
    if len(lines) > MAX_RECORDS + 2:
        raise ProbeError(f"frame of {len(lines)} lines, over the limit of {MAX_RECORDS} records")
    longest = max(lines, key=len)
    if len(longest) > MAX_LINE:
        raise ProbeError(f"line of {len(longest)} characters, over the limit of {MAX_LINE}: {longest[:20]!r}")
    return lines


def _parse(text: str, plan: ProbePlan, t: float) -> NodeSample:
    lines = _lines(text)
    head = lines[0].split()
    if len(head) != 3 or head[0] != "F" or lines[-1] != "E":
        raise ProbeError("frame does not start with 'F seq uptime' and end with 'E'")
    uptime = _number(head[2])
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
    watch: str | None = None
    for line in lines[1:-1]:
        fields = line.split()
        kind = fields[0] if fields else ""
        if kind == "s" and len(fields) == 4:
            _service_record(fields, proc_counts, listening, units)
            continue
        if kind == "c" and len(fields) == 6:
            if fields[1] != "-":
                cpu = CpuBreakdown(*(_percent(v) for v in fields[1:]))
        elif kind == "k":
            cpu_count = len(fields) - 1
            if cpu_count > MAX_CORES:
                raise ProbeError(f"{cpu_count} cores, over the limit of {MAX_CORES}")
            if "-" not in fields:  # a core just came online has no rate yet
                cores = tuple(_percent(v) for v in fields[1:])
        elif kind == "m" and len(fields) == 6:
            mem = fields
        elif kind == "l" and len(fields) == 4:
            load = fields
        elif kind == "n" and len(fields) == 4:
            net.append(NetRate(fields[1], _number(fields[2]), _number(fields[3])))
        elif kind == "p" and len(fields) == 4:
            psi = (_optional(fields[1]), _optional(fields[2]), _optional(fields[3]))
        elif kind == "d":
            if len(fields) == 5 and fields[2].isascii() and fields[2].isdigit():  # df prints nothing usable for a missing path
                disks.append(DiskUsage(fields[1], *(_count(v) * 1024 for v in fields[2:])))
        elif kind == "r" and len(fields) == 2:
            processes = _count(fields[1])
        elif kind == "x" and len(fields) == 2:
            faults.append(fields[1])
        elif kind == "w" and watch is None:
            watch = _watch_status(fields)
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
        load1=_number(load[1]),
        load5=_number(load[2]),
        load15=_number(load[3]),
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
        watch=watch,
    )


def _service_record(fields: list[str], proc_counts: dict[str, int], listening: dict[int, bool],
                    units: dict[str, str]) -> None:
    """One `s` record (four fields) of a frame or a watch event."""
    sub, name, value = fields[1], fields[2], fields[3]
    if sub == "P":
        proc_counts[name] = _count(value)
    elif sub == "L":
        listening[_port(name)] = value == "1"
    elif sub == "U":
        units[name] = value
    else:
        raise ProbeError(f"unknown service record {sub[:10]!r}")


def _watch_status(fields: list[str]) -> str:
    """`w on` or `w off REASON` (a short lower-case word): "on" or the reason."""
    if fields == ["w", "on"]:
        return "on"
    if (len(fields) == 3 and fields[1] == "off" and len(fields[2]) <= _MAX_REASON and fields[2].isascii()
            and fields[2].replace("-", "").isalpha() and fields[2].islower()):
        return fields[2]
    raise ProbeError(f"malformed watch record {' '.join(fields)[:60]!r}")


def parse_watch(text: str) -> WatchReport:
    """Parse one watch event (`W seq uptime`, `s P` and `s L` records, `E`), with the same
    bounds as a frame."""
    try:
        lines = _lines(text)
        head = lines[0].split()
        if len(head) != 3 or head[0] != "W" or lines[-1] != "E":
            raise ProbeError("watch event does not start with 'W seq uptime' and end with 'E'")
        _count(head[1])
        uptime = _number(head[2])
        proc_counts: dict[str, int] = {}
        listening: dict[int, bool] = {}
        units: dict[str, str] = {}
        for line in lines[1:-1]:
            fields = line.split()
            if len(fields) != 4 or fields[0] != "s" or fields[1] == "U":
                raise ProbeError(f"unexpected record in a watch event {line[:40]!r}")
            _service_record(fields, proc_counts, listening, units)
    except ProbeError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise ProbeError(f"malformed watch event: {exc}") from None
    return WatchReport(uptime, proc_counts, listening)
