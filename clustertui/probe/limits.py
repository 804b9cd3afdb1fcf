"""The bounds on what a node may send: every frame, line, record and number has one.

A node's probe output is untrusted (DESIGN: "Node text is data"). Whatever it prints, the
controller's work per frame and its memory per node stay bounded, and parsing stays linear:
anything past a bound makes the node `probe-error` with the bound named, never a slow loop.
Each bound is far above what a real node prints (figures in docs/performance.md).
"""

from __future__ import annotations

#: Characters of one frame, `H` header line included. A real frame is ~300 bytes; a host
#: with MAX_CORES cores and thousands of interfaces stays well under this.
MAX_FRAME = 512 * 1024
#: Characters of one line: the `k` line of MAX_CORES cores (`100.0 ` each) is 48 KiB.
MAX_LINE = 64 * 1024
#: Lines in one frame (interfaces, disks, services and faults together).
MAX_RECORDS = 8192
#: Cores in the `k` record: the kernel's own maximum (x86-64 CONFIG_MAXSMP, NR_CPUS=8192).
MAX_CORES = 8192
#: Characters of one number; `18446744073709551615` (2^64 - 1) has 20.
MAX_DIGITS = 24
#: Largest value of any number in a frame (kB of memory, bytes/s, load, seconds of uptime):
#: 2^53 is exact as a double, fits every float32 history series, and no machine reports more.
MAX_NUMBER = 2**53
#: Characters of the hostname and of the kernel release in the header (uname allows 64).
MAX_NAME = 255
#: Frames the channel takes on average: at most FRAME_RATE per interval, in bursts of up to
#: MAX_FRAME_BURST. The probe prints one frame per interval (and skips missed slots rather
#: than bursting), so a node that sends more is flooding. A channel starts with credit for
#: FRAME_START frames (the header and first frames come at once); the burst allowance is
#: earned by sending slower than FRAME_RATE, and covers frames queued behind a network stall.
FRAME_RATE = 2.0
FRAME_START = 3
MAX_FRAME_BURST = 30
#: Watch events (probe/watch.py) the channel takes: WATCH_RATE a second on average, in
#: bursts of up to MAX_WATCH_BURST. A watcher polls every 50 ms, so an honest node sends at
#: most ~20 a second per watched name, and only while a service crash-loops; events past
#: the budget are dropped unparsed (the next frame still reports the state), so a node that
#: floods them costs the controller only the cutting of its stream.
WATCH_RATE = 50.0
MAX_WATCH_BURST = 100
