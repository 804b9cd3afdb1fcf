"""The service watch: how the probe learns of a watched process ending as it happens.

A frame per interval sees a dead service up to one interval late, and misses an outage
shorter than the interval.  So, beside the frames, each watched process name that runs has
one watcher on the node: GNU `tail --pid=PID -s 0.05 -f /dev/null` on its lowest pid, which
exits within 50 ms of that pid ending (a `kill(pid, 0)` every 50 ms in C, no fork; the
alternatives measured are in docs/performance.md).  The probe then scans processes and
ports again and, if a service's process or port sign flipped, sends a `W` block into the
same stream at once.  The controller turns it into the same service-down event a frame
would give; the next frame confirms it (or reports the service back up).

This module writes the shell wrapper that sets this up around the awk program.  The
wrapper opens a private FIFO on fd 3 (the "queue"): a ticker writes `T` into it every
interval and each watcher writes `X index pid` when its pid ends; the shell awk runs for
each scan reads one line from it first, so awk waits on one input and stays the stream's
only writer.  The ticker lives as long as the program; when
the program ends (the channel closed), or the ticker is told to end (HUP, INT, TERM), it
kills the watchers left (their pids are files in the queue's directory) and removes the
directory.

Where the watch cannot start (no `tail --pid`, as on busybox; no writable, plain $TMPDIR or
/tmp for the FIFO), the probe runs as before, detection waits for the frame, and every frame
says why (`w off REASON`): the node's detail shows it.
"""

from __future__ import annotations

#: Why a node's watch is off, as the probe says it (`w off REASON`), for a human.
REASONS = {
    "no-tail-pid": "tail has no --pid",
    "no-fifo": "no FIFO in $TMPDIR or /tmp",
}


def describe(status: str | None) -> str:
    """A short note for the node's detail: empty when the watch runs or nothing is watched."""
    if status is None or status == "on":
        return ""
    return f"watch off ({REASONS.get(status, status)}): services seen per frame"


def watch_wrapper(interval: float, awk: str) -> str:
    """The probe command with the watch: `awk` is the program's quoted arguments."""
    # $$ is this shell, which becomes awk at `exec`: the ticker stops when awk has ended.
    # TMPDIR is used only when plain (the path goes into single-quoted watcher commands).
    return (
        "w=off:no-tail-pid; "
        "if tail --pid=$$ --version >/dev/null 2>&1; then "
        "w=off:no-fifo; "
        "case ${TMPDIR:-/tmp} in *[!A-Za-z0-9._/-]*) t=/tmp ;; *) t=${TMPDIR:-/tmp} ;; esac; "
        "if d=$(mktemp -d \"$t/clustertui-watch.XXXXXX\" 2>/dev/null); then "
        "if mkfifo \"$d/q\" 2>/dev/null; then exec 3<>\"$d/q\"; w=on; else rmdir \"$d\"; fi; "
        "fi; "
        "fi; "
        "if [ \"$w\" = on ]; then "
        "(c() { for f in \"$d\"/w*; do [ -f \"$f\" ] && read -r p <\"$f\" && kill \"$p\"; done; rm -rf \"$d\"; exit 0; }; "
        f"trap c HUP INT TERM; while kill -0 $$ 2>/dev/null; do sleep {interval:.3f}; echo T >&3; done; c) "
        "</dev/null >/dev/null 2>&1 & "
        f"exec awk -v watch=on -v \"wdir=$d\" {awk}; "
        "fi; "
        f"exec awk -v \"watch=$w\" {awk}"
    )
