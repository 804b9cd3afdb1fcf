"""The history store through its API: what a run holds, filters, retention, several
processes writing at once, the upgrade from schema v1, and every way a file can be bad."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest

from clustertui.drills.export import from_json, to_json
from clustertui.history import (
    HistoryCorrupt,
    HistoryLocked,
    HistoryStore,
    HistoryTooNew,
    NewRun,
    Retention,
    RunEvent,
    RunKind,
    UnknownRun,
    schema,
)
from tests.support.history import DAY, held_exclusively, lab_result, record
from tests.support.paths import LAB_FILE, REPO


def test_a_recorded_drill_holds_its_report_version_and_file_hash(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    result = lab_result("web-node-loss")
    run_id = record(db, result, origin="tui")
    with HistoryStore(db) as store:
        [summary] = store.runs("lab")
        stored = store.run(run_id)
    report = json.loads(json.dumps(to_json(result)))
    assert stored.report == report  # the JSON report's content, whole
    assert from_json(stored.report) == from_json(report)
    assert summary.id == run_id and summary.kind == RunKind.DRILL and summary.name == "web-node-loss"
    assert summary.verdict == report["verdict"] == "passed"
    for field in ("availability", "longest_outage_s", "time_to_detect_s", "time_to_failover_s", "time_to_recover_s"):
        assert getattr(summary.figures, field) == report[field], field
    assert summary.cluster_hash == hashlib.sha256(LAB_FILE.read_bytes()).hexdigest()
    from clustertui import __version__

    assert summary.tool_version == __version__ and summary.origin == "tui"
    assert (summary.service, summary.role, summary.fault_kind) == ("nginx", "web", "kill")
    assert summary.target == report["target"]


def test_filters_since_name_kind_and_last(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    now = time.time()
    for days in (3, 2, 1):
        record(db, lab_result("web-node-loss", started=now - days * DAY))
    record(db, lab_result("lb-failover", started=now - 2.5 * DAY))
    with HistoryStore(db) as store:
        store.record_run(NewRun(kind=RunKind.SCENARIO, cluster="lab", name="gameday", verdict="passed",
                                started=now, ended=now + 60, report={"steps": []}, cluster_hash="x",
                                events=(RunEvent(now + 1, "haproxy", "server-down", "web2", "L7 timeout"),)))
        assert [r.name for r in store.runs("lab")] == ["web-node-loss", "lb-failover", "web-node-loss", "web-node-loss"]
        assert len(store.runs("lab", "web-node-loss", since=now - 2.2 * DAY)) == 2
        assert [r.name for r in store.runs("lab", kind=None)][-1] == "gameday"
        assert store.runs("other") == []
        newest = store.runs("lab", last=1)
        assert {r.name: r.started for r in newest} == {"lb-failover": pytest.approx(now - 2.5 * DAY),
                                                       "web-node-loss": pytest.approx(now - DAY)}
        assert set(store.last_runs("lab")) == {"web-node-loss", "lb-failover"}
        [scenario] = store.runs("lab", kind=RunKind.SCENARIO)
        stored = store.run(scenario.id)
        assert stored.events == (RunEvent(now + 1, "haproxy", "server-down", "web2", "L7 timeout"),)
        with pytest.raises(UnknownRun, match="no run with id 999"):
            store.run(999)


def _events(db: Path) -> int:
    with sqlite3.connect(db) as raw:
        return raw.execute("SELECT count(*) FROM run_events").fetchone()[0]


def test_retention_keeps_the_last_runs_of_each_drill_and_drops_old_ones(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    now = time.time()
    keep = Retention(keep_runs=3, keep_for=30 * DAY)
    record(db, lab_result("lb-failover", started=now - 40 * DAY), keep)  # too old once the next one is recorded
    record(db, lab_result("redis-primary-loss", started=now - 20 * DAY), keep)
    for i in range(5):
        with HistoryStore(db, keep) as store:
            store.record_run(NewRun(kind=RunKind.DRILL, cluster="lab", name="web-node-loss", verdict="passed",
                                    started=now - 5 + i, ended=now - 4 + i, report={"i": i}, cluster_hash="x",
                                    events=(RunEvent(now, "engine", "service-down", "web1"),)))
    with HistoryStore(db, keep) as store:
        runs = store.runs("lab")
        assert [r.name for r in runs] == ["redis-primary-loss", "web-node-loss", "web-node-loss", "web-node-loss"]
        assert [store.run(r.id).report["i"] for r in runs[1:]] == [2, 3, 4]
    assert _events(db) == 3  # the pruned runs' events went with them


def _writer(db: Path, worker: int, count: int) -> subprocess.Popen[str]:
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from clustertui.history import HistoryStore, NewRun, RunEvent, RunKind
        now = time.time()
        for i in range({count}):
            with HistoryStore(Path({str(db)!r})) as store:
                store.record_run(NewRun(kind=RunKind.DRILL, cluster="lab", name="w{worker}", verdict="passed",
                                        started=now + i, ended=now + i + 1, report={{"i": i, "pad": "x" * 4000}},
                                        cluster_hash="h", events=(RunEvent(now + i, "engine", "e"),)))
                store.runs("lab")
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stderr=subprocess.PIPE, text=True)


def test_several_processes_record_at_once(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    workers, count = 4, 30
    processes = [_writer(db, w, count) for w in range(workers)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with HistoryStore(db) as store:
        runs = store.runs("lab")
        assert len(runs) == workers * count == len({r.id for r in runs})
        for w in range(workers):
            assert [store.run(r.id).report["i"] for r in runs if r.name == f"w{w}"] == list(range(count))
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert _events(db) == workers * count


def _v1_database(path: Path) -> None:
    """A history as the first schema wrote it, with one run."""
    raw = sqlite3.connect(path)
    raw.executescript(schema.V1)
    report = to_json(lab_result("web-node-loss"))
    raw.execute(
        "INSERT INTO runs (cluster, drill, verdict, reason, started, ended, target, fault_kind, availability, "
        "longest_outage_s, time_to_detect_s, time_to_failover_s, time_to_recover_s, tool_version, cluster_hash, "
        "report) VALUES ('lab', 'web-node-loss', 'passed', '', 1e9, 1e9 + 20, 'web3', 'kill', 1.0, 0, 0.62, 0.62, "
        "0.57, '0.0.9', 'abc', ?)",
        (zlib.compress(json.dumps(report).encode()),),
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()


def test_a_v1_history_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _v1_database(db)
    with HistoryStore(db) as store:
        [old] = store.runs("lab")
        assert (old.kind, old.name, old.origin, old.service, old.parent) == (RunKind.DRILL, "web-node-loss", "", None, None)
        assert old.figures.time_to_failover_s == 0.62 and old.tool_version == "0.0.9"
        assert store.run(old.id).report["drill"] == "web-node-loss"
        new_id = record(db, lab_result("web-node-loss", started=2e9))
        assert new_id > old.id
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == schema.CURRENT == 2
        assert raw.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    record(db, lab_result())
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 7")
    before = db.read_bytes()
    with pytest.raises(HistoryTooNew, match=r"newer clustertui \(history schema v7; this one reads up to v2\)"):
        HistoryStore(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "bad.sqlite"
    db.write_bytes(content)
    with pytest.raises(HistoryCorrupt, match=str(db)):
        HistoryStore(db)
    assert db.read_bytes() == content


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(HistoryCorrupt, match="other tables"):
        HistoryStore(db)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA application_id = 1234")
    with pytest.raises(HistoryCorrupt, match="another program"):
        HistoryStore(db)


def test_a_lock_held_too_long_is_history_locked(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    record(db, lab_result())
    with held_exclusively(db):
        started = time.monotonic()
        with pytest.raises(HistoryLocked, match="locked by another process"), HistoryStore(db, busy_timeout=0.5) as store:
            store.runs("lab")
        assert time.monotonic() - started < 20
    with HistoryStore(db) as store:  # usable again once the other process let go
        assert len(store.runs("lab")) == 1
