"""A game day in the history: the scenario as one run, each of its drills as a run whose
parent is the scenario's (so history and coverage count the drills of game days)."""

from __future__ import annotations

import json
import time

from clustertui.config import load_cluster
from clustertui.drills.result import DrillResult, Verdict
from clustertui.gameday.record import ScenarioRecorder
from clustertui.gameday.result import ScenarioResult, StepResult
from clustertui.history import HistoryStore, RunKind
from tests.support.paths import LAB_FILE

T0 = time.time() - 100  # recent: the history prunes runs older than its retention


def test_a_game_day_and_its_drills_are_recorded_together(tmp_path) -> None:
    cluster = load_cluster(LAB_FILE, check_files=False)
    drills = [DrillResult(drill=name, cluster="lab", description="", verdict=Verdict.PASSED, reason="",
                          started=T0 + i * 20, ended=T0 + i * 20 + 15, target=target, fault_kind="kill",
                          availability=0.97)
              for i, (name, target) in enumerate((("web-node-loss", "web2"), ("lb-failover", "lb1")))]
    steps = (StepResult(1, "drill web-node-loss", "drill", Verdict.PASSED, "", T0, T0 + 15, (drills[0],)),
             StepResult(2, "drill lb-failover", "drill", Verdict.PASSED, "", T0 + 20, T0 + 35, (drills[1],)),
             StepResult(3, "drill redis-primary-loss", "drill", None, "skipped: stopped by the operator"))
    result = ScenarioResult("failover-tour", "lab", "", Verdict.ABORTED, "interrupted before every step ran",
                            T0, T0 + 36, steps, ("quorum_lost",))
    recorder = ScenarioRecorder(cluster, "tui", tmp_path / "h.sqlite")
    scenario_id = recorder(result)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        runs = {run.id: run for run in store.runs("lab", kind=None)}
        scenario = runs[scenario_id]
        assert (scenario.kind, scenario.name, scenario.verdict, scenario.origin) == (
            RunKind.SCENARIO, "failover-tour", "aborted", "tui")
        children = sorted((r for r in runs.values() if r.parent == scenario_id), key=lambda r: r.started)
        assert [(r.kind, r.name, r.target, r.origin, r.figures.availability) for r in children] == [
            (RunKind.DRILL, "web-node-loss", "web2", "gameday", 0.97),
            (RunKind.DRILL, "lb-failover", "lb1", "gameday", 0.97),
        ]
        report = store.run(scenario_id).report
        assert json.dumps(report)  # the game day's own JSON report, every step
        assert [s["verdict"] for s in report["steps"]] == ["passed", "passed", "skipped"]
