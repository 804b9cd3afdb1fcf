"""Parsing cost per frame at the bounds of probe/limits.py, and the cost of a flood.

What a hostile node can make the controller spend: a frame at each bound (the most cores,
the most records, the largest frame) costs the parse of that frame once per interval; a
frame past a bound is rejected before it is parsed; a flood without a frame end is cut at
MAX_FRAME. The flood is fed to the channel's FrameBuffer in 100-byte packets, beside the
buffering it replaced (join and search the whole pending text per packet, cut at 1 MiB).

    .venv/bin/python bench/parse_bounds.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from clustertui.probe.errors import ProbeError
from clustertui.probe.limits import MAX_CORES, MAX_FRAME, MAX_LINE, MAX_RECORDS
from clustertui.probe.parse import FRAME_END, parse_frame
from clustertui.probe.plan import ProbePlan, ServiceCheck
from clustertui.transport.channel import FrameBuffer

PLAN = ProbePlan(services=(ServiceCheck("nginx", process="nginx", port=80),))
HEAD = "F 7 100.50\nc 25.0 20.0 4.0 1.0 0.0\n"
TAIL = "m 1000 600 40.0 2000 500\nl 0.10 0.20 0.30\np 1.50 0.00 -\nd / 100 40 60\nr 50\ns P nginx 3\ns L 80 1\nE\n"


def frame(cores: int = 8, nets: int = 2, faults: int = 0) -> str:
    return (
        HEAD
        + "k" + " 12.5" * cores + "\n"
        + "".join(f"n veth{i:05d} 123456789 987654321\n" for i in range(nets))
        + "".join(f"x f-{i:08x}\n" for i in range(faults))
        + TAIL
    )


def per_call(fn: Callable[[], object], repeat: int) -> float:
    """Best of `repeat` CPU seconds of one call (best: other processes share the cores)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        try:
            fn()
        except ProbeError:
            pass
        best = min(best, time.process_time() - started)
    return best


def old_flood(total: int, packet: int, cap: int = 1 << 20) -> None:
    """The buffering FrameBuffer replaced: join and search everything pending per packet."""
    pending = ""
    data = "x" * (packet - 1) + "\n"
    for _ in range(total // packet):
        text = pending + data if pending else data
        start = 0
        while (end := text.find(FRAME_END, start)) != -1:
            start = end + len(FRAME_END)
        pending = text[start:]
        if len(pending) > cap:
            return


def new_flood(total: int, packet: int) -> None:
    buffer = FrameBuffer()
    data = "x" * (packet - 1) + "\n"
    for _ in range(total // packet):
        buffer.feed(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    biggest_nets = (MAX_FRAME - len(frame(cores=0)) - 1024) // len("n veth00000 123456789 987654321\n")
    # The costliest valid frame: MAX_RECORDS lines filling MAX_FRAME (interfaces with long names).
    name_len = (MAX_FRAME - 4096) // (MAX_RECORDS - 12) - len("n  123456789 987654321\n")
    widest = frame(nets=0).replace("E\n", "".join(f"n {i:0{name_len}d} 123456789 987654321\n" for i in range(MAX_RECORDS - 12)) + "E\n")
    cases = [
        ("typical (8 cores, 2 interfaces)", frame()),
        (f"MAX_CORES ({MAX_CORES} cores)", frame(cores=MAX_CORES)),
        (f"MAX_RECORDS ({MAX_RECORDS - 12} interfaces)", frame(nets=MAX_RECORDS - 12)),
        (f"MAX_RECORDS and MAX_FRAME ({MAX_RECORDS - 12} interfaces, {name_len}-character names)", widest),
        (f"MAX_CORES + MAX_RECORDS ({MAX_CORES} cores, {MAX_RECORDS - 12} interfaces)",
         frame(cores=MAX_CORES, nets=MAX_RECORDS - 12)),
        ("rejected: frame over MAX_FRAME", frame(nets=biggest_nets * 3)),
        ("rejected: 9000 cores", frame(cores=9000)),
        ("rejected: a line over MAX_LINE", frame().replace("E\n", "x " + "a" * (MAX_LINE + 1) + "\nE\n")),
    ]
    print(f"{'frame':<60} {'size':>9} {'CPU per frame':>14}")
    for name, text in cases:
        cost = per_call(lambda text=text: parse_frame(text, PLAN, 1.0), args.repeat)
        print(f"{name:<60} {len(text) / 1024:>7.0f} KiB {cost * 1e3:>11.3f} ms")
    print()
    new = per_call(lambda: new_flood(MAX_FRAME + 100, 100), max(3, args.repeat // 4))
    print(f"flood without frame end, 100-byte packets, cut at {MAX_FRAME // 1024} KiB (FrameBuffer): {new * 1e3:.1f} ms")
    old = per_call(lambda: old_flood((1 << 20) + 100, 100), 1)
    print(f"the same flood with the old buffering, cut at 1 MiB: {old * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
