"""The game day runner: a scenario's steps in order, each gated on the previous verdict.

Drills run through the drill runner (its traffic, steady state, measurement and verdict);
fault, wait and check steps through `steps.py`; parallel groups and ramp levels through
`groups.py`.  The first step that does not pass stops the run: the steps after it are
recorded as skipped, with why.  The operator's stop (Ctrl-C, esc in the TUI, halt) stops the
step that runs -- whose fault is reverted first, as a drill's always is -- and skips the rest.
A manual pause waits for the operator (`resume`), or, headless, continues at once when the
run was started with `auto_continue` (`--yes`).  The scenario's `abort_when:` is armed across
every step: each drill judges the conditions beside its own (those on traffic on its own
traffic), a fault step the engine ones around its fault, and a guard watches the engine ones
through every wait, check and pause; the first that trips aborts the step that runs (its
fault reverted at once) with the condition as its reason.  Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from clustertui.chaos import ChaosSession
from clustertui.config import Cluster, Drill, Scenario, Target
from clustertui.config.scenario import Ramp, Step
from clustertui.drills.result import DrillResult, Verdict
from clustertui.drills.runner import DrillRunner, Progress
from clustertui.drills.session import aborted_result
from clustertui.drills.stopguard import StopGuard
from clustertui.engine.health import ClusterHealth
from clustertui.engine.monitor import ClusterMonitor
from clustertui.gameday.groups import Part, Ready, run_together
from clustertui.gameday.plan import PlannedStep, plan_steps
from clustertui.gameday.result import ScenarioResult, StepResult, scenario_verdict, worst
from clustertui.gameday.steps import FaultContext, Outcome, run_check, run_fault, run_wait

FAULTING = ("drill", "fault")  # the kinds of part that wait at a parallel group's start line
GUARDED = ("wait", "check", "pause")  # the steps the scenario's own guard watches (the rest judge themselves)


class DrillRunnerLike(Protocol):
    progress: Progress

    async def run(self) -> DrillResult: ...


NewDrillRunner = Callable[[Drill, Callable[[Progress], None], asyncio.Event, Ready | None], DrillRunnerLike]


@dataclass
class ScenarioProgress:
    """What the scenario panel shows; updated by the runner as it goes."""

    steps: list[PlannedStep]
    done: dict[int, StepResult] = field(default_factory=dict)
    current: int | None = None  # the step that runs (1-based)
    detail: str = ""  # what the current step is doing
    paused: str | None = None  # the pause's message while it waits for the operator
    stop_conditions: tuple[str, ...] = ()
    running: list[tuple[str, DrillRunnerLike]] = field(default_factory=list)  # drills of the current step
    verdict: Verdict | None = None

    @property
    def next_step(self) -> PlannedStep | None:
        after = self.current or 0
        return next((s for s in self.steps if s.index > after and s.index not in self.done), None)


class ScenarioRunner:
    def __init__(
        self,
        cluster: Cluster,
        scenario: Scenario,
        monitor: ClusterMonitor,
        chaos: ChaosSession,
        *,
        new_drill_runner: NewDrillRunner | None = None,
        on_change: Callable[[ScenarioProgress], None] | None = None,
        stop: asyncio.Event | None = None,
        auto_continue: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.cluster = cluster
        self.scenario = scenario
        self.monitor = monitor
        self.chaos = chaos
        self.rng = rng or random.Random()
        self.stop = stop or asyncio.Event()
        self.auto_continue = auto_continue
        self.steps = plan_steps(cluster, scenario)
        self.progress = ScenarioProgress(self.steps)
        self._on_change = on_change
        self._resume = asyncio.Event()
        self._new_drill = new_drill_runner or self._drill_runner
        self.conditions = tuple(scenario.abort_when)
        self.progress.stop_conditions = tuple(condition.text() for condition in self.conditions)
        self._faults = FaultContext(cluster, chaos, monitor, self.stop, self.rng, self.conditions)

    def _drill_runner(self, drill: Drill, on_change: Callable[[Progress], None], stop: asyncio.Event,
                      ready: Ready | None) -> DrillRunnerLike:
        return DrillRunner(self.cluster, drill, self.monitor, self.chaos, rng=self.rng, on_change=on_change,
                           stop=stop, ready=ready)

    def _changed(self, detail: str | None = None) -> None:
        if detail is not None:
            self.progress.detail = detail
        if self._on_change is not None:
            self._on_change(self.progress)

    def resume(self) -> bool:
        """The operator continues past a manual pause; False when none waits."""
        if self.progress.paused is None:
            return False
        self._resume.set()
        return True

    # -- the run -----------------------------------------------------------------------

    async def run(self) -> ScenarioResult:
        started = time.time()
        results: list[StepResult] = []
        blocker: StepResult | None = None
        for planned in self.steps:
            if blocker is not None or self.stop.is_set():
                why = (f"step {blocker.index} {blocker.verdict}" if blocker is not None
                       else "stopped by the operator")
                results.append(StepResult(planned.index, planned.label, planned.kind, None, f"skipped: {why}"))
                continue
            self.progress.current = planned.index
            self._changed(planned.label)
            t0 = time.time()
            guard = self._guard(planned.kind, started)
            try:
                outcome, drills = await self._run_step(planned.step)
            except Exception as exc:  # a step that broke is aborted, never the whole game day
                outcome, drills = Outcome(Verdict.ABORTED, f"the step broke: {exc}"), []
            finally:
                if guard is not None:
                    await guard.disarm()
            if guard is not None and guard.breach is not None:
                outcome = Outcome(Verdict.ABORTED, guard.breach.reason(), outcome.notes)
            self.progress.running = []
            step = StepResult(planned.index, planned.label, planned.kind, outcome.verdict, outcome.reason, t0,
                              time.time(), tuple(drills), outcome.notes)
            results.append(step)
            self.progress.done[planned.index] = step
            if step.verdict is not Verdict.PASSED:
                blocker = step
            self._changed("")
        verdict, reason = scenario_verdict(results)
        self.progress.current = None
        self.progress.verdict = verdict
        self._changed("")
        return ScenarioResult(self.scenario.name, self.cluster.name, self.scenario.description, verdict, reason,
                              started, time.time(), tuple(results), self.progress.stop_conditions)

    def _guard(self, kind: str, started: float) -> StopGuard | None:
        """The scenario's engine conditions, armed around a wait, check or pause (counted
        from the game day's start); a breach stops the step as the operator's stop does."""
        conditions = [c for c in self.conditions if not c.kind.needs_traffic]
        if kind not in GUARDED or not conditions:
            return None
        guard = StopGuard(conditions, self.monitor, on_breach=lambda _breach: self.stop.set())
        guard.arm(started)
        return guard

    async def _run_step(self, step: Step) -> tuple[Outcome, list[DrillResult]]:
        if step.drill is not None:
            result = await self._drill(self.cluster.drills[step.drill], None)
            return Outcome(result.verdict, result.reason), [result]
        if step.fault is not None:
            return await run_fault(self._faults, step, self._changed), []
        if step.wait is not None:
            self._changed(f"waiting {step.wait:g}s")
            return await run_wait(step.wait, self.stop), []
        if step.check is not None:
            self._changed(f"checking {step.check.describe()}")
            return await run_check(step.check, self._health, self.stop), []
        if step.pause is not None:
            return await self._pause(step.pause), []
        if step.parallel is not None:
            return await self._parallel(step.parallel)
        assert step.ramp is not None  # scenario references were expanded by plan_steps
        return await self._ramp(step.ramp)

    def _health(self) -> ClusterHealth:
        return self.monitor.health()

    async def _drill(self, drill: Drill, ready: Ready | None) -> DrillResult:
        """One drill to its verdict; a runner that broke gives `aborted`, with why."""
        started = time.time()
        extra = [c for c in self.conditions if drill.traffic or not c.kind.needs_traffic]
        if extra:  # the scenario's stop conditions, beside the drill's own
            drill = drill.model_copy(update={"abort_when": [*drill.abort_when, *extra]})
        runner = self._new_drill(drill, lambda _progress: self._changed(), self.stop, ready)
        self.progress.running.append((drill.name, runner))
        try:
            return await runner.run()
        except Exception as exc:  # the runner broke; it reverted in its own finally
            return aborted_result(self.cluster, drill, started, f"the drill broke: {exc}")

    async def _pause(self, message: str) -> Outcome:
        if self.auto_continue:
            return Outcome(Verdict.PASSED, "", ("continued without the operator (--yes)",))
        waited = time.monotonic()
        self._resume.clear()
        self.progress.paused = message
        self._changed(f"paused: {message}")
        resume, stop = asyncio.ensure_future(self._resume.wait()), asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({resume, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            resume.cancel()
            stop.cancel()
            self.progress.paused = None
        if self.stop.is_set():
            return Outcome(Verdict.ABORTED, "stopped by the operator at the pause")
        return Outcome(Verdict.PASSED, "", (f"continued by the operator after {time.monotonic() - waited:.0f}s",))

    # -- side by side ------------------------------------------------------------------

    async def _parallel(self, steps: list[Step]) -> tuple[Outcome, list[DrillResult]]:
        parts = [self._part(step) for step in steps]
        outcomes = await run_together(parts, [step.kind in FAULTING for step in steps])
        return self._together([step.label() for step in steps], outcomes)

    def _part(self, step: Step) -> Part:
        if step.drill is not None:
            drill = self.cluster.drills[step.drill]
            return lambda ready: self._drill(drill, ready)
        if step.fault is not None:
            return lambda ready: run_fault(self._faults, step, lambda _: None, ready)
        if step.wait is not None:
            wait = step.wait
            return lambda _ready: run_wait(wait, self.stop)
        assert step.check is not None
        check = step.check
        return lambda _ready: run_check(check, self._health, self.stop)

    @staticmethod
    def _together(labels: list[str], outcomes: list[object]) -> tuple[Outcome, list[DrillResult]]:
        """A group's outcome: the worst of its parts', with one note per part."""
        verdicts: list[Verdict] = []
        notes: list[str] = []
        drills: list[DrillResult] = []
        for label, outcome in zip(labels, outcomes, strict=True):
            if isinstance(outcome, DrillResult):
                drills.append(outcome)
                verdict, reason = outcome.verdict, outcome.reason
            elif isinstance(outcome, Outcome):
                verdict, reason = outcome.verdict, outcome.reason
            else:  # the part raised
                verdict, reason = Verdict.ABORTED, f"the step broke: {outcome}"
            verdicts.append(verdict)
            notes.append(f"{label}: {verdict}" + (f" ({reason})" if reason else ""))
        verdict = worst(verdicts)
        failing = [note for note, v in zip(notes, verdicts, strict=True) if v is not Verdict.PASSED]
        return Outcome(verdict, "; ".join(failing), tuple(notes)), drills

    async def _ramp(self, ramp: Ramp) -> tuple[Outcome, list[DrillResult]]:
        """Level by level, `from` to `to` nodes of the role at once; the first level that does
        not pass ends the ramp (its verdict is the step's, with how far it held)."""
        drill = self.cluster.drills[ramp.drill]
        role_nodes = [node.name for node in self.cluster.nodes if ramp.role in node.roles]
        if ramp.pick == "random":
            role_nodes = self.rng.sample(role_nodes, len(role_nodes))
        notes: list[str] = []
        drills: list[DrillResult] = []
        held = 0
        for level in range(ramp.from_, ramp.to + 1):
            nodes = role_nodes[:level]
            self._changed(f"ramp level {level}: {drill.name} on {', '.join(nodes)}")
            copies = [drill.model_copy(update={"target": Target(node=node)}) for node in nodes]
            parts = [self._copy_part(copy) for copy in copies]
            outcome, results = self._together([f"{drill.name} on {n}" for n in nodes],
                                              await run_together(parts, [True] * len(parts)))
            drills += results
            notes.append(f"{level} node(s) ({', '.join(nodes)}): {outcome.verdict}"
                         + (f" ({outcome.reason})" if outcome.reason else ""))
            if outcome.verdict is not Verdict.PASSED:
                so_far = f"held up to {held} node(s); " if held else ""
                return Outcome(outcome.verdict, f"{so_far}at {level} node(s): {outcome.reason}", tuple(notes)), drills
            held = level
        return Outcome(Verdict.PASSED, "", tuple(notes)), drills

    def _copy_part(self, drill: Drill) -> Part:
        return lambda ready: self._drill(drill, ready)
