"""`clustertui coverage`: the grid of services x fault kinds from the history, stale marks,
node-level faults, and the resilience score as docs/coverage.md defines it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clustertui.history import HistoryStore, NewRun, RunKind
from tests.support.paths import LAB_FILE, REPO

DAY = 86400.0


def record(db: Path, name: str, verdict: str, kind: str, service: str | None, role: str | None,
           days_ago: float, cluster: str = "lab") -> None:
    ended = time.time() - days_ago * DAY
    with HistoryStore(db) as store:
        store.record_run(NewRun(kind=RunKind.DRILL, cluster=cluster, name=name, verdict=verdict, started=ended - 20,
                                ended=ended, report={}, cluster_hash="", fault_kind=kind, service=service,
                                role=role))


def coverage(db: Path, *extra: str, file: Path = LAB_FILE) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "clustertui", "coverage", str(file), "--json",
                             "--history", str(db), *extra],
                            capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def filled(report: dict) -> dict[tuple[str, str], tuple[str, bool]]:
    return {(service, kind): (cell["verdict"], cell["stale"])
            for service, kinds in report["services"].items() for kind, cell in kinds.items() if cell}


def test_no_history_is_an_empty_grid_and_score_0(tmp_path: Path) -> None:
    code, report = coverage(tmp_path / "none.sqlite")
    assert code == 0 and filled(report) == {} and report["score"] == 0
    assert report["kinds"] == ["kill", "stop", "pause", "block-port", "partition", "loss", "latency", "cpu-hog",
                               "mem-hog", "disk-fill"]
    assert list(report["services"]) == ["haproxy", "keepalived", "nginx", "redis", "sentinel", "etcd"]
    assert "block-port" not in report["services"]["keepalived"]  # no port: n/a
    assert not (tmp_path / "none.sqlite").exists(), "reading coverage created a database"


def test_cells_hold_the_newest_verdict_and_stale_marks(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record(db, "web-node-loss", "failed", "kill", "nginx", "web", days_ago=5)
    record(db, "web-node-loss", "passed", "kill", "nginx", "web", days_ago=1)   # newer: wins
    record(db, "redis-primary-loss", "passed", "kill", "redis", "db", days_ago=40)  # stale
    record(db, "lb-failover", "aborted", "stop", "haproxy", "lb", days_ago=2)
    record(db, "web-part", "passed", "partition", None, "web", days_ago=3)       # a node-level fault: the role
    record(db, "other", "passed", "kill", "nginx", "web", days_ago=0, cluster="another-cluster")
    code, report = coverage(db)
    assert code == 0
    assert filled(report) == {
        ("nginx", "kill"): ("passed", False),
        ("redis", "kill"): ("passed", True),
        ("haproxy", "stop"): ("aborted", False),
        ("nginx", "partition"): ("passed", False),
    }
    applicable = 6 * 10 - 1  # keepalived has no port: block-port does not apply
    assert report["score"] == pytest.approx(round(100 * (1 + 0.5 + 0 + 1) / applicable, 1))
    assert report["coverage"] == pytest.approx(4 / applicable)
    assert (report["pass_rate"], report["freshness"]) == (0.75, 0.75)
    _, fresher = coverage(db, "--stale-after", "60d")
    assert fresher["freshness"] == 1.0 and fresher["score"] > report["score"]
    lab_copy = tmp_path / "lab.yaml"
    lab_copy.write_text(LAB_FILE.read_text() + "coverage: {stale_after: 60d}\n")
    _, by_file = coverage(db, file=lab_copy)
    assert by_file["stale_after_s"] == 60 * DAY and by_file["freshness"] == 1.0


def test_text_grid_and_min_score(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record(db, "web-node-loss", "passed", "kill", "nginx", "web", days_ago=0)
    result = subprocess.run([sys.executable, "-m", "clustertui", "coverage", str(LAB_FILE), "--history", str(db),
                             "--min-score", "50"], capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["service", "kill", "stop", "pause", "block-port", "partition", "loss", "latency",
                                "cpu-hog", "mem-hog", "disk-fill"]
    nginx = next(line for line in lines if line.startswith("nginx"))
    assert nginx.split()[1:] == ["passed", "0s"] or nginx.split()[1] == "passed"
    keepalived = next(line for line in lines if line.startswith("keepalived"))
    assert keepalived.split()[1:] == ["n/a"]
    assert lines[-1].startswith("resilience score 2/100: coverage 2% (1 of 59 cells), pass rate 100%, fresh 100%")
