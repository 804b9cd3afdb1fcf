"""The run history: every drill (and scenario) run, remembered in SQLite.

Where: `<state dir>/history.sqlite` by default (`$XDG_STATE_HOME/clustertui/`); the cluster
file's `history.path`, `$CLUSTERTUI_HISTORY` and `--history PATH` override it, in that
order of strength (`record.history_path`).  `--no-history` on `drill` records nothing.

Layer: above `drills` (it stores drill results), below `tui` and `cli` (which read it).

Using it (colleagues: this is the whole API)::

    from clustertui.history import HistoryStore, NewRun, RunKind, Figures, open_store

    with open_store(cluster) as store:            # the cluster file's path and retention
        run_id = store.record_run(NewRun(kind=RunKind.SCENARIO, cluster=..., name=...,
                                         verdict="passed", started=t0, ended=t1,
                                         report=my_json_dict, cluster_hash=file_hash(cluster.source)))
        store.runs(cluster.name, "web-node-loss", since=t)   # [RunSummary], oldest first
        store.runs(cluster.name, last=10)                   # newest 10 of each drill
        store.last_runs(cluster.name)                       # {drill name: newest RunSummary}
        full = store.run(run_id)                            # StoredRun: summary, report, events

- `NewRun` is what goes in: kind (drill | scenario), cluster, name, verdict, the report
  (the JSON report as a dict), the figures (availability, longest outage, detect, failover,
  recover) as columns, target, fault kind, the service and role hit, who ran it (`origin`),
  the tool version, the cluster file's sha256, extra timeline events (`RunEvent`, e.g. a
  cluster manager's reaction) and, for a scenario's steps, the scenario's run id (`parent`).
  `record.drill_run(result, cluster, drill, origin)` builds one from a `DrillResult`.
- `RunSummary` is what tables, trends and coverage read: every column but the report.
- `StoredRun` adds the report (`drills.export.from_json(run.report)` gives the DrillResult
  back) and the events.
- Errors are `HistoryError` subclasses, each one line naming the file, with the CLI's exit
  code in `exit_code`: `HistoryLocked` (3), `HistoryCorrupt` (2), `HistoryTooNew` (2),
  `UnknownRun` (2).

Concurrency, retention and migrations: see store.py and schema.py.  Regressions (the rule
that flags a run as worse than the ones before it): regression.py.
"""

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
from clustertui.history.record import DrillRecorder, drill_run, file_hash, history_path, open_store
from clustertui.history.store import HistoryStore, Retention

__all__ = [
    "DrillRecorder",
    "Figures",
    "HistoryCorrupt",
    "HistoryError",
    "HistoryLocked",
    "HistoryStore",
    "HistoryTooNew",
    "NewRun",
    "Retention",
    "RunEvent",
    "RunKind",
    "RunSummary",
    "StoredRun",
    "UnknownRun",
    "drill_run",
    "file_hash",
    "history_path",
    "open_store",
]
