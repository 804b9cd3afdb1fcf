"""The history database's schema and its migrations, versioned by `PRAGMA user_version`.

Each entry of MIGRATIONS takes the database from version i to i + 1; a new schema is a new
entry at the end, never an edit of an old one (a v1 file from an older clustertui must
still upgrade step by step).  `migrate` runs them in one IMMEDIATE transaction, so two
processes opening an old file at once upgrade it once.  A file whose version is above
CURRENT was written by a newer clustertui: it is refused, never downgraded or touched.

- v1: drill runs (figures as columns, the JSON report compressed), by cluster and drill.
- v2: runs of any kind (`kind`: drill or scenario, `parent` for a scenario's steps), who
  ran them (`origin`), the service and role hit (for coverage), and `run_events` for the
  timeline events beside the report's own (cluster managers' reactions).
"""

from __future__ import annotations

import sqlite3

#: `PRAGMA application_id` of a clustertui history ("CTUH"): another program's SQLite file
#: is refused instead of being migrated into ours.
APPLICATION_ID = 0x43545548

V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster TEXT NOT NULL,
    drill TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL,
    ended REAL NOT NULL,
    target TEXT,
    fault_kind TEXT NOT NULL DEFAULT '',
    availability REAL,
    longest_outage_s REAL,
    time_to_detect_s REAL,
    time_to_failover_s REAL,
    time_to_recover_s REAL,
    tool_version TEXT NOT NULL,
    cluster_hash TEXT NOT NULL,
    report BLOB NOT NULL
);
CREATE INDEX runs_by_drill ON runs (cluster, drill, started);
"""

V2 = """
ALTER TABLE runs RENAME COLUMN drill TO name;
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'drill';
ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN service TEXT;
ALTER TABLE runs ADD COLUMN role TEXT;
ALTER TABLE runs ADD COLUMN parent INTEGER REFERENCES runs (id) ON DELETE CASCADE;
DROP INDEX runs_by_drill;
CREATE INDEX runs_by_name ON runs (cluster, kind, name, started);
CREATE INDEX runs_by_parent ON runs (parent) WHERE parent IS NOT NULL;
CREATE TABLE run_events (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    t REAL NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    node TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX run_events_by_run ON run_events (run);
"""

MIGRATIONS: tuple[str, ...] = (V1, V2)
CURRENT = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def application_id(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA application_id").fetchone()[0])


def has_tables(db: sqlite3.Connection) -> bool:
    return int(db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]) > 0


def apply(db: sqlite3.Connection, start: int, target: int = CURRENT) -> None:
    """Run migrations start+1 .. target inside the caller's transaction."""
    for number in range(start, target):
        for statement in MIGRATIONS[number].split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {int(target)}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
