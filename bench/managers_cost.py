"""What the cluster managers add per interval: controller CPU and node CPU.

Reads every manager of sample_clusters/lab.yaml (HAProxy's stats socket, the VIP holder,
Sentinel and every redis's ROLE) over pooled connections once per interval, as the monitor
does, and measures:

- controller CPU: this process's CPU time per read of each manager (its reads run one after
  the other here, so each one's time is its own);
- node CPU: the CPU time of every process in each lab node's cgroup (sshd, the daemons that
  answer, the `ip` that keepalived's read forks), reaped children included, during the
  reads, minus the same nodes' CPU over an idle stretch of the same length.

    .venv/bin/python bench/managers_cost.py [--rounds 30] [--interval 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.managers.read import read_manager
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget

REPO = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def node_cpu(nodes: list[str]) -> dict[str, float]:
    """CPU seconds of every process in each node's cgroup, reaped children included."""
    from clustertui.lab.cgroups import detect_layout, pids_in

    layout = detect_layout()
    out = {}
    for node in nodes:
        total = 0
        for pid in pids_in(layout.memory_dir(node)):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        out[node] = total / TICK
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    from clustertui.config import ConfigError

    try:
        cluster = load_cluster(REPO / "sample_clusters" / "lab.yaml")
    except ConfigError as exc:
        raise SystemExit(f"bench: the lab is not up (clustertui lab up): {exc}") from None
    members = sorted({n.name for m in cluster.managers.values() for n in cluster.manager_nodes(m)})
    pool = ConnectionPool()
    for name in members:  # the monitor's connections exist before any manager is read
        await pool.connection(SSHTarget.from_node(cluster.node(name)))
    for manager in cluster.managers.values():  # warm: first channels, imports
        await read_manager(manager, cluster, pool, args.interval)

    idle0 = node_cpu(members)
    await asyncio.sleep(args.rounds * args.interval)
    idle = {n: v - idle0[n] for n, v in node_cpu(members).items()}

    spent = dict.fromkeys(cluster.managers, 0.0)
    failed = 0
    busy0 = node_cpu(members)
    for _ in range(args.rounds):
        started = time.monotonic()
        for name, manager in cluster.managers.items():
            cpu = time.process_time()
            view = await read_manager(manager, cluster, pool, args.interval)
            spent[name] += time.process_time() - cpu
            failed += sum(1 for r in view.reads if not r.ok)
        await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - started)))
    busy = {n: v - busy0[n] for n, v in node_cpu(members).items()}
    pool.close()

    print(f"managers of lab.yaml, {args.rounds} reads each at {args.interval:g}s ({failed} failed reads)")
    print("controller CPU per read (one interval):")
    for name, manager in cluster.managers.items():
        reads = len(cluster.manager_nodes(manager))
        print(f"  {name:<8} {manager.kind:<15} {1000 * spent[name] / args.rounds:6.2f} ms  ({reads} nodes)")
    print(f"  {'all':<24} {1000 * sum(spent.values()) / args.rounds:6.2f} ms = "
          f"{100 * sum(spent.values()) / (args.rounds * args.interval):.2f}% of one core")
    print("node CPU added per interval (reads minus idle):")
    for node in members:
        added = (busy[node] - idle[node]) / args.rounds
        print(f"  {node:<6} {1000 * added:6.2f} ms = {100 * added / args.interval:.2f}% of one core")


if __name__ == "__main__":
    asyncio.run(main())
