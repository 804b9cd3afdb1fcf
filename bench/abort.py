"""Stop conditions: from a breach to the verified revert, p50 and p95, on the lab.

Each trial is the lab's shape of a drill whose traffic goes straight to its target: HTTP
traffic at 20/s to web1's nginx, the stop condition `availability_below=0.5,over=1s` armed
through the real `StopGuard` when the apply starts, then `kill nginx` on web1 through the
real `ChaosSession` (guards, ledger, node timer, verification).  When the guard trips, the
fault is reverted through `ChaosSession.stop` (the drill runner's path) and timed to the
verified revert.  Between trials nginx is back and serving for a second.

    .venv/bin/python bench/abort.py [--trials 20]

Times (epoch seconds, one clock): `fault` = the apply verified; `breach` = the bucket in
which the evaluator saw the condition hold; `reverted` = the revert verified on the node.
The audit log and local fault records go to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE, URL = "web1", "http://198.18.0.11/health"
CONDITION = "availability_below=0.5,over=1s"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


async def healthy(monitor, probe, seconds: float = 1.0) -> None:
    """nginx up on the node, as the engine judges it, and the last `seconds` of traffic all ok."""
    while True:
        now = time.time()
        recent = [r for r in probe.requests if r.t >= now - seconds - 0.6 and r.t < now - 0.6]
        if monitor.view(NODE).healthy and recent and all(r.ok for r in recent):
            return
        await asyncio.sleep(0.1)


async def run(trials: int) -> list[tuple[float, float, float]]:
    from clustertui.chaos import ChaosSession, FaultRequest
    from clustertui.config import Traffic, load_cluster
    from clustertui.config.stop_text import parse_stop_text
    from clustertui.drills.stopguard import StopGuard
    from clustertui.drills.traffic import TrafficProbe
    from clustertui.engine.monitor import ClusterMonitor

    cluster = load_cluster(REPO / "sample_clusters" / "lab.yaml")
    conditions = parse_stop_text(CONDITION)
    monitor = ClusterMonitor(cluster)
    await monitor.start()
    probe = TrafficProbe(Traffic(http=URL, rate=20, timeout=0.5))
    traffic = asyncio.create_task(probe.run())
    results = []
    try:
        await monitor.settled(20)
        async with ChaosSession.open(cluster, pool=monitor.pool) as session:
            for trial in range(trials):
                await asyncio.wait_for(healthy(monitor, probe), 30)
                plan = await session.plan(FaultRequest("kill", NODE, {"service": "nginx"}, ttl=60))
                guard = StopGuard(conditions, monitor, [probe], NODE)
                guard.arm()
                outcome = await session.apply(plan)
                fault = time.time()
                if not outcome.ok:
                    raise SystemExit(f"trial {trial}: the fault was not applied: {outcome.result}")
                await asyncio.wait_for(guard.tripped.wait(), 10)
                breach = guard.breach
                assert breach is not None
                reverted = await session.stop(plan.id, breach.reason())
                done = time.time()
                await guard.disarm()
                if not reverted.ok:
                    raise SystemExit(f"trial {trial}: the revert was not verified: {reverted.result}")
                results.append((breach.t - fault, done - breach.t, done - fault))
                print(f"  trial {trial + 1:2}: fault->breach {breach.t - fault:.2f}s  breach->reverted "
                      f"{done - breach.t:.2f}s  fault->reverted {done - fault:.2f}s", flush=True)
    finally:
        traffic.cancel()
        await asyncio.gather(traffic, return_exceptions=True)
        await monitor.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clustertui-bench-") as state:
        os.environ.setdefault("CLUSTERTUI_AUDIT_LOG", str(Path(state) / "audit.jsonl"))
        os.environ.setdefault("CLUSTERTUI_FAULTS_DIR", str(Path(state) / "faults"))
        print(f"{args.trials} trials: kill nginx on {NODE}, traffic straight to it, abort_when {CONDITION}")
        results = asyncio.run(run(args.trials))
    for label, values in zip(("fault -> breach", "breach -> verified revert", "fault -> verified revert"),
                             zip(*results, strict=True), strict=True):
        print(f"  {label:<26} p50 {statistics.median(values) * 1000:4.0f} ms   "
              f"p95 {percentile(list(values), 0.95) * 1000:4.0f} ms   max {max(values) * 1000:4.0f} ms")


if __name__ == "__main__":
    main()
