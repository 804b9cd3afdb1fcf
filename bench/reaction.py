"""The lab cluster's own reaction times, as a drill's managers timeline measures them, beside
clustertui's detection of the same fault.

Runs each lab drill N times (`clustertui drill sample_clusters/lab.yaml NAME --headless`,
its JSON report) and prints, per drill, from the fault acting on the node:

- web-node-loss (nginx killed): each HAProxy marking the web node DOWN, and UP again after
  the revert (`inter 1s fall 2 rise 2`);
- lb-failover (HAProxy stopped on the address holder): keepalived's address leaving it and
  arriving on the other balancer (`interval 1 fall 2`, then VRRP);
- redis-primary-loss (the primary's redis killed): the replica's `ROLE` turning master, the
  first and the last sentinel naming it (`down-after-milliseconds 1500`, then the election);

and, for comparison, clustertui's own `time_to_detect_s` and who saw the fault first. The
manager times are the first 250 ms read that showed the change (so late by up to 250 ms
plus the read's own ~10-20 ms). The lab must be up (`clustertui lab up`), in the lab lock:

    flock /tmp/clustertui-labtests.lock .venv/bin/python bench/reaction.py [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DRILLS = ("web-node-loss", "lb-failover", "redis-primary-loss")

Report = dict
Measure = Callable[[Report], "float | None"]


def run(drill: str, out: Path) -> Report:
    command = [sys.executable, "-m", "clustertui", "drill", str(REPO / "sample_clusters" / "lab.yaml"), drill,
               "--headless", "--no-history", "-o", str(out)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: {drill} could not run (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    report: Report = json.loads(out.read_text())
    return report


def events(report: Report, change: str, by: str = "", during: bool = True) -> list[dict]:
    """The changes of one kind, during the fault (or after the revert), in time order."""
    return [e for e in report["managers"]["events"] if e["change"] == change and e["by"].startswith(by)
            and (e["after_revert_s"] is None) == during]


def first(found: list[dict], key: str = "after_fault_s") -> float | None:
    return min((e[key] for e in found), default=None)


def last(found: list[dict], key: str = "after_fault_s") -> float | None:
    return max((e[key] for e in found), default=None)


def of_target(report: Report, change: str, during: bool = True) -> list[dict]:
    return [e for e in events(report, change, "haproxy@", during) if e["node"] == report["target"]]


def elsewhere(report: Report, change: str, by: str) -> list[dict]:
    return [e for e in events(report, change, by) if e["node"] not in (None, report["target"])]


#: drill -> (what, how it is measured from a report), in the order printed.
ROWS: dict[str, list[tuple[str, Measure]]] = {
    "web-node-loss": [
        ("HAProxy marks the node DOWN (first balancer)", lambda r: first(of_target(r, "marked-down"))),
        ("HAProxy marks the node DOWN (last balancer)", lambda r: last(of_target(r, "marked-down"))),
        ("HAProxy marks it UP again, after the revert (last)",
         lambda r: last(of_target(r, "marked-up", during=False), "after_revert_s")),
    ],
    "lb-failover": [
        ("keepalived: the address leaves the holder", lambda r: first(
            [e for e in events(r, "moved") if r["target"] in e["before"].split(" and ")])),
        ("keepalived: the address is on the other balancer", lambda r: first(elsewhere(r, "moved", "keepalived"))),
    ],
    "redis-primary-loss": [
        ("a replica's ROLE turns master", lambda r: first(elsewhere(r, "promoted", "redis@"))),
        ("the first sentinel names it", lambda r: first(elsewhere(r, "promoted", "sentinel@"))),
        ("every sentinel names it", lambda r: last(elsewhere(r, "promoted", "sentinel@"))),
    ],
}


def row(label: str, values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    missed = len(values) - len(known)
    if not known:
        return f"  {label:<52} never"
    text = f"  {label:<52} p50 {statistics.median(known):5.2f} s  max {max(known):5.2f} s  (n={len(known)})"
    return text + (f", {missed} never" if missed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--drills", default=",".join(DRILLS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for drill in args.drills.split(","):
            reports = [run(drill, Path(tmp) / f"{drill}-{i}.json") for i in range(args.trials)]
            verdicts = ", ".join(sorted({r["verdict"] for r in reports}))
            print(f"{drill} ({args.trials} runs, {verdicts}; times from the fault acting on the node)")
            for label, measure in ROWS.get(drill, []):
                print(row(label, [measure(r) for r in reports]))
            detectors = ", ".join(sorted({str(r["detected_by"]) for r in reports}))
            print(row(f"clustertui detects it (by {detectors})", [r["time_to_detect_s"] for r in reports]))
            print(row("acted -> verified on the node", [
                None if r["fault"]["acted_t"] is None else r["fault"]["applied_t"] - r["fault"]["acted_t"]
                for r in reports]))


if __name__ == "__main__":
    main()
