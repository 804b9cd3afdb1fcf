"""Collection cost: clustertui's streaming probe against pdsh and parallel-ssh, side by side.

For N SSH targets (N = 10, 50, 200 by default; the lab's 8 nodes, each reached by several
connections through ssh_config aliases), this measures in one run:

- controller CPU per node-sample (µs): clustertui's warm streams (frames parsed into
  samples) over a steady window, against one `pdsh -R ssh` / `parallel-ssh` round that
  cats the same /proc files from every target (each round is one sample per target);
- wall time to collect one sample from every target, cold: clustertui connects and probes
  once (what `clustertui check` does) against one pdsh / parallel-ssh round.

It prints the figures and the ratios (peer / clustertui).  Needs root and the lab
(`clustertui lab up`); it sends traffic only to the lab's addresses.

    .venv/bin/python bench/collect.py [--targets 10,50,200] [--seconds 10] [--watch on|off|both] [--no-peers]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.engine.plan import probe_plan
from clustertui.transport.channel import probe_once
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import NodeState

REPO = Path(__file__).resolve().parents[1]
# The pool's one handshake setting, raised from its default (10 per controller, for sshd's
# MaxStartups) because the N targets spread over the lab's 8 sshds, as pdsh's fan-out does.
BENCH_HANDSHAKES = 20
PROC_FILES = "cat /proc/stat /proc/meminfo /proc/loadavg /proc/net/dev /proc/uptime"


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def targets(cluster, n: int) -> list[tuple[str, SSHTarget]]:
    nodes = cluster.nodes
    out = []
    for i in range(n):
        node = nodes[i % len(nodes)]
        out.append((f"t{i:03d}", SSHTarget.from_node(node)))
    return out


def fleet(cluster, n: int):
    """N nodes named t000.., reaching the lab's nodes round-robin (one connection each).

    Service HTTP checks and endpoints are dropped: they are controller-side checks that
    pdsh does not do either, so the comparison is collection against collection.
    """
    services = {name: svc.model_copy(update={"http": None}) for name, svc in cluster.services.items()}
    nodes = [cluster.nodes[i % len(cluster.nodes)].model_copy(update={"name": f"t{i:03d}"}) for i in range(n)]
    return cluster.model_copy(update={"nodes": nodes, "services": services, "endpoints": {}})


async def clustertui_stream(cluster, n: int, seconds: float, watch: bool = True) -> tuple[float, int]:
    """Controller CPU seconds and samples over a steady window, all-in: the real
    ClusterMonitor (streams, parsing, history, service judgement, events)."""
    monitor = ClusterMonitor(fleet(cluster, n), interval=1.0, pool=ConnectionPool(BENCH_HANDSHAKES), watch=watch)
    samples = 0

    def count(_node: str, _sample) -> None:
        nonlocal samples
        samples += 1

    monitor.on_sample(count)
    await monitor.start()
    deadline = time.monotonic() + 60
    while any(s.state is not NodeState.UP for s in monitor.nodes.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # let every stream deliver its first, rate-less frame
    cpu0, samples0 = cpu_self(), samples
    await asyncio.sleep(seconds)
    cpu, got = cpu_self() - cpu0, samples - samples0
    await monitor.stop()
    return cpu, got


async def clustertui_cold(cluster, n: int) -> float:
    """Wall seconds to connect to every target and read one parsed sample from each."""
    pool = ConnectionPool(BENCH_HANDSHAKES)
    plans = {node.name: probe_plan(cluster, node) for node in cluster.nodes}

    async def one(i: int, target: SSHTarget) -> None:
        node = cluster.nodes[i % len(cluster.nodes)]
        conn = await pool.open(target)
        try:
            await probe_once(conn, plans[node.name].command(1.0, count=1), plans[node.name])
        finally:
            conn.close()

    started = time.monotonic()
    try:
        await asyncio.gather(*(one(i, t) for i, (_a, t) in enumerate(targets(cluster, n))))
    finally:
        pool.close()
    return time.monotonic() - started


def ssh_config(cluster, n: int, directory: Path) -> Path:
    lines = []
    for alias, target in targets(cluster, n):
        lines += [
            f"Host {alias}",
            f"  HostName {target.host}",
            "  User root",
            f"  IdentityFile {target.identity}",
            f"  UserKnownHostsFile {target.known_hosts}",
            f"  HostKeyAlias {target.host}",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  ControlMaster no",
        ]
    path = directory / "ssh_config"
    path.write_text("\n".join(lines) + "\n")
    (directory / "hosts").write_text("\n".join(alias for alias, _ in targets(cluster, n)) + "\n")
    return path


def run_peer(argv: list[str], env: dict[str, str], n: int) -> tuple[float, float]:
    """(controller CPU seconds, wall seconds) of one round; fails loudly on missing output."""
    cpu0, started = cpu_children(), time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    wall, cpu = time.monotonic() - started, cpu_children() - cpu0
    answered = result.stdout.count("MemTotal")
    if answered < n:
        raise SystemExit(f"{argv[0]}: only {answered}/{n} targets answered: {result.stderr.strip()[:300]}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", default=str(REPO / "sample_clusters" / "lab.yaml"))
    parser.add_argument("--targets", default="10,50,200")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--watch", choices=("on", "off", "both"), default="on",
                        help="the nodes' service watch (probe/watch.py); both: measure clustertui with and without")
    parser.add_argument("--no-peers", action="store_true", help="clustertui only (no pdsh, no parallel-ssh)")
    args = parser.parse_args()
    cluster = load_cluster(args.cluster)
    for tool in () if args.no_peers else ("pdsh", "parallel-ssh"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} is missing (apt-get install pdsh pssh)")
    watches = {"on": (True,), "off": (False,), "both": (False, True)}[args.watch]
    print(f"{'N':>4} {'tool':<13} {'CPU/node-sample':>16} {'cold wall':>10}   ratio vs clustertui (CPU, wall)")
    for n in (int(x) for x in args.targets.split(",")):
        ours_wall = asyncio.run(clustertui_cold(cluster, n))
        for watch in watches:
            cpu, samples = asyncio.run(clustertui_stream(cluster, n, args.seconds, watch))
            ours_us = cpu / max(samples, 1) * 1e6
            print(f"{n:>4} {'clustertui':<13} {ours_us:>13.0f} µs {ours_wall:>9.2f}s   ({samples} samples in "
                  f"{args.seconds:g}s, watch {'on' if watch else 'off'})", flush=True)
        if args.no_peers:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            config = ssh_config(cluster, n, Path(tmp))
            env = {**os.environ, "PDSH_SSH_ARGS": f"-F {config} -x %h", "PDSH_RCMD_TYPE": "ssh"}
            peers = {
                "pdsh": ["pdsh", "-R", "ssh", "-f", "32", "-w", ",".join(a for a, _ in targets(cluster, n)), PROC_FILES],
                "parallel-ssh": ["parallel-ssh", "-p", "32", "-h", str(Path(tmp) / "hosts"), "-x", f"-F {config}",
                                 "-i", PROC_FILES],
            }
            for name, argv in peers.items():
                cpu_peer, wall = run_peer(argv, env, n)
                per = cpu_peer / n * 1e6
                print(f"{n:>4} {name:<13} {per:>13.0f} µs {wall:>9.2f}s   x{per / ours_us:.0f} CPU, x{wall / ours_wall:.1f} wall")


if __name__ == "__main__":
    main()
