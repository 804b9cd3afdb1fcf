"""A finished game day into the run history (clustertui/history): the scenario as one run
(kind `scenario`, its JSON report), and every drill it ran as a drill run whose `parent` is
the scenario's, so that `history`, its trends and coverage count the drills of game days too.

Recorded in one go at the end (the database opened per record, as `DrillRecorder` does: a TUI
left open holds no connection, and a locked file fails that record, with why).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from clustertui.config import Cluster
from clustertui.gameday.export import to_json_data
from clustertui.gameday.result import ScenarioResult
from clustertui.history import HistoryStore, NewRun, RunKind
from clustertui.history.record import drill_run, file_hash, history_path, retention

ORIGIN = "gameday"  # the origin of a game day's drill runs


def scenario_run(result: ScenarioResult, cluster: Cluster, origin: str) -> NewRun:
    """The record of the game day itself (its figures are its drills', each in its own run)."""
    return NewRun(kind=RunKind.SCENARIO, cluster=result.cluster, name=result.scenario, verdict=str(result.verdict),
                  reason=result.reason, started=result.started, ended=result.ended, report=to_json_data(result),
                  cluster_hash=file_hash(cluster.source), origin=origin)


class ScenarioRecorder:
    """Records each finished game day of one cluster; returns the scenario run's id."""

    def __init__(self, cluster: Cluster, origin: str, override: str | Path | None = None) -> None:
        self.cluster = cluster
        self.origin = origin
        self.path = history_path(cluster, override)

    def __call__(self, result: ScenarioResult) -> int:
        """HistoryError when it could not be recorded."""
        with HistoryStore(self.path, retention(self.cluster)) as store:
            scenario_id = store.record_run(scenario_run(result, self.cluster, self.origin))
            for drill_result in result.drills:
                drill = self.cluster.drills.get(drill_result.drill)
                if drill is not None:
                    run = drill_run(drill_result, self.cluster, drill, ORIGIN)
                    store.record_run(dataclasses.replace(run, parent=scenario_id))
            return scenario_id
