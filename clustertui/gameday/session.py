"""`GamedaySession`: running scenarios inside the operator's chaos session (CLI and TUI).

As `DrillSession` does for drills: a stop event the operator sets, a runner that broke still
giving an `aborted` verdict, the run recorded in the history (gameday/record.py), and the
HTML and JSON reports saved in the state directory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clustertui.chaos import ChaosSession
from clustertui.chaos.audit import state_dir
from clustertui.config import Scenario
from clustertui.drills.result import Verdict
from clustertui.drills.session import in_history
from clustertui.engine.monitor import ClusterMonitor
from clustertui.gameday.export import RENDERERS
from clustertui.gameday.result import ScenarioResult, announce
from clustertui.gameday.runner import ScenarioProgress, ScenarioRunner
from clustertui.report.writer import save_run_reports

ScenarioRunnerFactory = Callable[[Scenario, Callable[[ScenarioProgress], None], asyncio.Event], ScenarioRunner]
#: Records a finished game day in the history; returns its run id (raises HistoryError).
ScenarioRecorderFn = Callable[[ScenarioResult], int]


@dataclass
class ScenarioRun:
    """A scenario started in a session: its runner while it runs, its result and report after."""

    scenario: Scenario
    runner: ScenarioRunner
    stop: asyncio.Event
    started: float = field(default_factory=time.time)
    result: ScenarioResult | None = None
    report: Path | None = None  # the HTML report (the JSON one sits next to it)
    report_error: str = ""
    history_id: int | None = None  # the scenario's run id in the history, once recorded
    history_error: str = ""  # why it was not recorded

    @property
    def running(self) -> bool:
        return self.result is None


class GamedaySession:
    def __init__(self, chaos: ChaosSession, new_runner: ScenarioRunnerFactory, reports_dir: Path | None = None,
                 recorder: ScenarioRecorderFn | None = None) -> None:
        """`recorder`: where each finished game day is recorded (None: nowhere, `--no-history`)."""
        self.chaos = chaos
        self.cluster = chaos.cluster
        self.new_runner = new_runner
        self.reports_dir = reports_dir or state_dir() / "gamedays"
        self.recorder = recorder

    @classmethod
    def for_monitor(cls, chaos: ChaosSession, monitor: ClusterMonitor, recorder: ScenarioRecorderFn | None = None,
                    *, auto_continue: bool = False) -> GamedaySession:
        """Game days on `monitor`, their faults through `chaos`, their runs to `recorder`;
        `auto_continue`: headless, past every pause at once (`--yes`)."""

        def new_runner(scenario: Scenario, on_change: Callable[[ScenarioProgress], None],
                       stop: asyncio.Event) -> ScenarioRunner:
            return ScenarioRunner(chaos.cluster, scenario, monitor, chaos, on_change=on_change, stop=stop,
                                  auto_continue=auto_continue)

        return cls(chaos, new_runner, recorder=recorder)

    @property
    def scenarios(self) -> Mapping[str, Scenario]:
        return self.cluster.scenarios

    def start(self, scenario: Scenario, on_change: Callable[[ScenarioProgress], None],
              stop: asyncio.Event | None = None) -> ScenarioRun:
        """A run ready to go (`run` it); `stop` set by the operator stops it, which reverts."""
        stop = stop or asyncio.Event()
        return ScenarioRun(scenario, self.new_runner(scenario, on_change, stop), stop)

    async def run(self, run: ScenarioRun) -> ScenarioResult:
        """Run to the verdict; a runner that broke gives `aborted`, with why."""
        try:
            result = await run.runner.run()
        except Exception as exc:  # the runner itself broke; every step reverted its own fault
            result = ScenarioResult(run.scenario.name, self.cluster.name, run.scenario.description, Verdict.ABORTED,
                                    f"the game day broke: {exc}", run.started, time.time(), ())
        run.result = result
        announce(self.chaos.chaos.notifier, result)
        await self.record(run, result)
        return result

    async def record(self, run: ScenarioRun, result: ScenarioResult) -> None:
        """Hand the result to the recorder; a failure is kept in `history_error`."""
        if self.recorder is not None:
            run.history_id, run.history_error = await in_history(self.recorder, result)

    async def save(self, run: ScenarioRun) -> None:
        """Write a finished run's HTML and JSON reports: its `report`, or why not."""
        assert run.result is not None
        try:
            run.report = await asyncio.to_thread(self.save_report, run.result)
        except OSError as exc:
            run.report_error = f"not saved: {exc}"

    def save_report(self, result: ScenarioResult) -> Path:
        return save_run_reports(self.reports_dir, result.scenario, result.started, RENDERERS, result)
