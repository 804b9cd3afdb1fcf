"""From a finished drill to a recorded run: where the history lives, and what a run holds.

The database's path, in order of precedence: `--history PATH` (given here as `override`),
`$CLUSTERTUI_HISTORY`, the cluster file's `history.path`, and `<state dir>/history.sqlite`.
The figures are taken from the drill's JSON report (`drills.export.to_json`), rounded as
the report rounds them, so that `history` shows exactly what the report file says.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from clustertui.config import Cluster, Drill
from clustertui.config.state import state_dir
from clustertui.drills.export import to_json
from clustertui.drills.result import DrillResult
from clustertui.history.model import Figures, NewRun, RunEvent, RunKind
from clustertui.history.store import HistoryStore, Retention

ENV = "CLUSTERTUI_HISTORY"


def history_path(cluster: Cluster | None = None, override: str | Path | None = None) -> Path:
    """The history database this command uses (see the module's docstring for the order)."""
    if override:
        return Path(override).expanduser()
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    if cluster is not None and cluster.history.path is not None:
        return cluster.history.path
    return state_dir() / "history.sqlite"


def retention(cluster: Cluster) -> Retention:
    return Retention(keep_runs=cluster.history.keep_runs, keep_for=cluster.history.keep_for)


def open_store(cluster: Cluster, override: str | Path | None = None) -> HistoryStore:
    """The store of `cluster`'s history, with the file's retention."""
    return HistoryStore(history_path(cluster, override), retention(cluster))


def file_hash(path: Path) -> str:
    """The sha256 of the cluster file as it was read (empty when it cannot be read now)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def drill_run(result: DrillResult, cluster: Cluster, drill: Drill, origin: str,
              events: tuple[RunEvent, ...] = ()) -> NewRun:
    """The record of a drill run.  `events`: timeline events beyond the report's own (the
    cluster managers' reactions), when there are any."""
    report = to_json(result)
    role = drill.target.role
    if role is None and result.target is not None:
        try:
            roles = cluster.node(result.target).roles
        except KeyError:
            roles = []
        role = roles[0] if roles else None
    return NewRun(
        kind=RunKind.DRILL,
        cluster=result.cluster,
        name=result.drill,
        verdict=str(result.verdict),
        reason=result.reason,
        started=result.started,
        ended=result.ended,
        report=report,
        cluster_hash=file_hash(cluster.source),
        figures=Figures(
            availability=report["availability"],
            longest_outage_s=report["longest_outage_s"],
            time_to_detect_s=report["time_to_detect_s"],
            time_to_failover_s=report["time_to_failover_s"],
            time_to_recover_s=report["time_to_recover_s"],
        ),
        target=result.target,
        fault_kind=result.fault_kind,
        service=drill.fault.service,
        role=role,
        origin=origin,
        events=events,
    )


class DrillRecorder:
    """Records each finished drill of one cluster into its history (what `DrillSession`
    calls after a run).  The database is opened per record: a TUI left open for a week
    holds no connection, and a locked or broken file fails that one record, with why."""

    def __init__(self, cluster: Cluster, origin: str, override: str | Path | None = None) -> None:
        self.cluster = cluster
        self.origin = origin
        self.path = history_path(cluster, override)

    def __call__(self, result: DrillResult, drill: Drill) -> int:
        """The new run's id; HistoryError when it could not be recorded."""
        with HistoryStore(self.path, retention(self.cluster)) as store:
            return store.record_run(drill_run(result, self.cluster, drill, self.origin))
