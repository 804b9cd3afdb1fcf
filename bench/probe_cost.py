"""The probe's own cost on a node: CPU per second of streaming, as a share of one core.

Runs the real probe command (with the lab.yaml services of that node) for N frames at a
1 s interval inside a lab node, and on this host for comparison, and reads the CPU time of
the whole process tree (awk and everything it forks: sleep, df, cat) from RUSAGE_CHILDREN.
Goal: under 1% of one core.

    .venv/bin/python bench/probe_cost.py [--frames 30] [--node web1]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.plan import probe_plan

REPO = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], frames: int) -> tuple[float, float]:
    """(CPU seconds of the process tree, wall seconds) for one run of `frames` frames."""
    cpu0, wall0 = children_cpu(), time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=frames * 3 + 30)
    cpu, wall = children_cpu() - cpu0, time.monotonic() - wall0
    got = result.stdout.count("\nE\n")
    if got != frames:
        raise SystemExit(f"probe printed {got}/{frames} frames: {result.stderr.strip()[:300]}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--node", default="web1")
    args = parser.parse_args()
    cluster = load_cluster(REPO / "sample_clusters" / "lab.yaml", check_files=False)
    command = probe_plan(cluster, cluster.node(args.node)).command(1.0, count=args.frames)
    from clustertui.lab import node_init_pid

    pid = node_init_pid(args.node)
    if pid is None:
        raise SystemExit("bench: the lab is not up (clustertui lab up)")
    runs = {
        f"lab node {args.node} (lxcfs /proc)": ["nsenter", "-t", str(pid), "-n", "-u", "-p", "-m", "--", "sh", "-c", command],
        "this host": ["sh", "-c", command],
    }
    print(f"probe cost over {args.frames} frames at 1 s:")
    for name, argv in runs.items():
        cpu, wall = measure(argv, args.frames)
        print(f"  {name:<32} {cpu * 1000 / args.frames:6.2f} ms CPU per frame = {100 * cpu / wall:.2f}% of one core")


if __name__ == "__main__":
    main()
