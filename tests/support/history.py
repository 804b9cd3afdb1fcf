"""Drill results for history tests: the lab's recorded drill reports (tests/report/data),
varied in time and figures, recorded into a history database through its public API."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from clustertui.config import Cluster, load_cluster
from clustertui.drills.export import from_json
from clustertui.drills.result import DrillResult
from clustertui.history import HistoryStore, Retention, drill_run
from tests.support.paths import LAB_FILE, REPO

DRILLS = REPO / "tests" / "report" / "data" / "drills"
DAY = 86400.0


@cache
def lab_cluster() -> Cluster:
    return load_cluster(LAB_FILE, check_files=False)


def lab_result(name: str = "web-node-loss", started: float | None = None, **changes: Any) -> DrillResult:
    """A recorded lab drill's result; `started` moves the whole run (its traffic, phases and
    events) to that time; `changes` replace fields (figures, verdict, reason)."""
    result = from_json(json.loads((DRILLS / f"{name}.json").read_text()))
    if started is not None:
        result = shifted(result, started - result.started)
    return dataclasses.replace(result, **changes)


def shifted(result: DrillResult, by: float) -> DrillResult:
    def move(t: float | None) -> float | None:
        return None if t is None else t + by

    return dataclasses.replace(
        result, started=result.started + by, ended=result.ended + by, t_fault=move(result.t_fault),
        t_revert=move(result.t_revert),
        phases=tuple(dataclasses.replace(p, start=p.start + by, end=p.end + by) for p in result.phases),
        events=tuple(dataclasses.replace(e, t=e.t + by) for e in result.events),
        probes=tuple(dataclasses.replace(p, requests=tuple(dataclasses.replace(r, t=r.t + by) for r in p.requests))
                     for p in result.probes),
    )


def record(path: Path, result: DrillResult, retention: Retention | None = None, origin: str = "cli") -> int:
    cluster = lab_cluster()
    with HistoryStore(path, retention) as store:
        return store.record_run(drill_run(result, cluster, cluster.drills[result.drill], origin))


@contextmanager
def held_exclusively(db: Path) -> Iterator[None]:
    """Another process holds `db` locked (exclusive locking mode: even WAL readers wait)."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, time
        db = sqlite3.connect({str(db)!r}, isolation_level=None)
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        db.execute("SELECT count(*) FROM runs").fetchone()
        print("held", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
