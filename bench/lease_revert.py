"""The lease: from SIGKILL of a clustertui holding a fault to the node's own revert, and
what a renewal costs.

1. N times: `clustertui chaos lab.yaml apply block-port --node web2 --port 80 --ttl 300s
   --lease L --hold --yes` in a subprocess; after the apply, wait a random 0..L s (a random
   phase of the renewal cycle), SIGKILL it, and time the kill to the moment the fault's
   ledger is gone from the node (polled every 20 ms from inside the node's namespaces) —
   the node reverted it by itself, at the end of the lease, with the TTL 300 s away.
2. The renewal: a session holding one leased fault on each of 3 nodes renews them for
   a while; the round trip of one node's renewal (p50/p95) and the controller CPU per
   node-renewal (process CPU time over the renewals sent).

Needs root and the lab (`clustertui lab up`); traffic only to the lab's addresses.

    .venv/bin/python bench/lease_revert.py [--trials 10] [--lease 4] [--renew-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from clustertui.chaos import ChaosSession, FaultRequest
from clustertui.config import load_cluster
from clustertui.lab import node_exec

REPO = Path(__file__).resolve().parents[1]
LAB_FILE = REPO / "sample_clusters" / "lab.yaml"
NODE = "web2"


def in_ledger(fault_id: str) -> bool:
    return node_exec(NODE, ["sh", "-c", f"ls /run/clustertui/faults/{fault_id}.json 2>/dev/null"]).stdout.strip() != ""


def one_kill(lease: float) -> float:
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "chaos", str(LAB_FILE), "apply", "block-port", "--node", NODE,
         "--port", "80", "--ttl", "300s", "--lease", f"{lease:g}s", "--hold", "--yes"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )
    fault_id = proc.stdout.readline().strip() if proc.stdout else ""
    try:
        if not fault_id.startswith("f-"):
            raise SystemExit(f"the apply failed: {fault_id!r}")
        time.sleep(random.uniform(0, lease))
        killed = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=5)
        while in_ledger(fault_id):
            if time.monotonic() - killed > 300:
                raise SystemExit(f"{fault_id} was not reverted")
            time.sleep(0.02)
        return time.monotonic() - killed
    finally:
        if proc.poll() is None:
            proc.kill()
        subprocess.run([sys.executable, "-m", "clustertui", "chaos", str(LAB_FILE), "revert", "--all"],
                       capture_output=True, cwd=REPO)


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def renewals(lease: float, seconds: float) -> tuple[list[float], float, int]:
    """Round trips (s) of one node's renewal, and CPU seconds over renewals sent, while
    holding one fault on each of three nodes."""
    cluster = load_cluster(LAB_FILE)
    cluster = cluster.model_copy(update={"chaos": cluster.chaos.model_copy(update={"max_faulted_nodes": 3})})
    async with ChaosSession.open(cluster, lease=lease) as session:
        renewer = session.renewer
        assert renewer is not None
        for node in ("web1", "web2", "web3"):
            outcome = await session.apply(await session.plan(FaultRequest("cpu-hog", node, {"cores": 1}, ttl=300)))
            if not outcome.ok:
                raise SystemExit(f"the apply on {node} failed: {outcome.result}")
        await asyncio.sleep(lease)  # warm: every node renewed at least once
        trips: list[float] = []
        renew = renewer.renew

        async def timed(node: str, fault_ids: list[str]) -> dict[str, str]:
            started = time.monotonic()
            answers = await renew(node, fault_ids)
            trips.append(time.monotonic() - started)
            return answers

        renewer.renew = timed  # type: ignore[method-assign]
        cpu = cpu_self()
        await asyncio.sleep(seconds)
        cpu = cpu_self() - cpu
        return trips, cpu, len(trips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--lease", type=float, default=4.0)
    parser.add_argument("--renew-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (the lab)")
    took = []
    for trial in range(args.trials):
        took.append(one_kill(args.lease))
        print(f"trial {trial + 1}: reverted {took[-1]:.2f}s after SIGKILL", flush=True)
    took.sort()
    p95 = took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]
    print(f"SIGKILL -> node revert, lease {args.lease:g}s, TTL 300s, {len(took)} trials: "
          f"min {took[0]:.2f}s, p50 {statistics.median(took):.2f}s, p95 {p95:.2f}s, max {took[-1]:.2f}s")
    trips, cpu, count = asyncio.run(renewals(args.lease, args.renew_seconds))
    trips.sort()
    print(f"renewal, 3 nodes x 1 fault, every {args.lease / 5:g}s for {args.renew_seconds:g}s: {count} node-renewals; "
          f"round trip p50 {statistics.median(trips) * 1000:.1f} ms, "
          f"p95 {trips[min(len(trips) - 1, round(0.95 * (len(trips) - 1)))] * 1000:.1f} ms; "
          f"controller CPU {cpu / max(1, count) * 1000:.2f} ms per node-renewal (the whole process, idle loop included)")


if __name__ == "__main__":
    main()
