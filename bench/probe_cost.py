"""The probe's own cost on a node: CPU per second of streaming, as a share of one core.

Runs the real probe command (with the lab.yaml services of that node, plus `--extra`
process names to watch) at a 1 s interval inside a lab node, and on this host for
comparison, with the service watch off and on, and reads the CPU time of the whole process
tree: awk, the per-frame shells and `ss`, and with the watch its ticker and `tail --pid`
watchers. The probe runs in its own session; just before it is stopped, the CPU of every
process of that session (user + system, plus that of the children each has reaped) is
summed, which also counts the ticker and the watchers (they outlive awk's own children).
Goal: under 1% of one core with three watched services.

    .venv/bin/python bench/probe_cost.py [--frames 30] [--node web1] [--extra sshd,sh]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.plan import probe_plan
from clustertui.probe.plan import ServiceCheck

REPO = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu(sid: int) -> float:
    """CPU seconds of every process in session `sid`, with the children each has reaped."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after the comm: state ppid pgrp session ...
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / TICKS


def measure(argv: list[str], frames: int) -> tuple[float, float]:
    """(CPU seconds of the probe's session, wall seconds) over `frames` frames."""
    started = time.monotonic()
    probe = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert probe.stdout is not None
    got = 0
    try:
        while got < frames:
            line = probe.stdout.readline()
            if not line:
                raise SystemExit(f"probe ended after {got}/{frames} frames: {probe.stderr.read().decode()[:300]}")
            got += line == b"E\n"
        return session_cpu(probe.pid), time.monotonic() - started
    finally:
        os.killpg(probe.pid, signal.SIGTERM)
        probe.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--node", default="web1")
    parser.add_argument("--extra", default="sshd,sh", help="more process names to watch, comma-separated")
    args = parser.parse_args()
    cluster = load_cluster(REPO / "sample_clusters" / "lab.yaml", check_files=False)
    plan = probe_plan(cluster, cluster.node(args.node))
    extra = tuple(ServiceCheck(name, process=name) for name in args.extra.split(",") if name)
    plan = replace(plan, services=plan.services + extra)
    from clustertui.lab import node_init_pid

    pid = node_init_pid(args.node)
    if pid is None:
        raise SystemExit("bench: the lab is not up (clustertui lab up)")
    names = ", ".join(s.process or "" for s in plan.services)
    print(f"probe cost over {args.frames} frames at 1 s, watching {names}:")
    for watch in (False, True):
        command = replace(plan, watch=watch).command(1.0)
        runs = {
            f"lab node {args.node} (lxcfs /proc)":
                ["nsenter", "-t", str(pid), "-n", "-u", "-p", "-m", "--", "sh", "-c", command],
            "this host": ["sh", "-c", command],
        }
        for where, argv in runs.items():
            cpu, wall = measure(argv, args.frames)
            print(f"  {where:<32} watch {'on ' if watch else 'off'} {cpu * 1000 / args.frames:6.2f} ms CPU per "
                  f"frame = {100 * cpu / wall:.2f}% of one core", flush=True)


if __name__ == "__main__":
    main()
