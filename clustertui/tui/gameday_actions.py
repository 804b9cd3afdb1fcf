"""The app's game days: a scenario from the chaos menu after a confirmation, its panel, the
operator's answer at a manual pause, stopping it (esc, halt, quit) and its verdict.

Wiring only, as chaos_actions.py is for faults and drills: the rules (gating, reverts, what a
pause waits for) are the `ScenarioRunner`'s; this shows its progress and asks the operator.
"""

from __future__ import annotations

from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from clustertui.config import Scenario
from clustertui.drills.result import ABORTED, PASSED
from clustertui.gameday.plan import plan_steps
from clustertui.gameday.result import ScenarioResult
from clustertui.gameday.runner import ScenarioProgress
from clustertui.gameday.session import GamedaySession, ScenarioRun
from clustertui.report.escape import terminal
from clustertui.tui.chaos_actions import ChaosActions
from clustertui.tui.screens.chaos_menu import DrillChoice, FaultChoice, HistoryChoice, ScenarioChoice
from clustertui.tui.screens.confirm import ConfirmScreen


def scenario_text(scenario: Scenario, steps: list[str]) -> str:
    """What a game day will do, step by step."""
    lines = [scenario.description, ""] if scenario.description else []
    lines += [f"{i}. {label}" for i, label in enumerate(steps, start=1)]
    lines += ["", "Each step runs only if the one before passed. Every fault is reverted when its step ends, "
                  "on esc and on quit; a manual pause waits for you. The report is saved as HTML and JSON."]
    return "\n".join(lines)


class GamedayActions(ChaosActions):
    """The game day half of the chaos actions; `ClusterApp` inherits it."""

    gamedays: GamedaySession | None
    scenario_run: ScenarioRun | None
    _scenario_worker: Worker[None] | None
    _pause_shown: bool

    def _scenario_changed(self) -> None:
        raise NotImplementedError

    @property
    def scenario_running(self) -> bool:
        return self.scenario_run is not None and self.scenario_run.running

    @property
    def busy(self) -> bool:
        return self.drill_running or self.scenario_running

    def _menu_done(self, choice: FaultChoice | DrillChoice | ScenarioChoice | HistoryChoice | None) -> None:
        if isinstance(choice, ScenarioChoice):
            self.confirm_scenario(choice.name)
        else:
            super()._menu_done(choice)

    def confirm_scenario(self, name: str) -> None:
        if not self._may_act() or self.gamedays is None:
            return
        if self.busy:
            self.notify("a drill or game day is running: stop it first (esc)", severity="warning")
            return
        scenario = self.gamedays.scenarios[name]
        labels = [step.label for step in plan_steps(self.gamedays.cluster, scenario)]
        self.push_screen(ConfirmScreen(f"run game day {name}?", terminal(scenario_text(scenario, labels), lines=True), "Run"),
                         lambda yes: self.start_scenario(name) if yes else None)

    def start_scenario(self, name: str) -> None:
        """Run a game day now, in a worker, with its panel on the overview."""
        if not self._may_act() or self.busy or self.gamedays is None:
            return
        self._pause_shown = False
        run = self.gamedays.start(self.gamedays.scenarios[name], on_change=self._scenario_progress)
        self.scenario_run = run
        self._scenario_changed()
        self._scenario_worker = self.run_worker(self._run_scenario(run), group="gameday", exit_on_error=False)

    def _scenario_progress(self, progress: ScenarioProgress) -> None:
        self._scenario_changed()
        if progress.paused is not None and not self._pause_shown:
            self._pause_shown = True
            self.push_screen(ConfirmScreen("game day paused", terminal(progress.paused, lines=True), "Continue"),
                             self._pause_answered)

    def _pause_answered(self, yes: bool | None) -> None:
        self._pause_shown = False
        if self.scenario_run is None or not self.scenario_run.running:
            return
        if yes:
            self.scenario_run.runner.resume()
        else:
            self.stop_scenario()

    async def _run_scenario(self, run: ScenarioRun) -> None:
        gamedays = self.gamedays  # its cluster's, whichever cluster acts next (several shown)
        assert gamedays is not None
        result: ScenarioResult = await gamedays.run(run)
        self._scenario_changed()
        await gamedays.save(run)
        self._scenario_changed()
        severity: SeverityLevel = (
            "information" if result.verdict == PASSED else "warning" if result.verdict == ABORTED else "error"
        )
        self.notify(f"game day {result.scenario}: {result.verdict}" + (f" ({result.reason})" if result.reason else ""),
                    severity=severity, timeout=15, markup=False)
        self.poll_status(now=True)

    def stop_scenario(self) -> bool:
        """Stop a running game day (the step that runs reverts its fault, the rest are
        skipped); False if none runs."""
        if not self.scenario_running:
            return False
        assert self.scenario_run is not None
        if not self.scenario_run.stop.is_set():
            self.scenario_run.stop.set()
            self.notify("stopping the game day: the running step's fault is reverted first…", timeout=6)
        return True

    def close_scenario(self) -> bool:
        """Hide a finished game day's panel; False if there is none."""
        if self.scenario_run is None or self.scenario_run.running:
            return False
        self.scenario_run = None
        self._scenario_changed()
        return True

    async def finish_scenario(self) -> None:
        """Quitting: stop a running game day and wait until its step has reverted."""
        if self.stop_scenario() and self._scenario_worker is not None:
            try:
                await self._scenario_worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass

    @property
    def scenario_result(self) -> ScenarioResult | None:
        return self.scenario_run.result if self.scenario_run is not None else None
