"""A game day as it runs: every step with its verdict so far, the current one and what it
is doing (its drills' phases), the next one, and the stop conditions armed; then the verdict
and where the report was saved.  Redrawn on a half-second timer while the scenario runs."""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text

from clustertui.drills.result import ABORTED, PASSED, Verdict
from clustertui.gameday.result import StepResult
from clustertui.gameday.session import ScenarioRun
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.drill_panel import home_relative
from clustertui.tui.widgets.run_panel import RunPanel

MARKS = {"passed": ("✔", "ok"), "failed": ("✖", "bad"), "aborted": ("■", "warn"), "skipped": ("–", "stale")}


def _level(verdict: Verdict) -> str:
    return "ok" if verdict == PASSED else "warn" if verdict == ABORTED else "bad"


class ScenarioPanel(RunPanel[ScenarioRun]):

    def __init__(self, palette: Palette) -> None:
        super().__init__(palette, "scenario")

    def title(self, run: ScenarioRun) -> str:
        if not run.running:
            return f"game day {run.scenario.name} · esc closes · c runs another"
        progress = run.runner.progress
        where = f"step {progress.current or '…'}/{len(progress.steps)}"
        action = "enter continues · esc stops" if progress.paused is not None else "esc stops it (faults are reverted)"
        return f"game day {run.scenario.name} · {where} · {action}"

    def render(self) -> Text:
        run = self.current
        if run is None:
            return Text("")
        lines = [self._head(run)] if run.result is not None else []
        lines += [self._step(run, planned.index, planned.label) for planned in run.runner.progress.steps]
        lines.append(self._stop_conditions(run))
        if run.result is not None:
            lines.append(self._report(run))
        return terminal(Text("\n", no_wrap=True).join(lines))

    def _line(self) -> Text:
        return Text(no_wrap=True, overflow="ellipsis", end="")

    def _head(self, run: ScenarioRun) -> Text:
        assert run.result is not None
        style = self.palette.style
        result = run.result
        head = self._line()
        head.append(f" {result.verdict.upper()} ", style(_level(result.verdict)) + Style(reverse=True, bold=True))
        head.append(f" · {fmt.duration(result.ended - result.started)}", style("stale"))
        if result.reason:
            head.append(f" · {result.reason}", style("plain"))
        return head

    def _step(self, run: ScenarioRun, index: int, label: str) -> Text:
        style = self.palette.style
        progress = run.runner.progress
        done: StepResult | None = progress.done.get(index)
        if done is None and run.result is not None:
            done = next((s for s in run.result.steps if s.index == index), None)
        line = self._line()
        if done is not None:
            mark, level = MARKS[done.shown]
            line.append(f" {mark} {index}. ", style(level))
            line.append(label, "bold")
            line.append(f"  {done.shown}", style(level))
            if done.started is not None and done.ended is not None:
                line.append(f" {fmt.duration(done.ended - done.started)}", style("stale"))
            if done.reason:
                line.append(f" — {done.reason}", style("plain" if done.verdict == PASSED else level))
            return line
        if index == progress.current:
            line.append(f" ▶ {index}. ", style("warn"))
            line.append(label, "bold")
            line.append(f"  {self._doing(run)}", style("warn"))
            return line
        nxt = progress.next_step
        line.append(f" · {index}. ", style("stale"))
        line.append(label, style("plain"))
        if nxt is not None and nxt.index == index:
            line.append("  next", style("stale"))
        return line

    def _doing(self, run: ScenarioRun) -> str:
        progress = run.runner.progress
        if progress.paused is not None:
            return "waiting for the operator: enter continues, esc stops"
        running = []
        for name, runner in progress.running:
            drill = runner.progress
            if drill.verdict is not None:
                continue
            left = f" {max(0.0, drill.phase_ends - time.time()):.0f}s left" if drill.phase_ends else ""
            running.append(f"{name}: {drill.phase}" + (f" on {drill.target}" if drill.target else "") + left)
        return "; ".join(running) or progress.detail or "running"

    def _stop_conditions(self, run: ScenarioRun) -> Text:
        style = self.palette.style
        line = self._line()
        line.append(" stop on  ", style("stale"))
        armed = run.runner.progress.stop_conditions
        line.append(", ".join(armed) if armed else "esc (no stop condition armed)", style("plain"))
        return line

    def _report(self, run: ScenarioRun) -> Text:
        style = self.palette.style
        line = self._line()
        line.append(" report ", style("stale"))
        if run.report is not None:
            line.append(f"{home_relative(run.report)} (and .json)")
        else:
            line.append(run.report_error or "saving…", style("bad" if run.report_error else "stale"))
        if run.history_id is not None:
            line.append(f" · history run {run.history_id}", style("stale"))
        elif run.history_error:
            line.append(f" · {run.history_error}", style("bad"))
        return line
