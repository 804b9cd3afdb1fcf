"""Benchmark: the drill history's size per run, and `clustertui history` at 10,000 runs.

    .venv/bin/python bench/history.py                # 10,000 runs into a temporary database
    .venv/bin/python bench/history.py --runs 2000 --keep

The runs are the lab's four recorded drill reports (tests/report/data/drills: every request
the probes sent, as a real run stores it), recorded through the store's API a minute apart
with their figures varied, 2,500 runs per drill (the retention raised to keep them all: by
default a drill keeps its last 1,000).  Printed:

- bytes per run: the database file (after a WAL checkpoint) divided by the runs, per drill
  report and overall, next to the size of the JSON report it holds;
- the time to record one run (median and p95, one transaction each, as a drill does);
- the time of `clustertui history FILE` (whole process: start-up, the query of every run of
  every drill, the flags, the table), of `--json --last 0` (all 10,000 runs) and of
  `-o history.html`, each the median of 5 runs after a warm-up; and of the store's
  `runs()` alone, in process.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cli_timing import timed  # noqa: E402  (bench/ is the script's directory)

from clustertui.config import load_cluster  # noqa: E402
from clustertui.drills.export import from_json, render_json  # noqa: E402
from clustertui.history import HistoryStore, Retention, drill_run  # noqa: E402

DRILLS = REPO / "tests" / "report" / "data" / "drills"
LAB = REPO / "sample_clusters" / "lab.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database (its path is printed)")
    args = parser.parse_args()
    cluster = load_cluster(LAB, check_files=False)
    results = {path.stem: from_json(json.loads(path.read_text())) for path in sorted(DRILLS.glob("*.json"))}
    workdir = Path(tempfile.mkdtemp(prefix="clustertui-history-bench-"))
    rng = random.Random(14)
    print(f"{args.runs} runs of {len(results)} drills; reports as recorded on the lab (JSON bytes):")
    for name, result in results.items():
        print(f"  {name}: {len(render_json(result)):,} bytes, {sum(len(p.requests) for p in result.probes)} requests")

    # bytes per run, per drill: 200 runs of one report each in its own database
    for name, result in results.items():
        db = workdir / f"one-{name}.sqlite"
        with HistoryStore(db, Retention(keep_runs=1_000_000, keep_for=3650 * 86400.0)) as store:
            for _ in range(200):
                store.record_run(drill_run(result, cluster, cluster.drills[name], "bench"))
            store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"  {name}: {db.stat().st_size / 200:,.0f} bytes per run in the database")

    db = workdir / "history.sqlite"
    keep = Retention(keep_runs=1_000_000, keep_for=3650 * 86400.0)
    start_at = time.time() - args.runs * 60.0
    record_ms = []
    names = list(results)
    with HistoryStore(db, keep) as store:
        for i in range(args.runs):
            name = names[i % len(names)]
            base = results[name]
            result = dataclasses.replace(
                base, started=start_at + i * 60.0, ended=start_at + i * 60.0 + (base.ended - base.started),
                time_to_failover_s=None if base.time_to_failover_s is None
                else round(base.time_to_failover_s * rng.uniform(0.8, 1.3), 3),
            )
            run = drill_run(result, cluster, cluster.drills[name], "bench")
            t0 = time.perf_counter()
            store.record_run(run)
            record_ms.append((time.perf_counter() - t0) * 1000)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        t0 = time.perf_counter()
        every = store.runs("lab")
        query_ms = (time.perf_counter() - t0) * 1000
    size = db.stat().st_size
    record_ms.sort()
    print(f"database: {size / 2**20:.1f} MiB for {len(every)} runs = {size / len(every):,.0f} bytes per run")
    print(f"record one run: median {statistics.median(record_ms):.2f} ms, "
          f"p95 {record_ms[int(0.95 * len(record_ms))]:.2f} ms")
    print(f"store.runs('lab') of {len(every)} runs, in process: {query_ms:.0f} ms")
    env = {**os.environ, "CLUSTERTUI_HISTORY": str(db)}
    for label, argv in (
        ("history FILE (table, newest 10 per drill)", ["history", str(LAB)]),
        ("history FILE --json --last 0 (every run)", ["history", str(LAB), "--json", "--last", "0"]),
        ("history FILE -o history.html", ["history", str(LAB), "-o", str(workdir / "history.html")]),
        ("history diff A B", ["history", "diff", str(every[0].id), str(every[-1].id)]),
        ("clustertui --version (start-up alone)", ["--version"]),
    ):
        median, low, high = timed(argv, env)
        print(f"{label}: {median * 1000:.0f} ms (min {low * 1000:.0f}, max {high * 1000:.0f})")
    if args.keep:
        print(f"kept {workdir}")
    else:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
