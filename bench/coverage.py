"""Benchmark: `clustertui coverage` at 10,000 recorded runs, and `check --lint --offline`.

    .venv/bin/python bench/coverage.py               # 10,000 runs into a temporary database
    .venv/bin/python bench/coverage.py --runs 2000

The runs are spread over the lab's five services and the ten fault kinds of the grid (a
third of them node-level faults on a role), over the last 90 days, two passed for one
failed, recorded through the history's API with a small report each (coverage reads the
summary columns only, never a report). Printed: the time of `clustertui coverage FILE`
(whole process: start-up, the query of every run of the cluster, the grid, the table) and of
`--json`, each the median of 5 runs after a warm-up; the store's `runs()` and the grid
alone, in process; and `check --lint --offline` and `check --offline` on the lab's file.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cli_timing import timed  # noqa: E402  (bench/ is the script's directory)

from clustertui.config import load_cluster  # noqa: E402
from clustertui.coverage import KINDS, coverage  # noqa: E402
from clustertui.history import HistoryStore, NewRun, Retention, RunKind  # noqa: E402

LAB = REPO / "sample_clusters" / "lab.yaml"
NODE_LEVEL = ("partition", "loss", "latency", "cpu-hog", "mem-hog", "disk-fill")


def fill(path: Path, runs: int) -> None:
    cluster = load_cluster(LAB, check_files=False)
    services = [(name, service.roles[0]) for name, service in cluster.services.items()]
    now = time.time()
    rng = random.Random(14)
    with HistoryStore(path, Retention(keep_runs=runs, keep_for=3650 * 86400.0)) as store:
        for _ in range(runs):
            service, role = rng.choice(services)
            kind = rng.choice(KINDS)
            ended = now - rng.uniform(0, 90 * 86400)
            store.record_run(NewRun(
                kind=RunKind.DRILL, cluster=cluster.name, name=f"{service}-{kind}",
                verdict=rng.choice(("passed", "passed", "failed")), started=ended - 30, ended=ended,
                report={"drill": f"{service}-{kind}"}, cluster_hash="", fault_kind=kind,
                service=None if kind in NODE_LEVEL else service, role=role, origin="schedule"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite"
        fill(db, args.runs)
        env = {**os.environ, "CLUSTERTUI_HISTORY": str(db)}
        cluster = load_cluster(LAB, check_files=False)
        start = time.perf_counter()
        with HistoryStore(db) as store:
            runs = store.runs(cluster.name, kind=None)
        read = time.perf_counter() - start
        start = time.perf_counter()
        grid = coverage(cluster, runs, time.time())
        built = time.perf_counter() - start
        print(f"{len(runs)} runs: store.runs() {read * 1000:.0f} ms, grid {built * 1000:.1f} ms, "
              f"score {grid.score:.0f}")
        for label, cli in (("coverage FILE", ["coverage", str(LAB)]),
                           ("coverage FILE --json", ["coverage", str(LAB), "--json"]),
                           ("check --lint --offline FILE", ["check", "--lint", "--offline", str(LAB)]),
                           ("check --offline FILE", ["check", "--offline", str(LAB)])):
            median, low, high = timed(cli, env)
            print(f"{label}: {median:.2f} s ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
