"""A scenario as the list of steps that will run: `scenario:` references expanded in place.

The loader has already refused cycles, so the expansion ends.  A step that came from another
scenario is labelled with it ("warm-up > drill web-node-loss"), so the panel and the
reports say where each step was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.config import Cluster, Scenario
from clustertui.config.scenario import Step


@dataclass(frozen=True, slots=True)
class PlannedStep:
    index: int  # 1-based
    step: Step
    within: tuple[str, ...] = ()  # the scenarios it was reached through, outermost first

    @property
    def label(self) -> str:
        return " > ".join([*self.within, self.step.label()])

    @property
    def kind(self) -> str:
        return self.step.kind


def plan_steps(cluster: Cluster, scenario: Scenario) -> list[PlannedStep]:
    """Every step to run, in order, numbered from 1."""
    flat: list[tuple[Step, tuple[str, ...]]] = []

    def expand(steps: list[Step], within: tuple[str, ...]) -> None:
        for step in steps:
            if step.scenario is not None:
                expand(cluster.scenarios[step.scenario].steps, (*within, step.scenario))
            else:
                flat.append((step, within))

    expand(scenario.steps, ())
    return [PlannedStep(i, step, within) for i, (step, within) in enumerate(flat, start=1)]


def pauses(steps: list[PlannedStep]) -> list[PlannedStep]:
    """The steps that wait for the operator (headless runs must be told what to do)."""
    return [step for step in steps if step.kind == "pause"]
