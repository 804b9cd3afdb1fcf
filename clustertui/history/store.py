"""`HistoryStore`: the SQLite database every drill and scenario run is recorded in.

Several clustertui processes use one database at once (a TUI, a scheduled headless drill,
someone running `history`): it runs in WAL mode (readers never wait for a writer), every
connection waits up to `busy_timeout` for a lock instead of failing at once, and each
write is one `BEGIN IMMEDIATE` transaction (the run, its events and the pruning together).
A lock held longer than that is `HistoryLocked`; a file that is not a clustertui history
(corrupt, or another program's database) is `HistoryCorrupt`; one from a newer clustertui is
`HistoryTooNew` -- never a traceback, never a silent rewrite.

The store is bounded: after each record, the runs of that drill beyond `keep_runs`, and
those older than `keep_for`, are deleted with their events (SQLite reuses the freed pages,
so the file stops growing at the retention's size).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from clustertui.history import schema
from clustertui.history.model import (
    Figures,
    HistoryCorrupt,
    HistoryError,
    HistoryLocked,
    HistoryTooNew,
    NewRun,
    RunEvent,
    RunKind,
    RunSummary,
    StoredRun,
    UnknownRun,
)

T = TypeVar("T")

BUSY_TIMEOUT = 5.0  # seconds a connection waits for another process's lock

_SUMMARY = ("id, kind, cluster, name, verdict, reason, started, ended, availability, longest_outage_s, "
            "time_to_detect_s, time_to_failover_s, time_to_recover_s, target, fault_kind, service, role, origin, "
            "tool_version, cluster_hash, parent")


@dataclass(frozen=True, slots=True)
class Retention:
    """What the store keeps of each drill (or scenario): its last `keep_runs` runs, none
    older than `keep_for` seconds."""

    keep_runs: int = 1000
    keep_for: float = 365 * 86400.0


def _summary(row: tuple[Any, ...]) -> RunSummary:
    return RunSummary(
        id=row[0], kind=RunKind(row[1]), cluster=row[2], name=row[3], verdict=row[4], reason=row[5],
        started=row[6], ended=row[7], figures=Figures(*row[8:13]), target=row[13], fault_kind=row[14],
        service=row[15], role=row[16], origin=row[17], tool_version=row[18], cluster_hash=row[19], parent=row[20],
    )


class HistoryStore:
    """One open history database.  Thread-safe (one connection behind a lock): the TUI
    reads and records from worker threads."""

    def __init__(self, path: Path, retention: Retention | None = None, busy_timeout: float = BUSY_TIMEOUT) -> None:
        """Open (and create, or upgrade) the database at `path`."""
        self.path = path
        self.retention = retention or Retention()
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{path}: cannot open the history: {exc}") from None
        try:
            self._guard(self._setup, busy_timeout)
        except HistoryError:
            self._db.close()
            raise

    def _setup(self, busy_timeout: float) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        found = schema.application_id(db)
        if found not in (0, schema.APPLICATION_ID):
            raise HistoryCorrupt(f"{self.path}: not a clustertui history (another program's SQLite database)")
        if schema.version(db) > schema.CURRENT:
            raise HistoryTooNew(
                f"{self.path}: written by a newer clustertui (history schema v{schema.version(db)}; "
                f"this one reads up to v{schema.CURRENT}); upgrade clustertui or use another --history file"
            )
        self._wal(busy_timeout)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        if schema.version(db) < schema.CURRENT:
            with self._transaction():
                current = schema.version(db)  # another process may have migrated meanwhile
                if current == 0 and schema.has_tables(db):
                    raise HistoryCorrupt(f"{self.path}: not a clustertui history (it holds other tables)")
                if current > schema.CURRENT:
                    raise HistoryTooNew(f"{self.path}: written by a newer clustertui (schema v{current})")
                if current < schema.CURRENT:
                    schema.apply(db, current)

    def _wal(self, busy_timeout: float) -> None:
        """Switch a new file to WAL (a file once switched stays so).  Two processes creating
        the file at once can find it locked without SQLite's busy handler being asked, so
        this waits for it by itself, up to the busy timeout."""
        deadline = time.monotonic() + busy_timeout
        while self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    # -- errors and transactions ------------------------------------------------------------

    def _guard(self, action: Callable[..., T], *args: Any) -> T:
        """Run `action`, turning SQLite's errors into the history's own, one line each."""
        try:
            return action(*args)
        except HistoryError:
            raise
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise HistoryLocked(f"{self.path}: the history is locked by another process ({text})") from None
            if "malformed" in text or "no such" in text:
                raise HistoryCorrupt(f"{self.path}: the history database is damaged ({text})") from None
            raise HistoryError(f"{self.path}: {text}") from None
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise HistoryCorrupt(f"{self.path}: not a usable clustertui history ({exc})") from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _call(self, action: Callable[..., T], *args: Any) -> T:
        with self._lock:
            return self._guard(action, *args)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------

    def record_run(self, run: NewRun) -> int:
        """Record a finished run (and prune what the retention no longer keeps); its id."""
        return self._call(self._record, run)

    def _record(self, run: NewRun) -> int:
        blob = zlib.compress(json.dumps(run.report, separators=(",", ":"), default=str).encode(), 6)
        f = run.figures
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (kind, cluster, name, verdict, reason, started, ended, availability, "
                "longest_outage_s, time_to_detect_s, time_to_failover_s, time_to_recover_s, target, fault_kind, "
                "service, role, origin, tool_version, cluster_hash, parent, report) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (str(run.kind), run.cluster, run.name, run.verdict, run.reason, run.started, run.ended,
                 f.availability, f.longest_outage_s, f.time_to_detect_s, f.time_to_failover_s, f.time_to_recover_s,
                 run.target, run.fault_kind, run.service, run.role, run.origin, run.tool_version, run.cluster_hash,
                 run.parent, blob),
            )
            run_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO run_events (run, t, source, kind, node, detail) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, e.t, e.source, e.kind, e.node, e.detail) for e in run.events],
            )
            self._prune(db, run.cluster, run.kind, run.name, time.time())
        return run_id

    def _prune(self, db: sqlite3.Connection, cluster: str, kind: RunKind, name: str, now: float) -> None:
        keep = self.retention
        db.execute(
            "DELETE FROM runs WHERE cluster = ? AND kind = ? AND name = ? AND id NOT IN "
            "(SELECT id FROM runs WHERE cluster = ? AND kind = ? AND name = ? ORDER BY started DESC, id DESC LIMIT ?)",
            (cluster, str(kind), name, cluster, str(kind), name, keep.keep_runs),
        )
        db.execute("DELETE FROM runs WHERE cluster = ? AND started < ?", (cluster, now - keep.keep_for))

    # -- reading ------------------------------------------------------------------------------

    def runs(self, cluster: str | None = None, name: str | None = None, since: float | None = None,
             kind: RunKind | None = RunKind.DRILL, last: int | None = None) -> list[RunSummary]:
        """Recorded runs, oldest first: of `cluster`, of the drill (or scenario) `name`,
        started at or after `since` (epoch seconds), of `kind` (None: every kind); `last`
        keeps the newest N of each name."""
        where: list[str] = ["1 = 1"]
        params: list[str | float] = []
        for column, value in (("cluster", cluster), ("name", name), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        if since is not None:
            where.append("started >= ?")
            params.append(since)
        sql = f"SELECT {_SUMMARY} FROM runs WHERE {' AND '.join(where)}"
        if last is not None:
            sql = (f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY cluster, kind, name "
                   f"ORDER BY started DESC, id DESC) AS newest FROM ({sql})) WHERE newest <= {int(last)}")
        rows = self._call(lambda: self._db.execute(f"{sql} ORDER BY started, id", params).fetchall())
        return [_summary(tuple(row[:21])) for row in rows]

    def run(self, run_id: int) -> StoredRun:
        """One run in full; UnknownRun when no run has that id (or it was pruned)."""
        return self._call(self._read, run_id)

    def _read(self, run_id: int) -> StoredRun:
        row = self._db.execute(f"SELECT {_SUMMARY}, report FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise UnknownRun(f"{self.path}: no run with id {run_id}")
        try:
            report = json.loads(zlib.decompress(row[21]))
        except (zlib.error, ValueError) as exc:
            raise HistoryCorrupt(f"{self.path}: run {run_id}: its report is damaged ({exc})") from None
        events = tuple(
            RunEvent(*event) for event in self._db.execute(
                "SELECT t, source, kind, node, detail FROM run_events WHERE run = ? ORDER BY t", (run_id,))
        )
        return StoredRun(_summary(tuple(row[:21])), report, events)

    def last_runs(self, cluster: str, kind: RunKind = RunKind.DRILL) -> dict[str, RunSummary]:
        """The newest run of each drill (or scenario) of `cluster`, by name."""
        return {run.name: run for run in self.runs(cluster, kind=kind, last=1)}

    def count(self) -> int:
        """How many runs the store holds (of every cluster and kind)."""
        return int(self._call(lambda: self._db.execute("SELECT count(*) FROM runs").fetchone()[0]))
