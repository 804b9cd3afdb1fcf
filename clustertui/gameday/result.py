"""What a game day produces: one verdict per step on one timeline, and the scenario's verdict.

A step that did not run (an earlier step did not pass, or the operator stopped the run) has
the verdict `None`, shown as "skipped".  The scenario passes when every step passed; else it
takes the verdict of the first step that did not pass (failed: exit 1, aborted: exit 3),
exactly as a drill's exit code would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clustertui.chaos.notify import Notifier
from clustertui.config.notify import NotifyEvent
from clustertui.drills.result import DrillResult, Verdict

SKIPPED = "skipped"


def worst(verdicts: Sequence[Verdict]) -> Verdict:
    """A group's verdict: aborted if any part could not run, else failed if any failed."""
    if Verdict.ABORTED in verdicts:
        return Verdict.ABORTED
    return Verdict.FAILED if Verdict.FAILED in verdicts else Verdict.PASSED


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's verdict (None: skipped), why, when, and the drills it ran (a parallel
    group's and every ramp level's, in order); `notes` are its parts' one-line outcomes."""

    index: int  # 1-based, as the panel and the reports number steps
    label: str
    kind: str
    verdict: Verdict | None
    reason: str = ""
    started: float | None = None
    ended: float | None = None
    drills: tuple[DrillResult, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return SKIPPED if self.verdict is None else str(self.verdict)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    cluster: str
    description: str
    verdict: Verdict
    reason: str
    started: float
    ended: float
    steps: tuple[StepResult, ...]
    stop_conditions: tuple[str, ...] = ()  # armed across every step, as the file wrote them

    @property
    def exit_code(self) -> int:
        return {Verdict.PASSED: 0, Verdict.FAILED: 1}.get(self.verdict, 3)

    @property
    def drills(self) -> list[DrillResult]:
        return [drill for step in self.steps for drill in step.drills]


def scenario_verdict(steps: Sequence[StepResult]) -> tuple[Verdict, str]:
    """The first step that did not pass decides, with why; all passed: passed."""
    for step in steps:
        if step.verdict is not None and step.verdict is not Verdict.PASSED:
            return step.verdict, f"step {step.index} ({step.label}) {step.verdict}: {step.reason}".rstrip(": ")
    if any(step.verdict is None for step in steps):  # nothing failed, yet steps did not run
        return Verdict.ABORTED, "interrupted before every step ran"
    return Verdict.PASSED, ""


def announce(notifier: Notifier, result: ScenarioResult) -> None:
    """The scenario's verdict to the cluster's webhooks (`scenario`; `abort` when aborted)."""
    notifier.verdict(NotifyEvent.SCENARIO, result.scenario, str(result.verdict), result.reason,
                     steps={step.label: step.shown for step in result.steps})

